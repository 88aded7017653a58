import {
  type Target,
  TargetError,
  type TargetOpenOptions,
  type TargetOpenResult,
} from '@resumable/core'
import { errorName, toTargetError } from './dom-errors.ts'
import {
  directoryAt,
  existingDirectoryAt,
  fileIfExists,
  hasSyncAccessHandles,
  opfsRoot,
  syncHandleMissing,
} from './opfs-handles.ts'
import type { OpfsDirectoryHandle, OpfsFileHandle, SyncAccessHandle } from './web-storage-types.ts'

/** Suffix of the temporary file written beside the destination. */
export const OPFS_TEMP_SUFFIX = '.resumable-part'

/** How long `open` waits for a handle another context still holds (a page that just reloaded). */
const LOCK_WAIT_MS = 5000

/** Options for an OpfsTarget. */
export interface OpfsTargetOptions {
  /** Directory below the OPFS root, slash-separated, created as needed. @default the root */
  readonly directory?: string
  /** Replace an existing destination file. Without it, an existing file is an error. @default false */
  readonly overwrite?: boolean
}

/**
 * A Target in the browser's Origin Private File System. Bytes go to `<name>.resumable-part` in the
 * same directory through a `FileSystemSyncAccessHandle` (positional writes, no copy on close);
 * `sync()` is `flush()`; `commit()` flushes, closes and renames the file with `move()`, so the
 * destination appears whole or not at all. Sync access handles exist only in dedicated workers:
 * elsewhere `open` throws a TargetError that says so. A failed or paused download keeps its
 * temporary file to resume from; {@link OpfsTarget.removeLeftovers} deletes it (and frees its quota).
 *
 * @example
 * ```ts
 * // inside a dedicated worker
 * import { download } from '@resumable/core'
 * import { IndexedDbCheckpointStore, OpfsTarget } from '@resumable/store-browser'
 * import { createUrlTransport } from '@resumable/transport-fetch'
 *
 * await download({
 *   transport: createUrlTransport({ url: 'https://example.com/model.bin' }),
 *   target: new OpfsTarget('model.bin', { directory: 'downloads', overwrite: true }),
 *   checkpoint: new IndexedDbCheckpointStore(),
 * })
 * ```
 */
export class OpfsTarget implements Target {
  /** `opfs:/<directory>/<name>`: recorded in checkpoints, and the default checkpoint key. */
  readonly id: string
  /** The destination file name. */
  readonly name: string
  /** The directory path below the OPFS root ('' for the root). */
  readonly directory: string
  readonly #overwrite: boolean
  readonly #tempName: string
  #dir: OpfsDirectoryHandle | undefined
  #temp: OpfsFileHandle | undefined
  #handle: SyncAccessHandle | undefined
  #size = -1

  constructor(name: string, options: OpfsTargetOptions = {}) {
    if (typeof name !== 'string' || name === '' || name.includes('/')) {
      throw new TargetError('not-found', `OpfsTarget needs a file name without '/', got ${name}`)
    }
    this.name = name
    this.directory = (options.directory ?? '').split('/').filter(Boolean).join('/')
    this.id = `opfs:/${this.directory === '' ? '' : `${this.directory}/`}${name}`
    this.#overwrite = options.overwrite ?? false
    this.#tempName = `${name}${OPFS_TEMP_SUFFIX}`
  }

