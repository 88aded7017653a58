import { type FileHandle, open, readFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { type BatchJournalStore, OptionsError, type Shard } from '@resumable/core'
import { batchFileName, batchFilesIn, parseBatchFileName } from './batch-file-names.ts'
import { errorCode, toTargetError } from './fs-errors.ts'
import { type LockFile, lockAt, lockTakenError } from './lock-file.ts'
import { removeReplaced, replaceFile } from './replace-file.ts'

/** Name of the batch journal kept in the destination directory (a shard's: `batchFileName('journal', shard)`). */
export const BATCH_JOURNAL_NAME = '.resumable-batch.journal'

/**
 * The batch journal as a file, by default `<destDir>/.resumable-batch.journal` (mode 0600).
 * `append` writes with O_APPEND and fdatasyncs before resolving (keeping the file open until
 * `close`); `save` writes `<journal>.tmp`,
 * fsyncs it, renames it over the journal and fsyncs the directory. The format (one checksummed
 * line per record, a torn last line ignored) lives in core's BatchJournalCodec. The batch removes
 * the file after a run with no failure unless asked to keep it.
 *
 * A journal named as a batch's (`FileBatchJournalStore.in`) is written under that batch's lock
 * (`FileBatchStaging`): while this process holds the lock, an append, a save or a removal after
 * another process took it over (this one stopped past its lease) is refused with
 * `TargetError('locked')`, so the new holder's journal is never replaced or removed.
 */
export class FileBatchJournalStore implements BatchJournalStore {
  /** Absolute path of the journal file. */
  readonly path: string
  /** Where `save` writes before its rename: one name, so a save a kill cut short is replaced by the next. */
  readonly #temp: string
  /** The lock of the batch (or shard) this journal belongs to, when its name says which. */
  readonly #lockPath: string | undefined
  // Kept open between appends (a batch appends after every few objects); `close` releases it.
  #handle: Promise<FileHandle> | undefined

  constructor(path: string) {
    this.path = resolve(pathOption('path', path))
    this.#temp = `${this.path}.tmp`
    const named = parseBatchFileName(basename(this.path))
    this.#lockPath =
      named?.kind === 'journal'
        ? join(dirname(this.path), batchFileName('lock', named.shard))
        : undefined
  }

  /**
   * The journal of a batch downloading into `destDir`, or of one shard of it: each shard of a
   * split keeps its own, so the shards can run into one directory at the same time.
   */
  static in(destDir: string, shard?: Shard): FileBatchJournalStore {
    return new FileBatchJournalStore(
      join(pathOption('destDir', destDir), batchFileName('journal', shard)),
    )
  }

  /**
   * The journals of the other batches and shards in the same directory, read-only (those that
   * cannot be read are left out): a batch takes their finished objects as another batch's.
   */
  async loadNeighbours(): Promise<Uint8Array[]> {
    const own = basename(this.path)
    const dir = dirname(this.path)
    const found: Uint8Array[] = []
    for (const journal of await batchFilesIn(dir, 'journal')) {
      if (journal.name === own) continue
      const bytes = await readFile(join(dir, journal.name)).catch(() => undefined)
      if (bytes !== undefined) found.push(new Uint8Array(bytes))
    }
    return found
  }

  /** The whole file, or undefined when there is none. */
  async load(): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path))
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined
      throw toTargetError(error, 'read the batch journal', this.path)
    }
  }

  /** Appends (O_APPEND) and fdatasyncs; the file stays open for the next append until `close`. */
  async append(data: Uint8Array): Promise<void> {
    // Cheap while the lock is fresh (no read): appends come every few objects.
    const lock = this.#heldLock()
    if (lock !== undefined && !lock.confirm()) throw this.#lockTaken(lock.path, 'not appended to')
    try {
      this.#handle ??= open(this.path, 'a', 0o600)
      const handle = await this.#handle
      await handle.writeFile(data)
      await handle.datasync()
    } catch (error) {
      await this.close()
      throw toTargetError(error, 'append to the batch journal', this.path)
    }
  }

  /** Closes the file `append` keeps open; the next append reopens it. */
  async close(): Promise<void> {
    const opening = this.#handle
    this.#handle = undefined
    const handle = await opening?.catch(() => undefined)
    await handle?.close().catch(() => undefined)
  }

  /** Atomic replace: temporary file, fsync, rename, fsync the directory. */
  async save(data: Uint8Array): Promise<void> {
    // Appends after this go to the new file, not the one the rename replaces.
    await this.close()
    // One batch per directory (its lock) writes the journal. A rename after a takeover would put
    // this process's older view over the new holder's journal, whose appends since would then go
    // to a file no longer named: checked once the bytes are durable, right before the rename.
    const lock = this.#heldLock()
    await replaceFile(this.path, this.#temp, data, 'save the batch journal', () => {
      if (lock?.takenOver()) throw this.#lockTaken(lock.path, 'not saved')
    })
  }

  /** Deletes the journal and a temporary file a killed save left; succeeds when there is none. */
  async remove(): Promise<void> {
    await this.close()
    const lock = this.#heldLock()
    if (lock?.takenOver()) throw this.#lockTaken(lock.path, 'not removed')
    await removeReplaced(this.path, this.#temp, 'remove the batch journal')
  }

  /** The batch's lock, from its acquisition by this process until its release; else undefined. */
  #heldLock(): LockFile | undefined {
    return this.#lockPath === undefined ? undefined : lockAt(this.#lockPath)
  }

  #lockTaken(lock: string, what: string) {
    return lockTakenError(lock, `the batch journal ${this.path} ${what}`)
  }
}

/** `value` when it is a path, else an OptionsError: `node:path` throws each runtime's own TypeError. */
function pathOption(option: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new OptionsError(option, 'expected a path (a string)', { received: value })
  return value
}
