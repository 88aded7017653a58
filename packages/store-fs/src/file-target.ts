import { linkSync, unlinkSync, writevSync } from 'node:fs'
import { type FileHandle, link, open, rename, unlink } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import {
  type DigestAlgorithm,
  OptionsError,
  type Target,
  type TargetAbortOptions,
  type TargetCommitOptions,
  type TargetDigestOptions,
  TargetError,
  type TargetHashAheadOptions,
  type TargetOpenOptions,
  type TargetOpenResult,
} from '@resumable/core'
import { AheadDigest } from './ahead-digest.ts'
import { DigestThread } from './digest-thread.ts'
import { FdFile, type OpenFile } from './fd-file.ts'
import { digestOfFile } from './file-digest.ts'
import { CHECKPOINT_SUFFIX, TEMP_SUFFIX } from './file-suffixes.ts'
import { checkFreeSpace } from './free-space.ts'
import { errorCode, toTargetError } from './fs-errors.ts'
import {
  type HeldLock,
  LOCK_SUFFIX,
  LockFile,
  type LockOwner,
  type LockWatchListener,
  lockTakenError,
} from './lock-file.ts'
import { isResumableCheckpointFile } from './own-files.ts'
import { localHasher } from './piece-hasher.ts'
import { lstatOrUndefined, statOrUndefined } from './probe.ts'
import { QuickCalls } from './quick-calls.ts'
import { syncDirectory } from './sync-directory.ts'
import { COPIED_WRITES, WriteCost } from './write-cost.ts'
import {
  DESCRIPTORS_ARE_THREAD_LOCAL,
  type ThreadFile,
  WRITE_SLICE,
  WriteThread,
  WriteThreadGone,
} from './write-thread.ts'

/** Options for a FileTarget. */
export interface FileTargetOptions {
  /** Replace an existing destination file. Without it, an existing file is an error. @default false */
  readonly overwrite?: boolean
  /** Extend the temporary file to the object size when it is created (sparse where supported). @default false */
  readonly preallocate?: boolean
  /**
   * A temporary path no other process writes (a batch's staging directory, `FileBatchStaging`),
   * on the destination's filesystem. The target then takes no lock file, creates the file
   * exclusively, never resumes or keeps it, and publishes it without replacing a file that
   * appeared meanwhile unless `overwrite`. For objects fetched in one request, which have no
   * part checkpoint to resume from. @default `<destination>.resumable-part`, under a lock file
   */
  readonly privateTempPath?: string
  /**
   * Told when the destination's lock names another host (a shared volume) and is watched before
   * it may be taken over (up to `ms`; refused as soon as it is seen refreshed), e.g. to say why
   * `open` waits.
   */
  readonly onLockWatch?: LockWatchListener
  /**
   * Start writing bytes back to disk in the background (an fdatasync nobody waits for) once this
   * many have been written since the last one began, so the disk works while the network does
   * and `sync()` and `commit()` find little left to write. The kernel would otherwise hold
   * hundreds of megabytes in the page cache until a checkpoint's sync, leaving the disk idle in
   * between. A failed background flush fails the next `sync()` and `commit()`. 0 turns it off.
   * @default 8 MiB
   */
  readonly flushAfter?: number
  /**
   * Bytes per write system call. Writes then run on one background thread shared by every
   * FileTarget of the process, in calls of this size: Linux sizes page-cache folios by the length
   * of a write, and on a VM that hands freed memory back to its host a 1 MiB write can cost many
   * times the CPU of 16 KiB ones (measured in BENCHMARKS.md). 0 writes each buffer with one call
   * on libuv's pool instead. Where a thread cannot start, writes take the pool.
   *
   * Unset, each buffer takes the pool in one call (the cheapest way while the host leaves the
   * guest its memory) until timed probes show large calls waiting on the host, and from then on
   * the thread writes in slices of {@link WRITE_SLICE} (`WriteCost`).
   * @default the pool, then the thread in 16 KiB slices (`WRITE_SLICE`) once probes are slow
   */
  readonly writeSlice?: number
  /**
   * Give the published file the object's modification time as the store reports it
   * (`Last-Modified`), as rclone, wget and `aws s3 cp` do (curl's `-R`, aria2's `--remote-time`),
   * so that a later "is the object newer?" compares the store's clock with itself. False leaves
   * the time the download finished. A store that gives no time leaves it too.
   * @default true
   */
  readonly remoteTime?: boolean
}

/**
 * Background flushes running at once in this process, over all targets. Each holds one of libuv's
 * four pool threads for as long as the disk takes; writes, opens and DNS lookups need the others.
 */
const MAX_BACKGROUND_FLUSHES = 2
let backgroundFlushes = 0