  /**
   * Deletes what downloads to `name` left in OPFS: the temporary file `<name>.resumable-part` that
   * a failed or paused download keeps so that it can resume. After a `no-space` failure that file
   * still holds the origin's quota; this is how to give the space back instead of resuming. It never
   * touches the destination `<name>` (complete or not) nor any other entry, and creates no
   * directory. It works on the main thread as in workers; while a download still has the file open
   * it rejects with a TargetError of kind `locked`. The checkpoint is not OPFS's to remove (a
   * checkpoint whose file is gone is discarded by the next run anyway); to drop it too, call
   * `IndexedDbCheckpointStore.remove` with the target's id.
   *
   * @param name - the destination file name given to the OpfsTarget
   * @param options - the `directory` given to the OpfsTarget
   * @returns true when a temporary file was removed, false when there was none
   *
   * @example
   * ```ts
   * import { isResumableError } from '@resumable/core'
   * import { IndexedDbCheckpointStore, OpfsTarget } from '@resumable/store-browser'
   *
   * // `error` came from download() with new OpfsTarget('model.bin', { directory: 'downloads' })
   * if (isResumableError(error) && error.kind === 'no-space') {
   *   await OpfsTarget.removeLeftovers('model.bin', { directory: 'downloads' })
   *   await new IndexedDbCheckpointStore().remove('opfs:/downloads/model.bin')
   * }
   * ```
   */
  static async removeLeftovers(
    name: string,
    options: Pick<OpfsTargetOptions, 'directory'> = {},
  ): Promise<boolean> {
    // The constructor validates the name and derives the temporary file's name: one rule for both.
    // `async`, so that a bad name rejects like every other failure rather than throwing.
    return new OpfsTarget(name, options).#removeTemp()
  }

