import {
  closeSync,
  constants,
  ftruncateSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { readFile, realpath, rename, unlink } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { isPlainRelative } from './file-batch-directories.ts'
import { FileCheckpointStore } from './file-checkpoint-store.ts'
import { FileTarget, TEMP_SUFFIX } from './file-target.ts'
import { LOCK_SUFFIX } from './lock-file.ts'
import { lstatOrUndefined } from './probe.ts'

const NEWLINE = 0x0a
// Read too, to cut a torn last line; never through a symlink planted at the record's name.
const APPEND_FLAGS =
  constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0)
const REWRITE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0)
const encoder = new TextEncoder()

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
  readonly #record: string
  readonly #batch: string
  /** Lines this run appended, so an object started again (a restart, a hold) is named once. */
  readonly #written = new Set<string>()
  #fd: number | undefined
  /** An append failed: later lines could join a torn one, so none is written in this run. */
  #broken = false

  /** `root` is the destination's real path; `recordName` the record's name in it; `batch` whose lines this run's are. */
  constructor(root: string, recordName: string, batch: string) {
    this.#root = root
    this.#record = join(root, recordName)
    this.#batch = batch
  }

  /**
   * Names `path` (a real path under the root, about to be written in parts), the file of the key
   * whose path under the root is `listedAs` (`/`-separated; another when a directory on the way is
   * a symlink inside the root). Best effort.
   */
  starting(path: string, listedAs: string): void {
    const rel = relative(this.#root, path).split(sep).join('/')
    if (this.#broken || !recordable(rel) || !recordable(listedAs)) return
    const line = `${JSON.stringify(rel === listedAs ? [this.#batch, rel] : [this.#batch, listedAs, rel])}\n`
    if (this.#written.has(line)) return
    try {
      this.#fd ??= this.#openForAppend()
      const bytes = encoder.encode(line)
      let written = 0
      while (written < bytes.length)
        written += writeSync(this.#fd, bytes, written, bytes.length - written)
      this.#written.add(line)
    } catch {
      this.#broken = true
      this.#close()
    }
  }

  /**
   * Removes the part state of each object of this batch the record names whose path `listed`
   * says no key of the run had, unless a live process holds its lock or another batch named the
   * same path; returns their paths. The
   * record then names only the objects of this batch with state left, and other batches' lines.
   * With `() => true` it removes nothing and only drops the lines of objects with no state left.
   */
  async removeUnlisted(listed: (path: string) => boolean): Promise<string[]> {
    this.#close()
    this.#written.clear()
    const kept: string[] = []
    const removed: string[] = []
    const lines = [...new Set(await this.#lines())]
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
    await this.#rewrite(kept)
    return removed
  }

  /** Deletes the record (`cancel`, which removes every object's state); true when there was one. */
  async remove(): Promise<boolean> {
    this.#close()
    const existed = lstatOrUndefined(this.#record) !== undefined
    await unlink(this.#record).catch(() => undefined)
    await unlink(`${this.#record}.tmp`).catch(() => undefined)
    return existed
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

  /** The record's complete lines (a torn last one left out). */
  async #lines(): Promise<string[]> {
    try {
      if (!lstatOrUndefined(this.#record)?.isFile()) return []
      const lines = (await readFile(this.#record, 'utf8')).split('\n')
      lines.pop()
      return lines
    } catch {
      return []
    }
  }

  /** Replaces the record by `lines` (a new file renamed over it), or deletes it when there is none. */
  async #rewrite(lines: string[]): Promise<void> {
    if (lines.length === 0) {
      await unlink(this.#record).catch(() => undefined)
      return
    }
    const temp = `${this.#record}.tmp`
    try {
      const fd = openSync(temp, REWRITE_FLAGS, 0o600)
      try {
        writeFileSync(fd, lines.map((line) => `${line}\n`).join(''))
      } finally {
        closeSync(fd)
      }
      await rename(temp, this.#record)
    } catch {
      // The old record stays: it names these and more, whose state is gone or not this batch's.
      await unlink(temp).catch(() => undefined)
    }
  }

  #openForAppend(): number {
    const fd = openSync(this.#record, APPEND_FLAGS, 0o600)
    try {
      const bytes = readFileSync(fd)
      if (bytes.length > 0 && bytes[bytes.length - 1] !== NEWLINE) {
        // A torn last line: cut off, so the next line starts on its own.
        ftruncateSync(fd, bytes.lastIndexOf(NEWLINE) + 1)
      }
    } catch (error) {
      closeSync(fd)
      throw error
    }
    return fd
  }

  #close(): void {
    const fd = this.#fd
    this.#fd = undefined
    if (fd === undefined) return
    try {
      closeSync(fd)
    } catch {
      // Nothing was buffered: every line went out with its own write.
    }
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