/**
 * Default of `FileTargetOptions.flushAfter`: measured best of 2, 4, 8, 16 and 32 MiB for a GiB
 * (BENCHMARKS.md). 2 MiB was tried again for batches of 8 MiB objects, whose commits then find
 * most bytes on disk: level from nginx, but 27 % more CPU and 7 % more time from the S3 mock.
 */
export const FLUSH_AFTER: number = 8 * 1024 * 1024

/**
 * Writes smaller than this take the pool in one call even with a write thread: its message round
 * trip costs more than it saves (bench:batch, 3,000 objects of 64 KiB, one write each: 8.21 s
 * through the thread against 7.13 s on the pool, CPU 3.22 against 2.91 ms per object).
 */
const THREAD_MIN_BYTES = 128 * 1024

/**
 * Store-fs's own option (not exported from the package): the caller has just looked at the
 * destination and found nothing there, in a directory it made or proved (`fileBatchObject`), so
 * `open` does not look again. Two calls fewer per small object of a batch; a file that appears
 * meanwhile is still never replaced without `overwrite`: publishing by link refuses a name that
 * exists.
 */
export const DESTINATION_PROBED: unique symbol = Symbol('resumable.destinationProbed')

/**
 * Store-fs's own option (not exported from the package): the lock a private temporary file is
 * written under (a batch's, `FileBatchStaging.lock`). The target takes no lock of its own, but
 * never publishes once that one was taken over (this process stopped for longer than its lease):
 * the destination is then the new holder's, who may have written a newer version there.
 */
export const UNDER_LOCK: unique symbol = Symbol('resumable.underLock')

/**
 * Store-fs's own option (not exported from the package): called before the target takes its lock
 * (a parts download's first file), so a batch names the object before any of its state exists
 * (`PartsRecord`).
 */
export const BEFORE_LOCK: unique symbol = Symbol('resumable.beforeLock')

/**
 * A file destination: bytes go to `<dest>.resumable-part` in the same directory (so the final
 * rename is atomic), `sync()` is fdatasync, and `commit()` fsyncs, renames over the destination
 * and fsyncs the directory. A lock file keeps a second process out.
 *
 * Constructing one holds nothing. Handed to `download()`, it is closed and unlocked by the engine
 * however the download ends; opened by the caller directly, it is the caller's to `commit` or
 * `abort` (see `open`).
 *
 * @example
 * ```ts
 * import { download } from '@resumable/core'
 * import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
 * import { createUrlTransport } from '@resumable/transport-fetch'
 *
 * // Bytes land in big.iso.resumable-part; big.iso appears only once verified, by one rename.
 * await download({
 *   transport: createUrlTransport({ url: 'https://example.com/big.iso' }),
 *   target: new FileTarget('big.iso', { overwrite: true }),
 *   checkpoint: new FileCheckpointStore(),
 * })
 * ```
 */
export class FileTarget implements Target {
  /** Absolute destination path. */
  readonly id: string
  /** Absolute path of the temporary file. */
  readonly tempPath: string
  readonly #overwrite: boolean
  readonly #preallocate: boolean
  readonly #remoteTime: boolean
  /** The last write queued: the next one starts when it settles. */
  #writing: Promise<void> = Promise.resolve()
  /** Undefined with a private temporary path, which no other process can be writing. */
  readonly #lock: LockFile | undefined
  #handle: OpenFile | undefined
  #createdPrivate = false
  /** Where the furthest byte written since `open` ends (a fresh file's size, so no fstat is needed). */
  #end = 0
  #size = 0
  readonly #flushAfter: number
  readonly #writeSlice: number
  /** Bytes written since the last background flush began. */
  #unflushed = 0
  /** The background flush in progress. */
  #flushing: Promise<void> | undefined
  /** Why a background flush failed: the kernel reports a write-back error once, to that flush. */
  #flushError: unknown
  /** Set when `writeSlice` was not given: the pool or the thread, by what the writes cost. */
  readonly #cost: WriteCost | undefined
  /** How the write thread names this file (its descriptor, or its path and inode), once it has written to it. */
  #threadFile: ThreadFile | undefined
  /** Set from `UNDER_LOCK`: the lock another object holds over this private temporary file. */
  readonly #underLock: HeldLock | undefined
  /** Set from `BEFORE_LOCK`: told before the lock is taken. */
  readonly #beforeLock: (() => void) | undefined
  /** Set from `DESTINATION_PROBED`: the first `open` skips the destination check. */
  #destinationProbed: boolean
  /** The digests `hashAhead` asked for, hashed as the writes land. */
  #ahead: AheadDigest | undefined

