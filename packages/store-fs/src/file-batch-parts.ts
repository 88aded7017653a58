import { readFile, realpath } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { CheckpointCodec, type Shard } from '@resumable/core'
import { batchFileName, batchFilesIn } from './batch-file-names.ts'
import { isPlainRelative } from './file-batch-directories.ts'
import { FileCheckpointStore } from './file-checkpoint-store.ts'
import { TEMP_SUFFIX } from './file-suffixes.ts'
import { FileTarget } from './file-target.ts'
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
   * says no key of the run had, unless `keepsUnlisted` keeps it; returns their paths. The
   * record then names only the objects of this batch with state left, and other batches' lines.
   * With `() => true` it removes nothing and only drops the lines of objects with no state left.
   */
  async removeUnlisted(listed: (path: string) => boolean): Promise<string[]> {
    this.#record.close()
    this.#written.clear()
    const kept: string[] = []
    const removed: string[] = []
    for (const found of await this.#unlisted(listed)) {
      if (found.verdict === 'other-batch' || found.verdict === 'kept') kept.push(found.line)
      else if (found.verdict === 'remove' && (await removeState(found.file)))
        removed.push(found.listedAs)
      else if (found.verdict === 'remove') kept.push(found.line)
    }
    await this.#record.rewrite(kept)
    return removed
  }

  /**
   * The paths `removeUnlisted(listed)` would remove, by the same decisions, removing and
   * rewriting nothing (`--dry-run`). A lock taken or freed meanwhile may change the answer.
   */
  async wouldRemoveUnlisted(listed: (path: string) => boolean): Promise<string[]> {
    const found = await this.#unlisted(listed)
    return found.filter((f) => f.verdict === 'remove').map((f) => f.listedAs)
  }

  /** Each record line's verdict: another batch's, no state left, kept, or this batch's to remove. */
  async #unlisted(listed: (path: string) => boolean): Promise<Verdict[]> {
    const lines = [...new Set(await this.#record.lines())]
    const entries = lines.map(parseLine)
    // A file another batch started too (its keys map there as well) may hold that batch's state:
    // named in this record, or in another shard's or batch's record in the same directory.
    const others = new Set<string>()
    for (const entry of [...entries, ...(await this.#siblingEntries())])
      if (entry && entry.batch !== this.#batch) others.add(entry.at)
    const verdicts: Verdict[] = []
    for (const [i, entry] of entries.entries()) {
      if (entry === undefined) continue
      const line = lines[i] as string
      const file = join(this.#root, ...entry.at.split('/'))
      const at = { line, file, listedAs: entry.listedAs }
      if (entry.batch !== this.#batch) verdicts.push({ ...at, verdict: 'other-batch' })
      else if (!(await this.#hasState(file))) verdicts.push({ ...at, verdict: 'gone' })
      else {
        const keep = await keepsUnlisted(entry, file, listed, others)
        verdicts.push({ ...at, verdict: keep ? 'kept' : 'remove' })
      }
    }
    return verdicts
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

/** What removing unlisted state decides for one record line. */
interface Verdict {
  readonly line: string
  readonly file: string
  readonly listedAs: string
  readonly verdict: 'other-batch' | 'gone' | 'kept' | 'remove'
}

/**
 * True when the state at `file`, named by `entry` of this batch, stays: its key was listed
 * (filtered out or in another shard counts), another batch named the path, its part checkpoint
 * names another source, or a live process holds its lock. The one decision behind both
 * `removeUnlisted` and `wouldRemoveUnlisted`.
 */
async function keepsUnlisted(
  entry: PartsEntry,
  file: string,
  listed: (path: string) => boolean,
  others: ReadonlySet<string>,
): Promise<boolean> {
  if (listed(entry.listedAs) || others.has(entry.at)) return true
  if (await takenOver(file, entry.source)) return true
  try {
    return (await new FileTarget(file).runningDownload()) !== undefined
  } catch {
    // A lock that cannot be judged is not removed either (removeState).
    return true
  }
}

/**
 * The paths of the objects whose part state a complete run of `batch` (shard `shard`) in `root`
 * (a real path) would remove as unlisted, `listed` saying which paths the listing had: read
 * only, for `--dry-run`. The same decisions as `FileBatchStaging.removeUnlisted`.
 */
export function unlistedPartState(
  root: string,
  batch: string,
  shard: Shard | undefined,
  listed: (path: string) => boolean,
): Promise<string[]> {
  return new PartsRecord(root, batchFileName('parts', shard), batch).wouldRemoveUnlisted(listed)
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
    // Asked again: a process may have taken the lock since the verdict.
    if ((await target.runningDownload()) !== undefined) return false
    await target.abort({ keep: false })
    await new FileCheckpointStore().remove(file)
    return true
  } catch {
    return false
  }
}
