import { randomBytes } from 'node:crypto'
import { mkdir, realpath, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { type Shard, TargetError } from '@resumable/core'
import { batchFileName, batchFilesIn, mayRunTogether } from './batch-file-names.ts'
import { CreatedDirectories } from './file-batch-directories.ts'
import { PartsRecord } from './file-batch-parts.ts'
import { toTargetError } from './fs-errors.ts'
import { type HeldLock, LockFile, type LockOwner, type LockWatchListener } from './lock-file.ts'
import { sightLock } from './lock-liveness.ts'
import { lstatOrUndefined, statOrUndefined } from './probe.ts'

/** Lock file a running batch holds in its destination directory (a shard's: `batchFileName('lock', shard)`). */
export const BATCH_LOCK_NAME = '.resumable-batch.lock'
/** Directory, inside the destination, where a batch keeps its one-request objects' temporary files. */
export const BATCH_STAGING_NAME = '.resumable-batch.staging'

/** Options for `FileBatchStaging.open`. */
export interface FileBatchStagingOptions {
  /**
   * The shard this process downloads (`--shard i/N`): its lock, staging directory and record of
   * directories are its own (`batchFileName`), so the other shards of the same split may run into
   * the same directory at the same time. A whole batch, or a shard of another split, may not.
   */
  readonly shard?: Shard
  /**
   * The batch's name (core's `id`, before the shard is appended), kept in the lock: shards run
   * beside the other shards of their own batch only, never beside another batch's with the same
   * count (another prefix whose keys map to the same paths).
   */
  readonly batch?: string
  /**
   * Told when a lock in the directory names another host and must be watched before it is known
   * to be abandoned (up to `ms`: `MISSED_HEARTBEATS` of its heartbeats), e.g. to say why the
   * start waits. A lock refreshed meanwhile is live: the start is refused as soon as it is seen.
   */
  readonly onLockWatch?: LockWatchListener
  /**
   * Told if the batch's lock is found taken over while the batch runs (this process stopped for
   * longer than a lease, as another host saw it): stop the batch, its successor continues it.
   */
  readonly onLockLost?: () => void
}

/** A live batch process writing a directory, and which shard it downloads (none: a whole batch). */
export interface RunningBatch extends LockOwner {
  readonly shard?: Shard
  /**
   * When its lock was last refreshed (its modification time, ISO 8601, by the holder's clock),
   * for a lock that records a heartbeat: of another host, the only sign of life `status` has.
   */
  readonly refreshedAt?: string
}

/**
 * A batch's own corner of its destination directory: a lock, so one batch process at a time
 * writes there (a second gets TargetError 'locked', never a shared journal) — or one process per
 * shard of one split (`options.shard`), each in a corner of its own — a staging
 * directory for the temporary files of objects fetched in one request, and the record of the
 * directories the run created for its objects (`fileBatchObject` reports them), kept in
 * `.resumable-batch.dirs` so that a killed run's are known too (`CreatedDirectories`).
 *
 * Such an object has no part checkpoint, so its temporary file is worthless once the run ends;
 * kept here under a name no other process uses, it needs no lock file of its own. A batch of
 * 10,000 small objects then creates 10,000 inodes, not 20,000 (a lock file each, created and
 * removed), and its event loop never waits on creating one (BENCHMARKS.md, "Many objects").
 * `open` empties what a killed run left here; `close` removes the directories the run (or a run
 * killed before it) created that are still empty (those of objects that failed or were refused),
 * the staging directory and the lock. `removeLeftovers` does the same for a killed run.
 *
 * @example
 * const staging = await FileBatchStaging.open('/data')
 * try {
 *   await downloadMany({ …, open: ({ segments }) => fileBatchObject('/data', segments, transport, { staging }) })
 * } finally {
 *   await staging.close()
 * }
 */
export class FileBatchStaging {
  /** Absolute path of the staging directory. */
  readonly dir: string
  readonly #lock: LockFile
  #next = 0
  readonly #prefix = `${randomBytes(6).toString('hex')}-`
  /** The staging directory's device, to tell whether a destination directory shares its filesystem. */
  #device: number | bigint | undefined
  readonly #sameDevice = new Map<string, boolean>()
  readonly #created: CreatedDirectories
  readonly #parts: PartsRecord
  readonly #root: string
  readonly #shard: Shard | undefined
  readonly #batch: string | undefined
  readonly #onLockWatch: LockWatchListener | undefined

  /** `realRoot` is `root` after `realpath`, where the directories made under it are recorded. */
  private constructor(
    root: string,
    realRoot: string,
    { shard, batch, onLockWatch, onLockLost }: FileBatchStagingOptions,
  ) {
    this.#root = root
    this.#shard = shard
    this.#batch = batch
    this.#onLockWatch = onLockWatch
    this.dir = join(root, batchFileName('staging', shard))
    this.#lock = new LockFile(join(root, batchFileName('lock', shard)), {
      ...(batch === undefined ? {} : { batch }),
      ...(onLockWatch === undefined ? {} : { onWatch: onLockWatch }),
      ...(onLockLost === undefined ? {} : { onLost: onLockLost }),
    })
    this.#created = new CreatedDirectories(realRoot, batchFileName('dirs', shard))
    this.#parts = new PartsRecord(realRoot, batchFileName('parts', shard), batch ?? '')
  }

  static async #at(root: string, options: FileBatchStagingOptions): Promise<FileBatchStaging> {
    const full = resolve(root)
    // A root that cannot be resolved fails taking the lock, with a clearer error.
    return new FileBatchStaging(full, await realpath(full).catch(() => full), options)
  }

  /**
   * Takes the batch lock of `root` (taking over a stale one) and starts an empty staging directory.
   * Throws TargetError 'locked' while another batch runs there, unless both are shards of one
   * split (the same `count` and `batch`): the lock is taken first and the others looked at
   * after, so of two batches starting at once at least one sees the other.
   */
  static async open(
    root: string,
    options: FileBatchStagingOptions = {},
  ): Promise<FileBatchStaging> {
    const staging = await FileBatchStaging.#at(root, options)
    await staging.#lock.acquire()
    try {
      await staging.#refuseOthers()
      await staging.#empty()
      await mkdir(staging.dir, { mode: 0o700 }).catch((error: unknown) => {
        throw toTargetError(error, 'create the staging directory', staging.dir)
      })
      staging.#device = lstatOrUndefined(staging.dir)?.dev
    } catch (error) {
      await staging.#lock.release()
      throw error
    }
    return staging
  }

  /**
   * Every live process running a batch (or a shard of one) into `root`, other than this one. At
   * a glance, a lock from another host counts as live; with `watch`, each such lock is watched
   * for its lease (all at once), as `open` does, and left out if abandoned.
   */
  static async runningIn(
    root: string,
    options: {
      /** Watch each lock that cannot be judged by its pid for its lease, instead of trusting it. */
      readonly watch?: boolean
      /** Told when such a lock is watched. */
      readonly onLockWatch?: LockWatchListener
    } = {},
  ): Promise<RunningBatch[]> {
    const { watch = false, onLockWatch } = options
    const locks = await FileBatchStaging.#locksIn(root, onLockWatch ? { onWatch: onLockWatch } : {})
    const owners = await Promise.all(locks.map(({ lock }) => lock.liveOwner({ watch })))
    const running: RunningBatch[] = []
    owners.forEach((owner, i) => {
      const { lock, shard } = locks[i] as (typeof locks)[number]
      if (owner) running.push(runningBatch(owner, shard, lock))
    })
    return running
  }

  /** Each batch lock file in `root` (the whole batch's and every shard's), whether held or not. */
  static async #locksIn(
    root: string,
    options: { readonly onWatch?: LockWatchListener } = {},
  ): Promise<{ lock: LockFile; shard: Shard | undefined }[]> {
    const full = resolve(root)
    return (await batchFilesIn(full, 'lock')).map(({ name, shard }) => ({
      lock: new LockFile(join(full, name), options),
      shard,
    }))
  }

  /**
   * What killed batches left in `root` (for the whole batch and every shard: its staging
   * directory, stale lock, and the directories it created that are empty now, with their
   * record), removed; returns the names of the batches' own files removed, and tells
   * `onDirectoryRemoved` each directory removed (relative to `root`, `/`-separated). Remove the
   * objects' partial files and checkpoints in `first`, or the directories holding them stay: it
   * runs under every lock (the whole batch's among them, which keeps any shard from starting).
   * Refuses with TargetError 'locked' while a batch or a shard runs there.
   */
  static async removeLeftovers(
    root: string,
    options: {
      readonly onDirectoryRemoved?: (path: string) => void
      /**
       * Runs once every lock is held, before the directories are removed: the place to remove
       * the objects' partial files and checkpoints, with no batch able to start meanwhile.
       */
      readonly first?: () => Promise<void>
      /** Runs last, the locks still held: the place to remove the journals. */
      readonly last?: () => Promise<void>
      /** As `FileBatchStagingOptions.onLockWatch`: a lock naming another host is watched first. */
      readonly onLockWatch?: LockWatchListener
    } = {},
  ): Promise<string[]> {
    const full = resolve(root)
    const corners = new Map<string, Shard | undefined>([['', undefined]])
    for (const kind of ['lock', 'staging', 'dirs', 'parts'] as const)
      for (const file of await batchFilesIn(full, kind))
        if (file.shard) corners.set(`${file.shard.index}/${file.shard.count}`, file.shard)
    // Every corner's lock first: none is touched while any shard runs.
    const held: { staging: FileBatchStaging; hadLock: boolean }[] = []
    try {
      for (const shard of corners.values()) {
        const staging = await FileBatchStaging.#at(full, {
          ...(shard === undefined ? {} : { shard }),
          ...(options.onLockWatch === undefined ? {} : { onLockWatch: options.onLockWatch }),
        })
        const hadLock = (await staging.#lock.owner()) !== undefined
        await staging.#lock.acquire()
        held.push({ staging, hadLock })
      }
      await options.first?.()
      const removed: string[] = []
      for (const { staging, hadLock } of held) {
        const shard = staging.#shard
        if (await staging.#empty()) removed.push(batchFileName('staging', shard))
        if (staging.#created.hasRecord()) removed.push(batchFileName('dirs', shard))
        if (await staging.#parts.remove()) removed.push(batchFileName('parts', shard))
        for (const dir of await staging.#created.removeEmpty())
          options.onDirectoryRemoved?.(staging.#created.relativeToRoot(dir))
        if (hadLock) removed.push(batchFileName('lock', shard))
      }
      await options.last?.()
      return removed
    } finally {
      for (const { staging } of held) await staging.#lock.release()
    }
  }

  /** Throws 'locked' (after releasing this batch's lock) when a batch it may not run beside is live. */
  async #refuseOthers(): Promise<void> {
    const onWatch = this.#onLockWatch
    const locks = await FileBatchStaging.#locksIn(this.#root, onWatch ? { onWatch } : {})
    // Never this batch's own lock: liveOwner leaves out this process's. A lock of another host
    // is watched only when it would refuse this batch (a dead pod's must not block its
    // successor), and all such locks at once: one lease, however many pods died.
    const glances = await Promise.all(locks.map(({ lock }) => lock.liveOwner()))
    const refusing = locks.filter(({ shard }, i) => {
      const glance = glances[i]
      const here = { shard: this.#shard, batch: this.#batch }
      return glance !== undefined && !mayRunTogether(here, { ...glance, shard })
    })
    const owners = await Promise.all(refusing.map(({ lock }) => lock.liveOwner({ watch: true })))
    for (const [i, owner] of owners.entries()) {
      if (!owner) continue
      const { lock, shard } = refusing[i] as (typeof refusing)[number]
      const other = runningBatch(owner, shard, lock)
      const whose = other.shard
        ? `shard ${other.shard.index}/${other.shard.count} of ${other.batch ?? 'a batch'}`
        : (other.batch ?? 'a batch')
      throw new TargetError(
        'locked',
        `Another download (${whose}, pid ${other.pid} on ${other.host}, since ${other.startedAt}) is writing this directory; only shards of one split (the same source, --shard i/N with the same N) run into one directory at once`,
        { path: this.#root },
      )
    }
  }

  /**
   * True when a file in `dir` can be published from the staging directory: both are on one
   * filesystem (a link or rename cannot cross a mount point inside the destination). Asked once
   * per directory.
   */
  sharesFilesystemWith(dir: string): boolean {
    let same = this.#sameDevice.get(dir)
    if (same === undefined) {
      const device = statOrUndefined(dir)?.dev
      same = device !== undefined && device === this.#device
      this.#sameDevice.set(dir, same)
    }
    return same
  }

  /**
   * The batch's lock, as a file published from the staging directory is published under it: its
   * path, and `confirm` (true while this process still holds it; see `LockFile.confirm`).
   */
  get lock(): HeldLock {
    return this.#lock
  }

  /**
   * A fresh temporary path in the staging directory, never handed out before by any run: the
   * names start with this run's own random prefix. A run that stopped for longer than its lock's
   * lease and resumes after another took the directory over must not find, at a name it handed
   * out, the other run's half-written file, and publish it as its own object.
   */
  tempPath(): string {
    return join(this.dir, `${this.#prefix}${(this.#next++).toString(36)}.part`)
  }

  /**
   * Records, durably, a directory about to be created under the destination (a real path):
   * should the run be killed, the next run or `removeLeftovers` removes it if empty.
   * `fileBatchObject` calls it before making each directory (`resolveInside`'s `onCreating`).
   */
  directoryCreating(path: string): void {
    this.#created.creating(path)
  }

  /**
   * Records a directory this run created under the destination (a real path), to be removed at
   * `close` if it is still empty then. `fileBatchObject` calls it for each directory it makes.
   */
  directoryCreated(path: string): void {
    this.#created.add(path)
  }

  /**
   * Names, durably enough (before its lock is taken), an object about to be fetched in parts
   * beside its file (a real path under the destination), whose key maps to `listedAs` (its
   * segments joined by `/`), fetched from `source` (the Transport's id): the state such a download
   * leaves when killed or paused is then known to be this batch's. `fileBatchObject` calls it.
   */
  partsStarting(path: string, listedAs: string, source: string): void {
    this.#parts.starting(path, listedAs, source)
  }

  /**
   * Removes the part state (partial file, part checkpoint, stale lock) that this batch's earlier
   * runs left for objects whose path `listed` says this run did not list, and returns those
   * paths (relative, `/`-separated): only objects this batch started in parts (`partsStarting`),
   * by their exact file names, never a user's file, another batch's object, or state whose lock
   * a live process holds (another host's lock counts as live). Call it once the batch went
   * through its whole listing (core's `removeUnlisted`), before `close`, which then removes the
   * directories left empty that the batch made.
   */
  removeUnlisted(listed: (path: string) => boolean): Promise<string[]> {
    if (!this.#lock.verify()) return Promise.resolve([])
    return this.#parts.removeUnlisted(listed)
  }

  /**
   * Once the batch has ended (nothing in flight): removes the directories this run, or a killed
   * run before it, created that are still empty, deepest first (never the destination itself,
   * one that existed before, or one holding anything), and their record; then the staging
   * directory (with any temporary file still in it), and releases the lock. While another shard
   * still runs into the directory, the empty ones are kept, named in the record: that shard may be
   * about to put a file into one of them. This shard's next run or `removeLeftovers` removes them.
   */
  async close(): Promise<void> {
    // Taken over meanwhile (this process stopped for longer than a lease): the corner is its new
    // holder's now, staging directory and record included; nothing here is touched.
    if (!this.#lock.verify()) return
    try {
      // Forgets the objects whose state is gone (finished, or removed): the record stays short.
      await this.#parts.removeUnlisted(() => true).catch(() => undefined)
      if ((await FileBatchStaging.runningIn(this.#root)).length === 0)
        await this.#created.removeEmpty()
      else await this.#created.keepEmpty()
      await this.#empty()
    } finally {
      await this.#lock.release()
    }
  }

  /** Removes the staging directory; true when there was one. */
  async #empty(): Promise<boolean> {
    try {
      const existed = lstatOrUndefined(this.dir) !== undefined
      // rm never follows a symlink: one planted at this name is removed, not what it points to.
      await rm(this.dir, { recursive: true, force: true })
      return existed
    } catch (error) {
      throw toTargetError(error, 'empty the staging directory', this.dir)
    }
  }
}

/** A live lock's owner as `runningIn` reports it: with its shard, and its last refresh. */
function runningBatch(owner: LockOwner, shard: Shard | undefined, lock: LockFile): RunningBatch {
  // Opened, not stat'ed: on NFS a stat may answer from a cache up to a minute old.
  const mtimeMs = owner.heartbeatMs === undefined ? undefined : sightLock(lock.path)?.mtimeMs
  return {
    ...owner,
    ...(shard ? { shard } : {}),
    ...(mtimeMs === undefined ? {} : { refreshedAt: new Date(mtimeMs).toISOString() }),
  }
}
