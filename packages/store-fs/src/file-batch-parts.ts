import { readFile, realpath } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { CheckpointCodec } from '@resumable/core'
import { batchFilesIn } from './batch-file-names.ts'
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
 * One JSON line per object, `["<batch>", "<key's path>", "<file's path>", "<source>"]`: the
 * batch's name (the record is one per corner of the directory, and another batch may run there
 * later), the key's path relative to the root, `/`-separated (it decides whether the object is
 * listed), the file's (another when a directory on the way is a symlink inside the root: where its
 * state is), and the Transport's id the object was fetched from. State whose part checkpoint names
 * another source was taken over since (a single `get`, another batch) and is not this batch's to
 * remove. Appends are not fsynced: a line lost to a power cut costs one object's state left for
 * `cancel`, as before this record existed. Every line is untrusted when read back.
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
   * a symlink inside the root), fetched from `source` (the Transport's id). Best effort.
   */
  starting(path: string, listedAs: string, source: string): void {
    const rel = relative(this.#root, path).split(sep).join('/')
    if (!recordable(rel) || !recordable(listedAs)) return
    const line = JSON.stringify([this.#batch, listedAs, rel, source])
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
    // A file another batch started too (its keys map there as well) may hold that batch's state:
    // named in this record, or in another shard's or batch's record in the same directory.
    const others = new Set<string>()
    for (const entry of [...entries, ...(await this.#siblingEntries())])
      if (entry && entry.batch !== this.#batch) others.add(entry.at)
    for (const [i, entry] of entries.entries()) {
      if (entry === undefined) continue
      const line = lines[i] as string
      if (entry.batch !== this.#batch) {
        kept.push(line)
        continue
      }
      const file = join(this.#root, ...entry.at.split('/'))
      if (!(await this.#hasState(file))) continue
      if (
        listed(entry.listedAs) ||
        others.has(entry.at) ||
        (await takenOver(file, entry.source)) ||
        !(await removeState(file))
      )
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

  /** The lines of the other parts records in the root (other shards', other splits'). */
  async #siblingEntries(): Promise<(PartsEntry | undefined)[]> {
    const own = relative(this.#root, this.#record.path)
    const entries: (PartsEntry | undefined)[] = []
    for (const { name } of await batchFilesIn(this.#root, 'parts')) {
      if (name === own) continue
      for (const line of await new LineRecord(join(this.#root, name)).lines())
        entries.push(parseLine(line))
    }
    return entries
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

/**
 * The files every parts record in `root` names (its own and each shard's or split's), as paths
 * relative to `root`'s real path, `/`-separated: the objects some batch started in parts there.
 * Lines that do not parse are left out; a missing or unreadable record names nothing.
 */
export async function partsRecordedIn(root: string): Promise<Set<string>> {
  const named = new Set<string>()
  for (const { name } of await batchFilesIn(root, 'parts').catch(() => [])) {
    for (const line of await new LineRecord(join(root, name)).lines()) {
      const entry = parseLine(line)
      if (entry) named.add(entry.at)
    }
  }
  return named
}

/** One record line: whose, the key's path, where its file is (both relative to the root), and its source. */
interface PartsEntry {
  readonly batch: string
  readonly listedAs: string
  readonly at: string
  readonly source: string
}

/** A record line, `[batch, listedAs, at, source]`, or undefined for a line that is not one (edited, damaged). */
function parseLine(line: string): PartsEntry | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  if (!Array.isArray(value) || value.length !== 4) return undefined
  const [batch, listedAs, at, source] = value as unknown[]
  if (typeof batch !== 'string' || typeof source !== 'string') return undefined
  if (!recordable(listedAs) || !recordable(at)) return undefined
  return { batch, listedAs, at, source }
}

/**
 * True when the part checkpoint beside `file` is a checkpoint of another source than `source`:
 * a single `get`, or another batch, took the path over since this batch named it. A partial file
 * with no checkpoint, or one that does not decode, resumes nothing and is not protected.
 */
async function takenOver(file: string, source: string): Promise<boolean> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(new FileCheckpointStore().pathFor(file))
  } catch {
    return false
  }
  try {
    return CheckpointCodec.decode(bytes).identity.source !== source
  } catch {
    return false
  }
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
