import { realpath, rmdir } from 'node:fs/promises'
import { sep } from 'node:path'
import { lstatOrUndefined } from './probe.ts'

/**
 * The directories one batch run created for its objects' files. An object's parent directories
 * are made before its GET, so an object that then fails (404, 403, archived, `exists`, a refused
 * name) would leave directories the user never had. They are removed at the end of the run, not
 * as each object fails: until then another object may be about to put its file in the same one.
 */
export class CreatedDirectories {
  readonly #paths = new Set<string>()

  /** Records a directory this run created (a real path: no symlink on the way). */
  add(path: string): void {
    this.#paths.add(path)
  }

  /**
   * Removes every recorded directory that is still empty, deepest first, so a chain this run
   * made (`a/b/c`) goes whole; returns the paths removed. `rmdir` refuses a directory that holds
   * anything, and one that is no longer the real directory recorded (a symlink put in its place
   * or on its way) is left alone. Best effort: a directory that cannot be removed stays.
   */
  async removeEmpty(): Promise<string[]> {
    const depth = (path: string): number => path.split(sep).length
    const paths = [...this.#paths].sort((a, b) => depth(b) - depth(a))
    this.#paths.clear()
    const removed: string[] = []
    for (const path of paths) {
      try {
        const info = lstatOrUndefined(path)
        if (!info?.isDirectory() || (await realpath(path)) !== path) continue
        await rmdir(path)
        removed.push(path)
      } catch {
        // Not empty (ENOTEMPTY, EEXIST), gone, or not ours to remove: kept.
      }
    }
    return removed
  }
}
