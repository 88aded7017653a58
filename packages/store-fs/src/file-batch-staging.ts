import { mkdir, realpath, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { BATCH_DIRECTORIES_NAME, CreatedDirectories } from './file-batch-directories.ts'
import { toTargetError } from './fs-errors.ts'
import { LockFile, type LockOwner } from './lock-file.ts'
import { lstatOrUndefined, statOrUndefined } from './probe.ts'

/** Lock file a running batch holds in its destination directory. */
export const BATCH_LOCK_NAME = '.resumable-batch.lock'
/** Directory, inside the destination, where a batch keeps its one-request objects' temporary files. */
export const BATCH_STAGING_NAME = '.resumable-batch.staging'

/**
 * A batch's own corner of its destination directory: a lock, so one batch process at a time
 * writes there (a second gets TargetError 'locked', never a shared journal), a staging
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
  /** The staging directory's device, to tell whether a destination directory shares its filesystem. */
  #device: number | bigint | undefined
  readonly #sameDevice = new Map<string, boolean>()
  readonly #created: CreatedDirectories

  /** `realRoot` is `root` after `realpath`, where the directories made under it are recorded. */
  private constructor(root: string, realRoot: string) {
    this.dir = join(root, BATCH_STAGING_NAME)
    this.#lock = FileBatchStaging.#lockIn(root)
    this.#created = new CreatedDirectories(realRoot)
  }

  static async #at(root: string): Promise<FileBatchStaging> {
    const full = resolve(root)
    // A root that cannot be resolved fails taking the lock, with a clearer error.
    return new FileBatchStaging(full, await realpath(full).catch(() => full))
  }

  /** Takes the batch lock of `root` (taking over a stale one) and starts an empty staging directory. */
  static async open(root: string): Promise<FileBatchStaging> {
    const staging = await FileBatchStaging.#at(root)
    await staging.#lock.acquire()
    try {
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

  /** The live process running a batch into `root`, or undefined when none is. */
  static runningIn(root: string): Promise<LockOwner | undefined> {
    return FileBatchStaging.#lockIn(resolve(root)).liveOwner()
  }

  /**
   * What a killed batch left in `root` (its staging directory, stale lock, and the directories it
   * created that are empty now, with their record), removed; returns the names of the batch's
   * own files removed, and tells `onDirectoryRemoved` each directory removed (relative to `root`,
   * `/`-separated). Remove the objects' partial files and checkpoints first, or the directories
   * holding them stay. Refuses with TargetError 'locked' while a batch runs there.
   */
  static async removeLeftovers(
    root: string,
    options: { readonly onDirectoryRemoved?: (path: string) => void } = {},
  ): Promise<string[]> {
    const staging = await FileBatchStaging.#at(root)
    const lock = staging.#lock
    const existed = (await lock.owner()) !== undefined
    await lock.acquire()
    try {
      const removed = await staging.#empty()
      const recorded = staging.#created.hasRecord()
      for (const dir of await staging.#created.removeEmpty())
        options.onDirectoryRemoved?.(staging.#created.relativeToRoot(dir))
      return [
        ...(removed ? [BATCH_STAGING_NAME] : []),
        ...(recorded ? [BATCH_DIRECTORIES_NAME] : []),
        ...(existed ? [BATCH_LOCK_NAME] : []),
      ]
    } finally {
      await lock.release()
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

  /** A fresh temporary path in the staging directory, never handed out before in this run. */
  tempPath(): string {
    return join(this.dir, `${(this.#next++).toString(36)}.part`)
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
   * Once the batch has ended (nothing in flight): removes the directories this run, or a killed
   * run before it, created that are still empty, deepest first (never the destination itself,
   * one that existed before, or one holding anything), and their record; then the staging
   * directory (with any temporary file still in it), and releases the lock.
   */
  async close(): Promise<void> {
    try {
      await this.#created.removeEmpty()
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

  static #lockIn(root: string): LockFile {
    return new LockFile(join(root, BATCH_LOCK_NAME))
  }
}
