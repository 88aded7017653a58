import {
  type ExpectedDigest,
  type ListedObject,
  type Lister,
  safeRelativePath,
} from '@resumable/core'
import {
  checksumFileText,
  parseChecksums,
  recordedPath,
  type SumLine,
  strongestOf,
} from '../checksum-file.ts'
import { terminalText } from '../units.ts'
import { UsageError } from '../usage-error.ts'

/** Lines that name no object, shown by name at the end of a run before the rest are counted. */
const NAMES_SHOWN = 5

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
  readonly #seen = new Set<string>()
  #listed = 0
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

  /** `source`'s objects, each with the digest its path's line records. */
  apply(source: Lister | Iterable<ListedObject>, prefix: string): Lister | Iterable<ListedObject> {
    if (typeof (source as Lister).list === 'function') {
      const lister = source as Lister
      const attach = (object: ListedObject) => this.#attach(object, prefix)
      return {
        async *list(options) {
          for await (const object of lister.list(options)) yield attach(object)
        },
      }
    }
    return [...(source as Iterable<ListedObject>)].map((object) => this.#attach(object, prefix))
  }

  /** What the file and the listing had in common, said once every object was listed. */
  report(): string {
    const unmatched = [...this.#byPath.keys()].filter((path) => !this.#seen.has(path))
    const shown = unmatched
      .slice(0, NAMES_SHOWN)
      .map((path) => terminalText(path))
      .join(', ')
    const more =
      unmatched.length > NAMES_SHOWN ? `, and ${unmatched.length - NAMES_SHOWN} more` : ''
    return (
      `--checksum-file ${terminalText(this.file)}: ${this.#named} of ${this.#listed} listed object(s) have a line, checked when downloaded` +
      (unmatched.length > 0
        ? `; ${unmatched.length} line(s) name no listed object: ${shown}${more}`
        : '')
    )
  }

  /**
   * The object with its line's digest. A manifest line's own digest stays (it is the line's
   * word for that one object); a key that maps to no safe path is left for the batch to refuse.
   */
  #attach(object: ListedObject, prefix: string): ListedObject {
    // A folder marker is not an object.
    if (object.key.endsWith('/') && object.size === 0) return object
    this.#listed++
    let path: string
    try {
      path = safeRelativePath(object.key, prefix).join('/')
    } catch {
      return object
    }
    const digest = this.#byPath.get(path)
    if (digest === undefined) return object
    this.#seen.add(path)
    this.#named++
    return object.digest === undefined ? { ...object, digest } : object
  }
}
