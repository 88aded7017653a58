import { readdir, realpath, rmdir } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { LineRecord } from './line-record.ts'
import { lstatOrUndefined } from './probe.ts'

/** The record, in the batch's destination directory, of the directories its runs created there. */
export const BATCH_DIRECTORIES_NAME = '.resumable-batch.dirs'

/**
 * The directories batch runs created for their objects' files. An object's parent directories
 * are made before its GET, so an object that then fails (404, 403, archived, `exists`, a refused
 * name) would leave directories the user never had. They are removed at the end of the run, not
 * as each object fails: until then another object may be about to put its file in the same one.
 *
 * A run killed with `kill -9` never reaches its end, so each directory is also appended to a
 * record, `<root>/.resumable-batch.dirs`, **before** it is made: a kill between the two can at
 * most name a directory that does not exist, never leave one unnamed. The next run keeps adding
 * to it and removes them all at its end; `cancel` does the same (`FileBatchStaging.removeLeftovers`).
 *
 * The format is one path per line, relative to the root, `/`-separated, ending in `\n`: plain
 * text a person can read, append-only so a crash can only tear the last line (ignored when read,
 * and cut off before the next run appends), and relative so it stays true when the directory is
 * moved or mounted elsewhere. Appends are not fsynced: a line lost to a power cut costs one empty
 * directory left behind, as before this record existed (and the `mkdir` it names was not synced
 * either), where a sync per directory would cost a disk flush each in a batch of many directories.
 * Every line is untrusted when read back (the file can be edited): see `removeEmpty`.
 */
export class CreatedDirectories {
  /** The root's real path: every recorded directory is under it. */
  readonly #root: string
  readonly #record: LineRecord
  // Kept even when recorded: a record that cannot be written (a full disk) must not lose them.
  readonly #paths = new Set<string>()

  /**
   * `root` is the destination's real path (from `realpath`); `recordName` the record's name in it
   * (a shard's is its own: `batchFileName('dirs', shard)`).
   */
  constructor(root: string, recordName: string = BATCH_DIRECTORIES_NAME) {
    this.#root = root
    this.#record = new LineRecord(join(root, recordName))
  }

  /**
   * Appends `path` (a real path under the root, about to be created) to the record. Best effort:
   * when the record cannot be written, the directory is still made and removed at this run's end.
   */
  creating(path: string): void {
    const line = this.relativeToRoot(path)
    if (recordable(line)) this.#record.append(line)
  }

  /** `path` relative to the root, `/`-separated, as the record names it. */
  relativeToRoot(path: string): string {
    return relative(this.#root, path).split(sep).join('/')
  }

  /** Records a directory this run created (a real path: no symlink on the way). */
  add(path: string): void {
    this.#paths.add(path)
  }

  /**
   * Removes every directory this run created or the record names that is still empty, deepest
   * first, so a chain (`a/b/c`) goes whole, then deletes the record; returns the paths removed.
   * A line of the record that is absolute, has a `.`, `..` or empty segment, a NUL or a backslash
   * is skipped, and so is a directory that is not the real directory it names (a symlink on its
   * way or in its place, which could lead outside the root): only `rmdir` is used, so one that
   * holds anything stays. Never the root. Best effort: a directory that cannot be removed stays.
   */
  async removeEmpty(): Promise<string[]> {
    const paths = await this.#takeAll()
    const depth = (path: string): number => path.split(sep).length
    const base = this.#root.endsWith(sep) ? this.#root : this.#root + sep
    const removed: string[] = []
    for (const path of [...paths].sort((a, b) => depth(b) - depth(a))) {
      if (!path.startsWith(base)) continue
      try {
        const info = lstatOrUndefined(path)
        if (!info?.isDirectory() || (await realpath(path)) !== path) continue
        await rmdir(path)
        removed.push(path)
      } catch {
        // Not empty (ENOTEMPTY, EEXIST), gone, or not ours to remove: kept.
      }
    }
    // And a rewrite (`keepEmpty`) a kill cut short.
    await this.#record.remove()
    return removed
  }

  /**
   * Leaves to a later run (or `removeLeftovers`) the directories this run or the record names that
   * are empty now: the record is rewritten to name just those, or deleted when there is none.
   * For a batch ending while another shard still runs into the same directory, which may be about
   * to put a file into any of them.
   */
  async keepEmpty(): Promise<void> {
    const paths = await this.#takeAll()
    const empty: string[] = []
    for (const path of paths) {
      const entries = await readdir(path).catch(() => undefined)
      if (entries?.length === 0) empty.push(path)
    }
    await this.#record.rewrite(empty.map((path) => this.relativeToRoot(path)).filter(recordable))
  }

  /** True when the root holds a record (a killed run's, or this one's). */
  hasRecord(): boolean {
    return this.#record.exists()
  }

  /** Closes the record and takes every directory this run made or it names (the run's set emptied). */
  async #takeAll(): Promise<Set<string>> {
    this.#record.close()
    const paths = new Set([...this.#paths, ...(await this.#recorded())])
    this.#paths.clear()
    return paths
  }

  /** The record's complete lines that are plain relative paths, as paths under the root. */
  async #recorded(): Promise<string[]> {
    const lines = await this.#record.lines()
    return lines.filter(isPlainRelative).map((line) => join(this.#root, line))
  }
}

/** A line the record may hold: one that reads back as itself (not another root's path, no line break). */
function recordable(line: string): boolean {
  return isPlainRelative(line) && !/[\n\r]/.test(line)
}

/** True for `a/b`; false for a line absolute, with a `.`, `..` or empty segment, a NUL or a backslash. */
export function isPlainRelative(line: string): boolean {
  return (
    !line.includes('\0') &&
    !line.includes('\\') &&
    !/^[A-Za-z]:/.test(line) &&
    line.split('/').every((s) => s !== '' && s !== '.' && s !== '..')
  )
}
