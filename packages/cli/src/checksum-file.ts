import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { DIGEST_HEX_LENGTH, type DigestAlgorithm, type ExpectedDigest } from '@resumable/core'
import { UsageError } from './usage-error.ts'

/** The algorithm a GNU-style line's digest is, told by its length in hex digits. */
const BY_LENGTH: Readonly<Record<number, DigestAlgorithm>> = Object.fromEntries(
  Object.entries(DIGEST_HEX_LENGTH).map(([algorithm, length]) => [length, algorithm]),
) as Readonly<Record<number, DigestAlgorithm>>

/** Tags as `sha256sum --tag` (`SHA256`) and OpenSSL 1 / 3 (`SHA256`, `SHA2-256`) write them. */
const BY_TAG: Readonly<Record<string, DigestAlgorithm>> = {
  MD5: 'md5',
  SHA1: 'sha1',
  SHA256: 'sha256',
  'SHA2-256': 'sha256',
  SHA512: 'sha512',
  'SHA2-512': 'sha512',
}

/** One line of a checksum file: a digest and the name it was recorded for. */
export interface SumLine {
  readonly digest: ExpectedDigest
  readonly name: string
}

/** GNU's escapes in a name whose line starts with `\`: `\\`, `\n`, `\r`. */
function unescapeName(name: string): string {
  return name.replace(/\\([\\nr])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'))
}

/**
 * One line as `sha256sum` and its kin write it: GNU (`<hex>  <name>`, `<hex> *<name>` for binary)
 * or BSD / `--tag` / OpenSSL (`SHA256 (<name>) = <hex>`, `SHA2-256(<name>)= <hex>`), either with
 * a leading `\` when the name has escapes. Anything else (blank lines, comments, a PGP
 * signature's armour around the lines) is not a line of sums.
 */
function parseLine(line: string): SumLine | undefined {
  const tagged = /^(\\?)([A-Z0-9-]+) ?\((.*)\) ?= ?([0-9a-fA-F]+)$/.exec(line)
  if (tagged) {
    const algorithm = BY_TAG[tagged[2] as string]
    const value = tagged[4] as string
    if (algorithm === undefined || BY_LENGTH[value.length] !== algorithm) return undefined
    const name = tagged[1] ? unescapeName(tagged[3] as string) : (tagged[3] as string)
    return { digest: { algorithm, value: value.toLowerCase() }, name }
  }
  const gnu = /^(\\?)([0-9a-fA-F]+) [ *](.+)$/.exec(line)
  const algorithm = gnu ? BY_LENGTH[(gnu[2] as string).length] : undefined
  if (!gnu || algorithm === undefined) return undefined
  const raw = gnu[3] as string
  return {
    digest: { algorithm, value: (gnu[2] as string).toLowerCase() },
    name: gnu[1] ? unescapeName(raw) : raw,
  }
}

/**
 * A recorded name as a relative path: `./a/b`, `a//b` and `a/./b` are `a/b`. An absolute name
 * stays as it is.
 */
export function recordedPath(name: string): string {
  if (name.startsWith('/')) return name
  return name
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/')
}

/** The last segment of a recorded name: `./ubuntu.iso` and `images/ubuntu.iso` name `ubuntu.iso`. */
function baseName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1)
}

/** Where a name is wanted: the object's name (with its path in the store), or the file's. */
export interface WantedName {
  readonly name: string
  /** The object's path (a key, a URL's decoded path): a recorded `dir/name` must end it. */
  readonly path?: string
}

/**
 * The lines recorded for `wanted.name`. Lines of several recorded paths (`a/x.iso`, `b/x.iso`)
 * are narrowed to those whose path ends the object's path; if more than one path is left, which
 * of them is the object cannot be told.
 */
function linesFor(lines: readonly SumLine[], wanted: WantedName, file: string): SumLine[] {
  const found = lines.filter((l) => baseName(l.name) === wanted.name)
  const paths = new Set(found.map((l) => recordedPath(l.name)))
  if (paths.size <= 1) return found
  const { path } = wanted
  const ending = (p: string) => path !== undefined && (path === p || path.endsWith(`/${p}`))
  const narrowed = found.filter((l) => ending(recordedPath(l.name)))
  if (new Set(narrowed.map((l) => recordedPath(l.name))).size === 1) return narrowed
  throw new UsageError(
    `--checksum-file ${file} records "${wanted.name}" under several paths (${[...paths].join(', ')}); which one is this object cannot be told`,
  )
}

/**
 * The digest a checksum file (`SHA256SUMS`, `MD5SUMS`, `sha256sum --tag` output) records for the
 * first of `wanted` it has a line for: the object's own name, then the destination's. The
 * strongest when it records several for one name; two different ones of an algorithm, a name
 * under several paths, or no line at all is a usage error naming the file.
 */
export function digestFromChecksums(
  text: string,
  wanted: readonly WantedName[],
  file: string,
): ExpectedDigest {
  const lines = parseChecksums(text)
  for (const want of wanted) {
    const found = linesFor(lines, want, file)
    if (found.length > 0) return strongestOf(found, want.name, file)
  }
  const names = [...new Set(wanted.map((w) => `"${w.name}"`))].join(' or ')
  throw new UsageError(
    lines.length === 0
      ? `--checksum-file ${file} has no line of digests (as sha256sum or md5sum write them)`
      : `--checksum-file ${file} has no line for ${names}`,
  )
}

/** The lines of sums in a checksum file's text (a BOM, CRLF and other lines allowed). */
export function parseChecksums(text: string): SumLine[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map(parseLine)
    .filter((l) => l !== undefined)
}

/**
 * The strongest digest of `found` (lines recorded for one name); two different ones of one
 * algorithm are a usage error naming the file.
 */
export function strongestOf(found: readonly SumLine[], name: string, file: string): ExpectedDigest {
  const strongest = found.reduce((a, b) => (b.digest.value.length > a.digest.value.length ? b : a))
  const clash = found.find(
    (l) =>
      l.digest.algorithm === strongest.digest.algorithm &&
      l.digest.value !== strongest.digest.value,
  )
  if (clash)
    throw new UsageError(
      `--checksum-file ${file} records two different ${clash.digest.algorithm} digests for "${name}"`,
    )
  return strongest.digest
}

/**
 * Reads `file` and picks its digest for `wanted` ({@link digestFromChecksums}).
 */
export async function readChecksumFile(
  file: string,
  wanted: readonly WantedName[],
): Promise<ExpectedDigest> {
  return digestFromChecksums(await checksumFileText(file), wanted, file)
}

/**
 * The text of checksum file `file`. A file named for BLAKE2 or SHA-3 (`B2SUMS`, `*.sha3-256`) is
 * refused: its digests have the lengths of SHA-512 or SHA-256 and would be taken for them.
 */
export async function checksumFileText(file: string): Promise<string> {
  if (/b2|blake|sha3/i.test(basename(file)))
    throw new UsageError(
      `--checksum-file ${file}: BLAKE2 and SHA-3 digests are not checked (md5, sha1, sha256, sha512 are)`,
    )
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new UsageError(
      `--checksum-file ${file} cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
    )
  }
}