  constructor(
    destination: string,
    options: FileTargetOptions & {
      readonly [DESTINATION_PROBED]?: boolean
      readonly [UNDER_LOCK]?: HeldLock
      readonly [BEFORE_LOCK]?: () => void
    } = {},
  ) {
    if (typeof destination !== 'string' || destination === '') {
      throw new TargetError('not-found', 'The destination path is empty')
    }
    this.id = resolve(destination)
    const { privateTempPath } = options
    this.tempPath =
      privateTempPath === undefined ? `${this.id}${TEMP_SUFFIX}` : resolve(privateTempPath)
    this.#lock =
      privateTempPath === undefined
        ? new LockFile(
            `${this.id}${LOCK_SUFFIX}`,
            options.onLockWatch ? { onWatch: options.onLockWatch } : {},
          )
        : undefined
    this.#overwrite = options.overwrite ?? false
    this.#preallocate = options.preallocate ?? false
    this.#remoteTime = options.remoteTime ?? true
    this.#flushAfter = wholeBytes('flushAfter', options.flushAfter ?? FLUSH_AFTER)
    this.#writeSlice = wholeBytes('writeSlice', options.writeSlice ?? WRITE_SLICE)
    this.#cost = options.writeSlice === undefined ? WriteCost.shared() : undefined
    this.#destinationProbed = options[DESTINATION_PROBED] === true
    this.#underLock = options[UNDER_LOCK]
    this.#beforeLock = options[BEFORE_LOCK]
  }

