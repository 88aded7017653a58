import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { type CheckpointStore, TargetError } from '@resumable/core'
import { CHECKPOINT_SUFFIX, TEMP_SUFFIX } from './file-suffixes.ts'
import { errorCode, toTargetError } from './fs-errors.ts'
import { LOCK_SUFFIX, lockAt, lockTakenError } from './lock-file.ts'
import { isCheckpointBytes } from './own-files.ts'
import { lstatOrUndefined } from './probe.ts'
import { removeIfSame, removeReplaced, replaceFile } from './replace-file.ts'

/** Options for a FileCheckpointStore. */
export interface FileCheckpointStoreOptions {
  /** Keep checkpoints in this directory (created if missing) instead of next to each destination. */
  readonly dir?: string
  /** Store every checkpoint in exactly this file (one download at a time). */
  readonly file?: string
}

/**
 * Checkpoints as files: by default `<key>.resumable.json` next to the destination (the key is the
 * destination path), or in a chosen directory under a name made safe from the key. Saves write a
 * temporary file, fsync it, rename it over the old one and fsync the directory: a reader sees the
 * old checkpoint or the new one, never a torn one. Files are created with mode 0600.
 *
 * @example
 * ```ts
 * import { download } from '@resumable/core'
 * import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
 * import { createUrlTransport } from '@resumable/transport-fetch'
 *
 * // Keep checkpoints out of the download directory; run the same call again after a crash to resume.
 * await download({
 *   transport: createUrlTransport({ url: 'https://example.com/big.iso' }),
 *   target: new FileTarget('/data/big.iso'),
 *   checkpoint: new FileCheckpointStore({ dir: '/var/lib/myapp/checkpoints' }),
 * })
 * ```
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly #saving = new Map<string, Promise<void>>()
  readonly #dir: string | undefined
  readonly #file: string | undefined

  constructor(options: FileCheckpointStoreOptions = {}) {
    this.#dir = options.dir === undefined ? undefined : resolve(options.dir)
    this.#file = options.file === undefined ? undefined : resolve(options.file)
  }

  /** Where the checkpoint for `key` lives. */
  pathFor(key: string): string {
    if (this.#file) return this.#file
    if (!this.#dir) return `${resolve(key)}${CHECKPOINT_SUFFIX}`
    const hash = createHash('sha256').update(key).digest('hex').slice(0, 16)
    const safe =
      basename(key)
        .replace(/[^\w.-]+/g, '_')
        .slice(0, 80) || 'checkpoint'
    return join(this.#dir, `${safe}-${hash}${CHECKPOINT_SUFFIX}`)
  }

  /** The saved bytes, or undefined when there is no checkpoint. */
  async load(key: string): Promise<Uint8Array | undefined> {
    const path = this.pathFor(key)
    try {
      return new Uint8Array(await readFile(path))
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined
      throw toTargetError(error, 'read the checkpoint', path)
    }
  }

  /**
   * Asked by core of `bytes` loaded for `key` that do not decode: a TargetError 'exists' (no
   * remedies) when they are a user's file that only has the checkpoint's name, not a damaged
   * checkpoint of this download's. Evidence, as `isResumableCheckpointFile` and `cancel` weigh
   * it: a damaged checkpoint still begins with the whole fixed header, or has the partial file
   * `<key>.resumable-part` beside it (which a checkpoint is never without but for the instant
   * between publishing the destination and removing the checkpoint, when it still decodes).
   */
  async foreignFile(key: string, bytes: Uint8Array): Promise<TargetError | undefined> {
    if (isCheckpointBytes(bytes) || hasPartialFile(key)) return undefined
    const path = this.pathFor(key)
    return new TargetError(
      'exists',
      `${path} is where this download keeps its checkpoint, but it is not a resumable checkpoint and no partial download is beside it (a file of yours?); it was left untouched and nothing was downloaded: move it away, or choose another destination`,
      { path, remedies: [] },
    )
  }

  /**
   * Atomic replace: temp file, fsync, rename, fsync directory. Saves of one key run one at a time.
   * Refused (TargetError 'locked') once another process took over the lock this process held on
   * the destination `key` (a FileTarget's), so a stalled process never leaves a checkpoint behind
   * the new holder.
   */
  save(key: string, data: Uint8Array): Promise<void> {
    const path = this.pathFor(key)
    const previous = this.#saving.get(path) ?? Promise.resolve()
    const next = previous.catch(() => undefined).then(() => this.#save(key, path, data))
    const settled = next.catch(() => undefined)
    this.#saving.set(path, settled)
    void settled.then(() => {
      if (this.#saving.get(path) === settled) this.#saving.delete(path)
    })
    return next
  }

  async #save(key: string, path: string, data: Uint8Array): Promise<void> {
    if (this.#dir) await mkdir(dirname(path), { recursive: true }).catch(() => undefined)
    // One writer per checkpoint: the target's lock. A save begun before another process took that
    // lock over (this one stopped for longer than its lease) must not land after: the new holder
    // may have finished and removed its checkpoint, or saved its own since. Checked right before
    // the rename, and after it for a stop between the two.
    const lock = lockAt(`${resolve(key)}${LOCK_SUFFIX}`)
    const refuse = () => {
      if (lock?.takenOver()) throw lockTakenError(lock.path, `the checkpoint ${path} not saved`)
    }
    const saved = await replaceFile(path, tempPathOf(path), data, 'save the checkpoint', refuse)
    if (!lock?.takenOver()) return
    await removeIfSame(path, saved)
    refuse()
  }

  /** Deletes the checkpoint (and a temporary copy a killed save left); succeeds when there is none. */
  async remove(key: string): Promise<void> {
    const path = this.pathFor(key)
    await removeReplaced(path, tempPathOf(path), 'remove the checkpoint')
  }
}

/**
 * True when a regular file is at the partial file's place for destination `key`
 * (`<key>.resumable-part`).
 */
function hasPartialFile(key: string): boolean {
  try {
    return lstatOrUndefined(`${resolve(key)}${TEMP_SUFFIX}`)?.isFile() === true
  } catch {
    // Cannot be looked at: no evidence either way, and a user's file is not bet on a guess.
    return false
  }
}

/** `.<checkpoint name>.tmp` beside the checkpoint: where a save writes before its rename. */
export function tempPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp`)
}
