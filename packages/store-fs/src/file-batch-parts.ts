import { realpath } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { isPlainRelative } from './file-batch-directories.ts'
import { FileCheckpointStore } from './file-checkpoint-store.ts'
import { FileTarget, TEMP_SUFFIX } from './file-target.ts'
import { LineRecord } from './line-record.ts'
import { LOCK_SUFFIX } from './lock-file.ts'
import { lstatOrUndefined } from './probe.ts'

/**
 * The objects a batch started in parts, by destination path: the only part state (partial file,
 * part checkpoint, lock) a later run of the batch may remove for an object that left its listing
 * (`removeUnlisted`). A line is appended before the object's lock is taken, so a kill leaves no
 * state unnamed; state the batch did not make (a user's file, another batch's or a single
 * download's object) is never named, and so never removed.
 *
 * One JSON line per object, `["<batch>", "<path>"]`: the batch's name (the record is one per
 * corner of the directory, and another batch may run there later) and the path relative to the
 * root, `/`-separated (`["<batch>", "<key's path>", "<file's path>"]` when a directory on the way
 * is a symlink inside the root: the key's path decides whether it is listed, the file's is where
 * its state is). Appends are not fsynced: a line lost to a power cut costs one object's
 * state left for `cancel`, as before this record existed. Every line is untrusted when read back.
 */
export class PartsRecord {
  /** The root's real path: every recorded path is under it. */
  readonly #root: string
  readonly #record: LineRecord
  readonly #batch: string
  /** Lines this run appended, so an object started again (a restart, a hold) is named once. */
  readonly #written = new Set<string>()

  /** `root` is the destination's real path; `recordName` the record's name in it; `batch` whose lines this run's are. */
  constructor(root: string, recordName: string, batch: string) {
    this.#root = root
    this.#record = new LineRecord(join(root, recordName))
    this.#batch = batch
  }

  /**
   * Names `path` (a real path under the root, about to be written in parts), the file of the key
   * whose path under the root is `listedAs` (`/`-separated; another when a directory on the way is
   * a symlink inside the root). Best effort.
   */
  starting(path: string, listedAs: string): void {
    const rel = relative(this.#root, path).split(sep).join('/')
    if (!recordable(rel) || !recordable(listedAs)) return
    const line = JSON.stringify(
      rel === listedAs ? [this.#batch, rel] : [this.#batch, listedAs, rel],
    )
    if (this.#written.has(line)) return
    if (this.#record.append(line)) this.#written.add(line)
  }

  /**
   * Removes the part state of each object of this batch the record names whose path `listed`
   * says no key of the run had, unless a live process holds its lock or another batch named the
   * same path; returns their paths. The
   * record then names only the objects of this batch with state left, and other batches' lines.
   * With `() => true` it removes nothing and only drops the lines of objects with no state left.
   */
  async removeUnlisted(listed: (path: string) => boolean): Promise<string[]> {
    this.#record.close()
    this.#written.clear()
    const kept: string[] = []
    const removed: string[] = []
    const lines = [...new Set(await this.#record.lines())]
    const entries = lines.map(parseLine)
    // A file another batch started too (its keys map there as well) may hold that batch's state.
    const others = new Set<string>()
    for (const entry of entries) if (entry && entry.batch !== this.#batch) others.add(entry.at)
    for (const [i, entry] of entries.entries()) {
      if (entry === undefined) continue
      const line = lines[i] as string
      if (entry.batch !== this.#batch) {
        kept.push(line)
        continue
      }
      const file = join(this.#root, ...entry.at.split('/'))
      if (!(await this.#hasState(file))) continue
      if (listed(entry.listedAs) || others.has(entry.at) || !(await removeState(file)))
        kept.push(line)
      else removed.push(entry.listedAs)
    }
    await this.#record.rewrite(kept)
    return removed
  }

  /** Deletes the record (`cancel`, which removes every object's state); true when there was one. */
  remove(): Promise<boolean> {
    return this.#record.remove()
  }

  /** True when a partial file, checkpoint or lock is beside `file`, reached through no symlink. */
  async #hasState(file: string): Promise<boolean> {
    const dir = dirname(file)
    if ((await realpath(dir).catch(() => undefined)) !== dir) return false
    const sidecars = [
      `${file}${TEMP_SUFFIX}`,
      `${file}${LOCK_SUFFIX}`,
      new FileCheckpointStore().pathFor(file),
    ]
    return sidecars.some((sidecar) => lstatOrUndefined(sidecar) !== undefined)
  }
}

/** One record line: whose, the key's path, and where its file is (both relative to the root). */
interface PartsEntry {
  readonly batch: string
  readonly listedAs: string
  readonly at: string
}

/**
 * A record line, `[batch, path]` or `[batch, listedAs, at]`, or undefined for a line that is not
 * one (edited, damaged).
 */
function parseLine(line: string): PartsEntry | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  if (!Array.isArray(value) || (value.length !== 2 && value.length !== 3)) return undefined
  const [batch, listedAs, at = listedAs] = value as unknown[]
  if (typeof batch !== 'string' || !recordable(listedAs) || !recordable(at)) return undefined
  return { batch, listedAs, at }
}

/** A relative, `/`-separated path with plain segments and no line break. */
function recordable(path: unknown): path is string {
  return typeof path === 'string' && isPlainRelative(path) && !/[\n\r]/.test(path)
}

/**
 * Removes the partial file, lock and part checkpoint of the object at `file`: the lock is taken
 * first (a killed process's is taken over), so state a live process holds is never removed
 * (false). Another host's lock counts as live.
 */
async function removeState(file: string): Promise<boolean> {
  const target = new FileTarget(file)
  try {
    if ((await target.runningDownload()) !== undefined) return false
    await target.abort({ keep: false })
    await new FileCheckpointStore().remove(file)
    return true
  } catch {
    return false
  }
}