  /**
   * Checks the destination, takes the lock, and creates or reopens the temporary file. From here
   * the lock and a descriptor are held until `commit` or `abort`: `download()` always calls one of
   * them, but a caller that opens the target itself must, or the destination stays locked (every
   * other download of it refused "in this process") for as long as the process runs.
   */
  async open(options: TargetOpenOptions): Promise<TargetOpenResult> {
    this.#size = options.size
    // Bytes hashed ahead were another opening's.
    const ahead = this.#ahead
    this.#ahead = undefined
    await ahead?.stop()
    // Probed by the caller a moment ago: once. A reopen (a restart) looks for itself.
    if (this.#destinationProbed) this.#destinationProbed = false
    else this.#checkDestination()
    if (this.#lock) this.#beforeLock?.()
    // Held already (reopened by this process), or a lock of ours left there and taken over: the
    // partial file beside it is a run's of this toolkit's. Looked at before it is taken.
    const lockVouches =
      this.#lock !== undefined &&
      (this.#lock.held || lstatOrUndefined(this.#lock.path) !== undefined)
    await this.#lock?.acquire()
    try {
      let notResumedReason: string | undefined
      if (options.resume && this.#lock) {
        // Of unknown length, the temp file may hold any prefix of the object.
        const reopened = await this.#reopen(
          options.sizeKnown === false ? Number.MAX_SAFE_INTEGER : options.size,
        )
        // The file's size tells the engine which parts a truncation took.
        if (typeof reopened === 'number') {
          await this.#checkFreeSpace(options, reopened)
          return { resumed: true, length: reopened }
        }
        notResumedReason = reopened
      }
      // A private path is handed to this target alone: a file there it did not create is not its own.
      // Removed before the free space is judged: a discarded partial file's blocks are free to reuse.
      if (this.#lock && !(lockVouches || options.resume || options.checkpointDiscarded))
        await this.#refuseUnvouchedTemp()
      if (this.#lock || this.#createdPrivate) await this.#removeStaleTemp()
      await this.#checkFreeSpace(options, 0)
      // Always a new file (O_EXCL): opening what is at the path would follow a symlink or share a
      // hard link planted there, and write the object into a file outside the destination.
      // A private file (a batch's object fetched in one request) on a plain descriptor, whose
      // short calls skip the pool while they are quick: small objects are made of short calls.
      this.#handle = this.#lock
        ? await open(this.tempPath, 'wx+', 0o644)
        : await FdFile.create(this.tempPath)
      this.#createdPrivate = !this.#lock
      this.#end = 0
      if (this.#preallocate && options.size > 0) {
        await this.#handle.truncate(options.size)
        this.#end = options.size
      }
      return notResumedReason === undefined
        ? { resumed: false }
        : { resumed: false, notResumedReason }
    } catch (error) {
      await this.#close()
      await this.#lock?.release()
      throw error instanceof TargetError ? error : toTargetError(error, 'create', this.tempPath)
    }
  }

  /**
   * A parts download (with a lock) is the large kind: what is left of its object must fit before
   * it starts. Small private files skip the statfs, one call less per object of a batch; an object
   * of unknown length cannot be judged.
   */
  async #checkFreeSpace(options: TargetOpenOptions, written: number): Promise<void> {
    if (!this.#lock || options.sizeKnown === false) return
    await checkFreeSpace(dirname(this.tempPath), options.size - written, this.id)
  }

  /** Positional write; loops until every byte is written (short writes happen). */
  write(offset: number, data: Uint8Array): Promise<void> {
    return this.#seenAhead(offset, data.length, () =>
      this.#oneAtATime(async () => {
        this.#written(await this.#writeAt(offset, [data]))
      }),
    )
  }

  /**
   * Gather write (one `pwritev` per call when the kernel takes it all); loops over short writes.
   * Undefined on Bun ({@link COPIED_WRITES}): the engine then copies chunks into its buffer halves.
   */
  get writeChunks():
    | ((offset: number, chunks: readonly Uint8Array[]) => Promise<void>)
    | undefined {
    return COPIED_WRITES ? undefined : this.#writeChunks
  }

  readonly #writeChunks = (offset: number, chunks: readonly Uint8Array[]): Promise<void> =>
    this.#seenAhead(offset, byteLength(chunks), () => this.#gatherWrite(offset, chunks))

  #gatherWrite(offset: number, chunks: readonly Uint8Array[]): Promise<void> {
    return this.#oneAtATime(async () => {
      const handle = this.#open()
      let pending = chunks.filter((chunk) => chunk.length > 0)
      const total = byteLength(pending)
      // The write thread packs them into its messages; a FileHandle without writev (some
      // runtimes) takes them call by call.
      if (this.#thread(total) || typeof handle.writev !== 'function') {
        this.#written(await this.#writeAt(offset, pending))
        return
      }
      let position = offset
      try {
        if (this.#probed(handle, pending, position, total)) {
          position += total
          pending = []
        }
        while (pending.length > 0) {
          const { bytesWritten } = await handle.writev(pending, position)
          position += bytesWritten
          pending = afterWritten(pending, bytesWritten)
        }
        this.#end = Math.max(this.#end, position)
        this.#written(position - offset)
      } catch (error) {
        throw toTargetError(error, 'write to', this.tempPath)
      }
    })
  }

  /** Runs `write` of `length` bytes at `offset`, telling the digests hashed ahead where it lands. */
  #seenAhead(offset: number, length: number, write: () => Promise<void>): Promise<void> {
    const ahead = this.#ahead
    if (ahead === undefined || length === 0) return write()
    const end = offset + length
    ahead.willWrite(offset, end)
    return write().then(
      () => ahead.wrote(offset, end),
      (error: unknown) => {
        ahead.wrote(offset, end, false)
        throw error
      },
    )
  }

  /**
   * Runs writes to this file one after another (on Bun, {@link COPIED_WRITES}, all at once). The
   * kernel serialises buffered writes to one file anyway (the inode's lock); several at once only
   * make the pool's threads spin on that lock (perf on loopback nginx: 7 % of the process's CPU in
   * `rwsem_spin_on_owner`, and the page-cache copy 3× as costly), on cores the socket reads need.
   */
  #oneAtATime<T>(write: () => Promise<T>): Promise<T> {
    if (COPIED_WRITES) {
      // Started at once, but still tracked: the file is not closed under a write in flight.
      const started = write()
      const settled = started.then(
        () => undefined,
        () => undefined,
      )
      this.#writing = Promise.all([this.#writing, settled]).then(() => undefined)
      return started
    }
    const run = this.#writing.then(write, write)
    this.#writing = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  /** The write thread, for a write of `bytes`, when this target writes through one. */
  #thread(bytes: number): WriteThread | undefined {
    if (this.#writeSlice === 0 || bytes < THREAD_MIN_BYTES) return undefined
    if (this.#cost && !this.#cost.slowHost) return undefined
    return WriteThread.shared()
  }

  /**
   * Writes `chunks` back to back from `offset`, every byte (short writes happen): through the
   * write thread, else call by call on the runtime's pool. Resolves to the bytes written.
   */
  async #writeAt(offset: number, chunks: readonly Uint8Array[]): Promise<number> {
    const handle = this.#open()
    const total = byteLength(chunks)
    try {
      const thread = this.#thread(total)
      let done = false
      if (thread) {
        try {
          this.#threadFile ??= await this.#nameForThread(handle)
          await thread.write(this.#threadFile, chunks, offset, this.#writeSlice)
          done = true
        } catch (error) {
          // A thread that could not start or stopped leaves the bytes to the pool, now and later.
          if (!(error instanceof WriteThreadGone)) throw error
        }
      }
      if (!done) done = this.#probed(handle, chunks, offset, total)
      let position = offset
      for (const chunk of done ? [] : chunks) {
        for (let at = 0; at < chunk.length; ) {
          const { bytesWritten } = await handle.write(chunk, at, chunk.length - at, position + at)
          at += bytesWritten
        }
        position += chunk.length
      }
      this.#end = Math.max(this.#end, offset + total)
      return total
    } catch (error) {
      throw toTargetError(error, 'write to', this.tempPath)
    }
  }

  /**
   * When the WriteCost wants this write of `total` bytes as a probe, writes `chunks` at `position`
   * in one synchronous call and times it (a write on the pool cannot be timed without the event
   * loop's delays in it); true when it did. A runtime whose descriptor cannot be written so stops
   * the probing, and the write takes the pool.
   */
  #probed(
    handle: OpenFile,
    chunks: readonly Uint8Array[],
    position: number,
    total: number,
  ): boolean {
    const cost = this.#cost
    if (cost === undefined) return false
    if (!cost.probeNext(total)) {
      cost.wrote(total)
      return false
    }
    // One call, as the pool's writev is: the call's length decides the folios, not its pieces'.
    // Gathered, not joined first: the pieces are often views of shared memory, which V8 copies
    // slowly (2.9 ms per MiB in an 8 MiB-object batch, BENCHMARKS.md).
    const began = performance.now()
    try {
      let pending: readonly Uint8Array[] = chunks
      for (let at = position; pending.length > 0; ) {
        const written = writevSync(handle.fd, pending, at)
        at += written
        pending = afterWritten(pending, written)
      }
    } catch (error) {
      if (errorCode(error) !== 'EBADF') throw error
      cost.stopProbing()
      return false
    }
    cost.probed(total, performance.now() - began)
    return true
  }

  /**
   * The file as the write thread can open it. Where descriptors are the opening thread's own, by
   * path, with the inode the thread must find there (a file put in its place is refused, ESTALE).
   */
  async #nameForThread(handle: OpenFile): Promise<ThreadFile> {
    if (!DESCRIPTORS_ARE_THREAD_LOCAL) return { fd: handle.fd }
    const { ino } = await handle.stat()
    // Windows reports no inode (0): the path alone names the file there.
    return ino > 0 ? { path: this.tempPath, ino } : { path: this.tempPath }
  }

  /** Reads back bytes from the temporary file. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const handle = this.#open()
    const out = new Uint8Array(length)
    for (let done = 0; done < length; ) {
      const { bytesRead } = await handle.read(out, done, length - done, offset + done)
      if (bytesRead === 0)
        throw new TargetError('io', `${this.tempPath} ends before byte ${offset + length}`)
      done += bytesRead
    }
    return out
  }

  /** The MD5 of the first `length` bytes of the temporary file, hashed natively. */
  md5(length: number): Promise<string> {
    return this.digest('md5', length)
  }

  /**
   * Hashes the file's bytes with `algorithms` from offset 0 as writes complete (each piece read
   * back from the page cache moments after it was written, on the digest thread where one can
   * start), so that `digest` hashes only what is left: the second pass over the whole file
   * overlaps the download.
   */
  hashAhead(algorithms: readonly DigestAlgorithm[], options: TargetHashAheadOptions = {}): void {
    void this.#ahead?.stop()
    const makeHasher = () =>
      DigestThread.shared()?.hasher(algorithms, () => this.#nameForThread(this.#open())) ??
      localHasher(
        algorithms,
        async (buffer, length, position) =>
          (await this.#open().read(buffer, 0, length, position)).bytesRead,
        this.tempPath,
      )
    this.#ahead = new AheadDigest(algorithms, makeHasher, options.present)
  }

  /** Bytes from offset 0 that `digest(algorithm, length)` has hashed ahead and will not read again. */
  hashedAhead(algorithm: DigestAlgorithm, length: number): number {
    return this.#ahead?.hashed(algorithm, length) ?? 0
  }

  /**
   * The digest of the first `length` bytes of the temporary file, hashed natively (what
   * `hashAhead` hashed, and the rest); `signal` stops it.
   */
  async digest(
    algorithm: DigestAlgorithm,
    length: number,
    options: TargetDigestOptions = {},
  ): Promise<string> {
    const ahead = await this.#ahead?.digest(algorithm, length, options.signal)
    return ahead ?? digestOfFile(this.#open(), algorithm, length, this.tempPath, options.signal)
  }

  /** fdatasync: every write that resolved before this call is on disk when it resolves. */
  async sync(): Promise<void> {
    // A flush already running may have begun before some of those writes, so sync regardless; and
    // wait for every flush that overlapped this one: the kernel reports a write-back error once,
    // to whichever call checks first, and a flush begun after this one returned cannot take it.
    const before = this.#flushing
    // Before a checkpoint names these bytes: never one for a file another process took over.
    if (this.#lock && !this.#lock.verify()) throw this.#lockTaken()
    try {
      await this.#open().datasync()
    } catch (error) {
      throw toTargetError(error, 'sync', this.tempPath)
    }
    await Promise.all([before, this.#flushing])
    this.#throwIfFlushFailed()
  }

  /** Counts bytes written and starts a background flush when `flushAfter` of them are waiting. */
  #written(bytes: number): void {
    this.#unflushed += bytes
    if (this.#flushAfter === 0 || this.#unflushed < this.#flushAfter) return
    // Busy: the bytes stay counted, and the next write past the mark tries again.
    if (this.#flushing || !this.#handle || backgroundFlushes >= MAX_BACKGROUND_FLUSHES) return
    this.#unflushed = 0
    backgroundFlushes++
    this.#flushing = this.#handle
      .datasync()
      .catch((error: unknown) => {
        this.#flushError ??= error
      })
      .finally(() => {
        backgroundFlushes--
        this.#flushing = undefined
      })
  }

  #throwIfFlushFailed(): void {
    if (this.#flushError !== undefined)
      throw toTargetError(this.#flushError, 'write back', this.tempPath)
  }

  /** The final size of an object of unknown length; `commit` checks the file against it. */
  async setSize(size: number): Promise<void> {
    this.#size = size
  }

  /**
   * Sets the store's modification time (`remoteTime`), fsyncs, renames over the destination, fsyncs
   * the directory, releases the lock.
   */
  async commit(options: TargetCommitOptions = {}): Promise<void> {
    const handle = this.#open()
    try {
      // A private file was created by this target and written only through it; a shared one
      // may have been reopened with bytes from an earlier run, so only the file can say.
      const size = this.#lock ? (await handle.stat()).size : this.#end
      if (size !== this.#size) {
        throw new TargetError(
          'io',
          `${this.tempPath} holds ${size} bytes, expected ${this.#size}; not published`,
          {
            path: this.tempPath,
          },
        )
      }
      await this.#flushing
      this.#throwIfFlushFailed()
      if (this.#remoteTime && options.modifiedMs !== undefined)
        await setModifiedTime(handle, options.modifiedMs)
      await handle.sync()
      await this.#close()
      // Never publish under a lock another process took over (this one stalled past its lease).
      if (this.#lock && !this.#lock.verify()) throw this.#lockTaken()
      if (this.#underLock && !this.#underLock.confirm()) throw this.#lockTaken(this.#underLock.path)
      await this.#publish()
      await syncDirectory(dirname(this.id))
    } catch (error) {
      throw error instanceof TargetError ? error : toTargetError(error, 'publish', this.id)
    } finally {
      // A failed commit must not leave the handle for the garbage collector (Bun treats that as an error).
      await this.#close()
      await this.#lock?.release()
    }
  }

  /**
   * Moves the temporary file to the destination. Without `overwrite`, a private temporary file is
   * hard-linked (which fails if the destination exists, atomically, whoever created it) and then
   * unlinked; where hard links are not supported, and under the lock, the check comes before a rename.
   */
  async #publish(): Promise<void> {
    if (!this.#overwrite && this.#lock === undefined) {
      try {
        await linkQuickly(this.tempPath, this.id)
        // Published: a second name left in the staging directory goes when the batch closes it.
        await unlinkQuickly(this.tempPath).catch(() => undefined)
        return
      } catch (error) {
        if (errorCode(error) === 'EEXIST') throw this.#appeared()
        if (!NO_HARD_LINKS.has(errorCode(error) ?? '')) throw error
      }
    }
    if (!this.#overwrite && exists(this.id)) throw this.#appeared()
    await rename(this.tempPath, this.id)
  }

  #appeared(): TargetError {
    return new TargetError(
      'exists',
      `${this.id} appeared while downloading; not overwritten (use overwrite)`,
      { path: this.id, remedies: ['overwrite'] },
    )
  }

  /**
   * Closes; removes the temporary file unless `keep`. Safe without `open` (e.g. `resumable cancel`):
   * the lock is taken first, so a live download's files are never removed (TargetError 'locked'),
   * and a stale lock left by a killed process is taken over and removed with the rest.
   */
  async abort(options: TargetAbortOptions): Promise<void> {
    await this.#close()
    // A private temporary file can never be resumed: it is not kept.
    if (!options.keep || !this.#lock) {
      await this.#lock?.acquire()
      await unlink(this.tempPath).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw toTargetError(error, 'remove', this.tempPath)
      })
    }
    // To be opened again by this process (the engine waits for the store): the lock stays, so
    // that no other process takes the destination (nor `cancel` removes it) meanwhile.
    if (!options.reopen) await this.#lock?.release()
  }

  /**
   * The live process writing this destination (from its lock file), or undefined when none is.
   * A lock from another host counts as live, unless `watch`: then it is watched for its lease
   * first, as `open` would before taking it over.
   */
  async runningDownload(
    options: {
      /** Watch a lock that cannot be judged by its pid for its lease, instead of trusting it. */
      readonly watch?: boolean
      /** Told when such a lock is watched. @default the target's `onLockWatch` */
      readonly onWatch?: LockWatchListener
    } = {},
  ): Promise<LockOwner | undefined> {
    return this.#lock?.liveOwner(options)
  }

  #checkDestination(): void {
    // lstat first: for a new file (the usual case) one call says nothing is there.
    const there = this.#lstatDestination()
    let info: ReturnType<typeof statOrUndefined> = there
    if (there?.isSymbolicLink()) {
      try {
        info = statOrUndefined(this.id)
      } catch (error) {
        throw toTargetError(error, 'inspect', this.id)
      }
    }
    if (info?.isDirectory()) {
      throw new TargetError('is-directory', `${this.id} is a directory; give a file path`, {
        path: this.id,
      })
    }
    // A dangling symlink is not followed to nothing: it is there, and publishing would replace it.
    if (there && !this.#overwrite) {
      throw new TargetError('exists', `${this.id} already exists; not overwritten`, {
        path: this.id,
        remedies: ['overwrite'],
      })
    }
    let parent: ReturnType<typeof statOrUndefined>
    try {
      parent = statOrUndefined(dirname(this.id))
    } catch {
      parent = undefined
    }
    // Creating missing parents silently hides typos in paths; say so instead.
    if (!parent?.isDirectory()) {
      throw new TargetError('not-found', `The directory ${dirname(this.id)} does not exist`, {
        path: this.id,
      })
    }
  }

  /**
   * Throws TargetError 'exists' (no remedies) when a regular file is at the temporary path with
   * nothing of this toolkit's vouching for it (no checkpoint found, no lock of ours there): a
   * user's file that only has the partial file's name, never truncated or removed. A symlink or
   * hard link there is only a name, and is replaced as before.
   */
  async #refuseUnvouchedTemp(): Promise<void> {
    let named: ReturnType<typeof lstatOrUndefined>
    try {
      named = lstatOrUndefined(this.tempPath)
    } catch (error) {
      throw toTargetError(error, 'inspect', this.tempPath)
    }
    if (!named?.isFile() || named.nlink !== 1) return
    // A checkpoint of ours in its default place that the engine did not load (a run without a
    // checkpoint store after a paused one) vouches as well.
    if (await isResumableCheckpointFile(`${this.id}${CHECKPOINT_SUFFIX}`)) return
    throw new TargetError(
      'exists',
      `${this.tempPath} is where this download keeps its partial file, but no checkpoint or lock of resumable's is beside it to say it is one (a file of yours?); it was left untouched and nothing was downloaded: move it away (or delete it, if it is a partial download you no longer want), or choose another destination`,
      { path: this.tempPath, remedies: [] },
    )
  }

  /** Removes what a fresh start replaces at the temporary path: an earlier run's file, or a link. */
  async #removeStaleTemp(): Promise<void> {
    await unlink(this.tempPath).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return
      // Never removed (it may hold anything): the user is told what it is and what to do.
      if (this.#isDirectory(this.tempPath)) {
        throw new TargetError(
          'is-directory',
          `${this.tempPath} is a directory, where this download keeps its partial file; move or remove it, or give another destination`,
          { path: this.tempPath, cause: error },
        )
      }
      throw toTargetError(error, 'replace', this.tempPath)
    })
  }

  #isDirectory(path: string): boolean {
    try {
      return lstatOrUndefined(path)?.isDirectory() === true
    } catch {
      return false
    }
  }

  #lstatDestination(): ReturnType<typeof lstatOrUndefined> {
    try {
      return lstatOrUndefined(this.id)
    } catch (error) {
      throw toTargetError(error, 'inspect', this.id)
    }
  }

  /**
   * Reopens the temporary file: its size; or why one that is there is not resumed (the
   * `notResumedReason` of `open`); or undefined when there is none. Only a regular file with one
   * name is resumed: a symlink or a hard link there was not made by this target, and writing
   * through it would put bytes outside the destination (a fresh start then removes the link and
   * creates a file of its own).
   */
  async #reopen(size: number): Promise<number | string | undefined> {
    let named: ReturnType<typeof lstatOrUndefined>
    let handle: FileHandle
    try {
      named = lstatOrUndefined(this.tempPath)
      if (named === undefined) return undefined
      const refused = this.#notOurs(named)
      if (refused !== undefined) return refused
      handle = await open(this.tempPath, 'r+')
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined
      throw toTargetError(error, 'reopen', this.tempPath)
    }
    const info = await handle.stat()
    const length = info.size
    // Another file swapped in between the lstat and the open, or a temp file longer than the
    // object (it cannot be ours): start over rather than trust it.
    if (info.ino !== named.ino || info.dev !== named.dev || length > size) {
      await handle.close()
      return length > size
        ? this.#tooLong(length, size)
        : `${this.tempPath} was replaced while it was being reopened`
    }
    this.#handle = handle
    this.#end = length
    return length
  }

  /**
   * Why a resume of an object of `size` bytes would not reopen the partial file, as `open` would
   * say it (`notResumedReason`); `missing` when there is none; undefined when it would be reopened.
   * Only looks (for `resumable status`): no lock, no open. `size` is `Number.MAX_SAFE_INTEGER`
   * for an object of unknown length.
   */
  partialFileProblem(
    size: number,
  ): { readonly missing: boolean; readonly reason: string } | undefined {
    let named: ReturnType<typeof lstatOrUndefined>
    try {
      named = lstatOrUndefined(this.tempPath)
    } catch (error) {
      throw toTargetError(error, 'inspect', this.tempPath)
    }
    if (named === undefined)
      return { missing: true, reason: 'the partial download it describes is gone' }
    const refused =
      this.#notOurs(named) ?? (named.size > size ? this.#tooLong(named.size, size) : undefined)
    return refused === undefined ? undefined : { missing: false, reason: refused }
  }

  /** Why the file at the temp path (its lstat) is not this target's own, if it is not. */
  #notOurs(named: NonNullable<ReturnType<typeof lstatOrUndefined>>): string | undefined {
    if (!named.isFile())
      return `${this.tempPath} is not a regular file (a symlink or a directory), so it is not this download's`
    if (named.nlink !== 1)
      return `${this.tempPath} has another name (a hard link), so it is not this download's alone`
    return undefined
  }

  #tooLong(length: number, size: number): string {
    return `${this.tempPath} holds ${length} bytes, more than the object's ${size}, so it cannot be this download's`
  }

  #open(): OpenFile {
    if (!this.#handle)
      throw new TargetError('io', `${this.tempPath} is not open`, { path: this.tempPath })
    // Another process took the lock over (this one stopped for longer than the lease): no more
    // writes, syncs or checkpoints from here; the file is the new holder's.
    if (this.#lock?.lost) throw this.#lockTaken()
    return this.#handle
  }

  #lockTaken(lock?: string): TargetError {
    return lockTakenError(
      lock ?? this.#lock?.path ?? this.tempPath,
      `${this.tempPath} not written or published`,
    )
  }

  async #close(): Promise<void> {
    const handle = this.#handle
    this.#handle = undefined
    // Not closed under a write or flush still running on it: the write thread holds only the
    // descriptor's number, which a later open could reuse.
    await this.#writing
    await this.#flushing
    const ahead = this.#ahead
    this.#ahead = undefined
    await ahead?.stop()
    // The thread's own descriptor of the file (Deno) is closed before a rename or a reopen.
    const threadFile = this.#threadFile
    this.#threadFile = undefined
    if (threadFile)
      await WriteThread.shared()
        ?.forget(threadFile)
        .catch(() => undefined)
    await handle?.close().catch(() => undefined)
  }
}