  /** Checks the destination and creates (or, resuming, reopens) the temporary file. */
  async open(options: TargetOpenOptions): Promise<TargetOpenResult> {
    this.#size = options.size
    try {
      const dir = await this.#directory()
      // Before any file is created: the main thread must not leave an empty temporary file behind.
      if (!hasSyncAccessHandles()) throw syncHandleMissing(this.id)
      if (!this.#overwrite && (await fileIfExists(dir, this.name))) {
        throw new TargetError('exists', `${this.id} already exists (use overwrite)`, {
          path: this.id,
          remedies: ['overwrite'],
        })
      }
      const existing = options.resume ? await fileIfExists(dir, this.#tempName) : undefined
      this.#temp = existing ?? (await dir.getFileHandle(this.#tempName, { create: true }))
      const handle = await this.#lock(this.#temp)
      this.#handle = handle
      if (existing && handle.getSize() <= options.size)
        return { resumed: true, length: handle.getSize() }
      handle.truncate(0)
      return { resumed: false }
    } catch (error) {
      this.#release()
      throw toTargetError(error, 'open', this.id)
    }
  }

  /** Positional write; loops until every byte is written. Over quota it rejects with kind `no-space`. */
  async write(offset: number, data: Uint8Array): Promise<void> {
    const handle = this.#open(offset, data.length)
    try {
      for (let done = 0; done < data.length; ) {
        const n = handle.write(data.subarray(done), { at: offset + done })
        if (n <= 0) throw new TargetError('io', `${this.id}: write made no progress`)
        done += n
      }
    } catch (error) {
      throw toTargetError(error, 'write to', this.#tempPath(), this.#freeHint())
    }
  }

  /** Reads back bytes from the temporary file (re-checking resumed parts). */
  async read(offset: number, length: number): Promise<Uint8Array> {
    const handle = this.#open(offset, length)
    const out = new Uint8Array(length)
    for (let done = 0; done < length; ) {
      const n = handle.read(out.subarray(done), { at: offset + done })
      if (n <= 0)
        throw new TargetError('io', `${this.#tempPath()} ends before byte ${offset + length}`)
      done += n
    }
    return out
  }

  /** `flush()`: every write that resolved before this call is on disk when it resolves. */
  async sync(): Promise<void> {
    try {
      this.#open(0, 0).flush()
    } catch (error) {
      throw toTargetError(error, 'flush', this.#tempPath(), this.#freeHint())
    }
  }

  /**
   * Flushes, closes and renames the temporary file to the destination with `move()`. Where the
   * browser has no `move()`, the bytes are streamed into a `createWritable()` stream of the
   * destination, which the browser swaps in whole on `close()`; the temporary file is removed after.
   */
  async commit(): Promise<void> {
    const handle = this.#open(0, 0)
    const dir = this.#dir as OpfsDirectoryHandle
    const temp = this.#temp as OpfsFileHandle
    try {
      const size = handle.getSize()
      if (size !== this.#size) {
        throw new TargetError(
          'io',
          `${this.#tempPath()} holds ${size} bytes, expected ${this.#size}; not published`,
          { path: this.#tempPath() },
        )
      }
      handle.flush()
      this.#release()
      const existing = await fileIfExists(dir, this.name)
      if (existing && !this.#overwrite) {
        throw new TargetError('exists', `${this.id} appeared while downloading; not overwritten`, {
          path: this.id,
          remedies: ['overwrite'],
        })
      }
      if (typeof temp.move === 'function') await temp.move(this.name)
      else await copyInto(dir, temp, this.name)
    } catch (error) {
      throw toTargetError(error, 'publish', this.id)
    } finally {
      this.#release()
    }
  }

  /** Closes the temporary file; removes it unless `keep`. Safe without `open`. */
  async abort(options: { readonly keep: boolean }): Promise<void> {
    this.#release()
    if (!options.keep) await this.#removeTemp()
  }

  /** Removes the temporary file if there is one; true when it did. */
  async #removeTemp(): Promise<boolean> {
    try {
      // Not #directory(): that creates the path, and removing nothing must not leave directories.
      const dir = this.#dir ?? (await existingDirectoryAt(await opfsRoot(this.id), this.directory))
      // getFileHandle first: removeEntry alone would also delete an (empty) directory of that name.
      if (!dir || !(await fileIfExists(dir, this.#tempName))) return false
      await dir.removeEntry(this.#tempName)
      return true
    } catch (error) {
      // Another context removed it between the check and the removal: it is gone, as asked.
      if (errorName(error) === 'NotFoundError') return false
      throw toTargetError(error, 'remove', this.#tempPath())
    }
  }

  /** The end of a `no-space` message: the partial file is kept to resume, and how to free it. */
  #freeHint(): string {
    const where = this.directory === '' ? '' : `, { directory: ${JSON.stringify(this.directory)} }`
    return (
      'the partial file is kept so the download can resume once space is freed or more is granted; ' +
      `to delete it instead: OpfsTarget.removeLeftovers(${JSON.stringify(this.name)}${where})`
    )
  }

  async #directory(): Promise<OpfsDirectoryHandle> {
    this.#dir ??= await directoryAt(await opfsRoot(this.id), this.directory)
    return this.#dir
  }

  /** Opens the sync handle; waits briefly while a context that is going away still holds it. */
  async #lock(file: OpfsFileHandle): Promise<SyncAccessHandle> {
    if (typeof file.createSyncAccessHandle !== 'function') throw syncHandleMissing(this.id)
    const deadline = Date.now() + LOCK_WAIT_MS
    for (;;) {
      try {
        return await file.createSyncAccessHandle()
      } catch (error) {
        if (errorName(error) !== 'NoModificationAllowedError' || Date.now() > deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }

  #open(offset: number, length: number): SyncAccessHandle {
    if (!this.#handle) throw new TargetError('io', `OpfsTarget ${this.id} is not open`)
    if (offset < 0 || length < 0 || offset + length > this.#size) {
      throw new TargetError(
        'io',
        `Access [${offset}, ${offset + length}) is outside the ${this.#size}-byte object`,
        { path: this.id },
      )
    }
    return this.#handle
  }

  #release(): void {
    try {
      this.#handle?.close()
    } catch {
      // Closing a handle that is already closed (or whose worker is going away) has nothing to undo.
    }
    this.#handle = undefined
  }

  #tempPath(): string {
    return `${this.id}${OPFS_TEMP_SUFFIX}`
  }
}

/** The fallback without `move()`: the writable stream's swap file is published atomically on close. */
async function copyInto(
  dir: OpfsDirectoryHandle,
  temp: OpfsFileHandle,
  name: string,
): Promise<void> {
  const destination = await dir.getFileHandle(name, { create: true })
  const writable = await destination.createWritable()
  await (await temp.getFile()).stream().pipeTo(writable)
  await dir.removeEntry(temp.name)
}
