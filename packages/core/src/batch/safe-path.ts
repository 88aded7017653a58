import { KeyRefusedError } from '../errors/key-refused-error.ts'

/** Longest file or directory name, in UTF-8 bytes, on ext4, XFS, APFS, NTFS (255 UTF-16 units) alike. */
export const MAX_SEGMENT_BYTES = 255

const encoder = new TextEncoder()
// C0 controls, DEL and C1 controls: NUL truncates paths in C APIs, the rest hide in terminals and logs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/**
 * Maps an object key to relative path segments under the destination, or refuses it. The key is
 * untrusted: `prefix` is stripped (a key outside it is refused), and the rest must be plain names
 * joined by `/` — no absolute path, `\`, control character (NUL included), empty, `.` or `..`
 * segment, nor a segment longer than 255 UTF-8 bytes. Pure: it touches no filesystem; collisions
 * between keys are the job of a {@link PathClaims}.
 *
 * @example
 * safeRelativePath('logs/2026/a.txt', 'logs/') // ['2026', 'a.txt']
 * safeRelativePath('logs/../etc/passwd', 'logs/') // throws KeyRefusedError (reason 'dot-segment')
 */
export function safeRelativePath(key: string, prefix = ''): readonly string[] {
  const refuse = (reason: KeyRefusedError['reason'], message: string): never => {
    throw new KeyRefusedError(reason, key, message)
  }
  if (!key.startsWith(prefix))
    refuse('outside-prefix', `it does not start with ${JSON.stringify(prefix)}`)
  const relative = key.slice(prefix.length)
  if (relative === '') refuse('empty', 'it names the prefix itself, not an object under it')
  if (CONTROL.test(relative)) refuse('control-character', 'it contains a control character')
  if (relative.includes('\\'))
    refuse('backslash', 'it contains a backslash (a separator on Windows)')
  if (relative.startsWith('/')) refuse('absolute', 'it is an absolute path')
  if (/^[A-Za-z]:/.test(relative)) refuse('absolute', 'it starts with a drive letter')
  const segments = relative.split('/')
  for (const segment of segments) {
    if (segment === '')
      refuse('empty-segment', 'it has an empty path segment (`//` or a trailing `/`)')
    if (segment === '.' || segment === '..')
      refuse('dot-segment', `it has a \`${segment}\` segment`)
    if (encoder.encode(segment).length > MAX_SEGMENT_BYTES)
      refuse('segment-too-long', `a name is longer than ${MAX_SEGMENT_BYTES} bytes`)
  }
  return segments
}

/**
 * Remembers every path a batch has handed out, so two keys cannot land on one file: a key that is
 * both a file and a prefix (`a` and `a/b`), or names equal after Unicode NFC and case folding
 * (`A.txt` and `a.txt`, which are one file on macOS and Windows). The first key in listing order
 * wins; a later one is refused, the same way on every run of the same listing.
 */
export class PathClaims {
  readonly #files = new Set<string>()
  readonly #dirs = new Set<string>()
  readonly #folded = new Map<string, string>()

  /** Claims `segments` for `key`; throws KeyRefusedError when it conflicts with an earlier claim. */
  claim(key: string, segments: readonly string[]): void {
    const path = segments.join('/')
    if (this.#dirs.has(path))
      throw new KeyRefusedError(
        'file-prefix-conflict',
        key,
        `${path} is already a directory of another key`,
      )
    const prefixes: string[] = []
    for (let i = 1; i < segments.length; i++) {
      const dir = segments.slice(0, i).join('/')
      if (this.#files.has(dir))
        throw new KeyRefusedError(
          'file-prefix-conflict',
          key,
          `${dir} is already a file of another key`,
        )
      prefixes.push(dir)
    }
    for (const name of [...prefixes, path]) {
      const earlier = this.#folded.get(fold(name))
      if (earlier !== undefined && earlier !== name)
        throw new KeyRefusedError(
          'case-collision',
          key,
          `${name} and ${earlier} differ only in case or Unicode form`,
        )
    }
    if (this.#files.has(path))
      throw new KeyRefusedError('duplicate', key, `${path} is listed twice`)
    this.#files.add(path)
    for (const name of [...prefixes, path]) this.#folded.set(fold(name), name)
    for (const dir of prefixes) this.#dirs.add(dir)
  }

  /**
   * True when `path` (segments joined by `/`) is, or folds to, a path claimed so far (a key's file
   * or one of its directories): a file there may be a claimed key's on a filesystem that ignores
   * case or Unicode form.
   */
  covers(path: string): boolean {
    return this.#folded.has(fold(path))
  }
}

function fold(name: string): string {
  return name.normalize('NFC').toLowerCase()
}
