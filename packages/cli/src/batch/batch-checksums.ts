import {
  type ExpectedDigest,
  type ListedObject,
  type Lister,
  type Shard,
  safeRelativePath,
  shardOf,
} from '@resumable/core'
import {
  checksumFileText,
  parseChecksums,
  recordedPath,
  type SumLine,
  strongestOf,
} from '../checksum-file.ts'
import { quoteForTerminal, terminalText } from '../units.ts'
import { UsageError } from '../usage-error.ts'

/** Names shown in the last line before the rest are counted. */
const NAMES_SHOWN = 5

/** Objects of a batch, listed page by page or given at once. */
type Objects = Lister | Iterable<ListedObject>

/** `object` with `fields` added, still the same object to whoever keeps objects by identity. */
export type Extend = (object: ListedObject, fields: Partial<ListedObject>) => ListedObject

/** Lazily maps each object of `source` through `map`, as a Lister or a list, as it came. */
function mapObjects(source: Objects, map: (object: ListedObject) => ListedObject): Objects {
  if (typeof (source as Lister).list !== 'function')
    return [...(source as Iterable<ListedObject>)].map(map)
  const lister = source as Lister
  return {
    async *list(options) {
      for await (const object of lister.list(options)) yield map(object)
    },
  }
}

/** Up to NAMES_SHOWN names, quoted, then how many more. */
function someNames(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).map(quoteForTerminal).join(', ')
  return names.length > NAMES_SHOWN ? `${shown} and ${names.length - NAMES_SHOWN} more` : shown
}

/**
 * A checksum file (`SHA256SUMS`) for a batch: each object whose path under the destination a
 * line records (`./2026/a.parquet` or `2026/a.parquet` for the object written to
 * `<dir>/2026/a.parquet`) gets that line's digest, checked before its file appears, as a
 * manifest line's `sha256` is. Objects it does not name are checked as without it; lines that
 * name no listed object are said at the end, as `sha256sum --check` says a file is missing.
 */
export class BatchChecksums {
  /** The file as given on the command line. */
  readonly file: string
  readonly #byPath: ReadonlyMap<string, ExpectedDigest>
  /** Paths of every listed object a line names, before any filter. */
  readonly #seen = new Set<string>()
  /** Keys whose manifest line gives another digest of the same algorithm than the file. */
  readonly #disagreeing: string[] = []
  #objects = 0
  #named = 0

  private constructor(file: string, byPath: ReadonlyMap<string, ExpectedDigest>) {
    this.file = file
    this.#byPath = byPath
  }

  /** Reads `file`; a file with no line of sums, or two digests of one algorithm for a path, is a usage error. */
  static async read(file: string): Promise<BatchChecksums> {
    const lines = parseChecksums(await checksumFileText(file))
    if (lines.length === 0)
      throw new UsageError(
        `--checksum-file ${file} has no line of digests (as sha256sum or md5sum write them)`,
      )
    const grouped = new Map<string, SumLine[]>()
    for (const line of lines) {
      const path = recordedPath(line.name)
      grouped.set(path, [...(grouped.get(path) ?? []), line])
    }
    const byPath = new Map<string, ExpectedDigest>()
    for (const [path, found] of grouped) byPath.set(path, strongestOf(found, path, file))
    return new BatchChecksums(file, byPath)
  }

  /**
   * Notes which lines name a listed object: every object of `source`, before --include /
   * --exclude narrow it (a line for an object left out still names an object).
   */
  observe(source: Objects, prefix: string): Objects {
    return mapObjects(source, (object) => {
      const path = this.#pathOf(object, prefix)
      if (path !== undefined && this.#byPath.has(path)) this.#seen.add(path)
      return object
    })
  }

  /**
   * The listed objects, each with the digest of its path's line
   * (`extend` adds it). A manifest line's own digest is kept; one that disagrees with the file is
   * said at the end.
   */
  apply(
    source: Objects,
    prefix: string,
    extend: Extend,
    shard?: Shard,
    keep?: (object: ListedObject) => boolean,
  ): Objects {
    return mapObjects(source, (object) => {
      const path = this.#pathOf(object, prefix)
      if (path === undefined) return object
      // Counted as the summary counts: this shard's objects that the filters keep.
      const mine =
        (shard === undefined || shardOf(object.key, shard.count) === shard.index) &&
        (keep === undefined || keep(object))
      if (mine) this.#objects++
      const digest = this.#byPath.get(path)
      if (digest === undefined) return object
      if (mine) this.#named++
      if (object.digest === undefined)
        return extend(object, {
          digest: { ...digest, source: `--checksum-file ${this.file}, the line for ${path}` },
        })
      const own = object.digest
      if (own.algorithm === digest.algorithm && own.value !== digest.value)
        this.#disagreeing.push(object.key)
      return object
    })
  }

  /** What the file and the batch had in common, said once every object was listed. */
  report(dryRun = false): string {
    const unmatched = [...this.#byPath.keys()].filter((path) => !this.#seen.has(path))
    const checked = dryRun
      ? 'each would be checked when downloaded'
      : 'those downloaded in this run were checked against it'
    return [
      `--checksum-file ${terminalText(this.file)}: ${this.#named} of ${this.#objects} object(s) have a line; ${checked}`,
      ...(unmatched.length > 0
        ? [`${unmatched.length} line(s) name no listed object: ${someNames(unmatched)}`]
        : []),
      ...(this.#disagreeing.length > 0
        ? [
            `${this.#disagreeing.length} object(s) whose manifest line gives another digest than the file, the line's checked: ${someNames(this.#disagreeing)}`,
          ]
        : []),
    ].join('; ')
  }

  /** The object's path under the destination; undefined for a folder marker or an unsafe key. */
  #pathOf(object: ListedObject, prefix: string): string | undefined {
    if (object.key.endsWith('/') && object.size === 0) return undefined
    try {
      return safeRelativePath(object.key, prefix).join('/')
    } catch {
      // The batch refuses it by name.
      return undefined
    }
  }
}