/** `link`, synchronously while such calls are quick ({@link QuickCalls}). */
/** Errors of a file system that keeps no times we may set (vfat of another owner, some FUSE and SMB mounts). */
const TIMES_NOT_KEPT = new Set(['EPERM', 'EACCES', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'])

/**
 * Gives the file the store's modification time, before the fsync that makes it durable with the
 * bytes, so the file appears with it. Best effort, as wget and curl `-R` make it: a file system
 * that refuses times still gets the file, with the time it was written.
 */
async function setModifiedTime(handle: OpenFile, modifiedMs: number): Promise<void> {
  try {
    await handle.utimes(new Date(), new Date(modifiedMs))
  } catch (error) {
    if (!TIMES_NOT_KEPT.has(errorCode(error) ?? '')) throw error
  }
}

async function linkQuickly(existing: string, name: string): Promise<void> {
  const quick = QuickCalls.shared('link')
  if (quick.on) quick.run(() => linkSync(existing, name))
  else await link(existing, name)
}

/** `unlink`, synchronously while such calls are quick ({@link QuickCalls}). */
async function unlinkQuickly(path: string): Promise<void> {
  const quick = QuickCalls.shared('unlink')
  if (quick.on) quick.run(() => unlinkSync(path))
  else await unlink(path)
}

/** `value`, a byte count option: a whole number ≥ 0, else OptionsError. */
function wholeBytes(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new OptionsError(name, `${name} must be a whole number of bytes ≥ 0`, {
      min: 0,
      received: value,
      unit: 'bytes',
    })
  }
  return value
}

function byteLength(chunks: readonly Uint8Array[]): number {
  let total = 0
  for (const chunk of chunks) total += chunk.length
  return total
}

/** `link` errors meaning the filesystem has no hard links (FAT, exFAT, some network mounts). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'])

function exists(path: string): boolean {
  try {
    // A symlink is something at the path even when what it points to is gone.
    return lstatOrUndefined(path) !== undefined
  } catch {
    return false
  }
}

/** What is left of `chunks` once their first `written` bytes are on disk. */
function afterWritten(chunks: readonly Uint8Array[], written: number): Uint8Array[] {
  let skip = written
  let index = 0
  while (index < chunks.length && skip >= (chunks[index] as Uint8Array).length) {
    skip -= (chunks[index] as Uint8Array).length
    index++
  }
  const rest = chunks.slice(index)
  if (skip > 0 && rest.length > 0) rest[0] = (rest[0] as Uint8Array).subarray(skip)
  return rest
}
