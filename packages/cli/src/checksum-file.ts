import { readFile } from 'node:fs/promises'
import { type DigestAlgorithm, type ExpectedDigest, isDigestAlgorithm } from '@resumable/core'
import { UsageError } from './usage-error.ts'

/** The algorithm a GNU-style line's digest is, told by its length in hex digits. */
const BY_LENGTH: Readonly<Record<number, DigestAlgorithm>> = {
  32: 'md5',
  40: 'sha1',
  64: 'sha256',
  128: 'sha512',
}

/** One line of a checksum file: a digest and the name it was recorded for. */
interface SumLine {
  readonly digest: ExpectedDigest
  readonly name: string
}

/**
 * One line as `sha256sum` and its kin write it: GNU (`<hex>  <name>`, `<hex> *<name>` for binary,
 * a leading `\` when the name has a backslash or newline escaped) or BSD / `--tag`
 * (`SHA256 (<name>) = <hex>`). Anything else (blank lines, comments, a PGP signature's armour
 * around the lines) is not a line of sums.
 */
function parseLine(line: string): SumLine | undefined {
  const tagged = /^(MD5|SHA1|SHA256|SHA512) ?\((.*)\) ?= ?([0-9a-fA-F]+)$/.exec(line)
  if (tagged) {
    const algorithm = (tagged[1] as string).toLowerCase()
    const value = tagged[3] as string
    if (!isDigestAlgorithm(algorithm) || BY_LENGTH[value.length] !== algorithm) return undefined
    return { digest: { algorithm, value: value.toLowerCase() }, name: tagged[2] as string }
  }
  const gnu = /^(\\?)([0-9a-fA-F]+) [ *](.+)$/.exec(line)
  const algorithm = gnu ? BY_LENGTH[(gnu[2] as string).length] : undefined
  if (!gnu || algorithm === undefined) return undefined
  const raw = gnu[3] as string
  const name = gnu[1] ? raw.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')) : raw
  return { digest: { algorithm, value: (gnu[2] as string).toLowerCase() }, name }
}

/** The last segment of a recorded name: `./ubuntu.iso` and `images/ubuntu.iso` name `ubuntu.iso`. */
function baseName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1)
}

/**
 * The digest a checksum file (`SHA256SUMS`, `MD5SUMS`, `sha256sum --tag` output) records for the
 * first of `names` it has a line for: the object's own name, then the destination's. A file that
 * records none of them, or two different digests for one, is a usage error naming it.
 */
export function digestFromChecksums(
  text: string,
  names: readonly string[],
  file: string,
): ExpectedDigest {
  const lines = text
    .split(/\r?\n/)
    .map(parseLine)
    .filter((l) => l !== undefined)
  for (const name of names) {
    const found = lines.filter((l) => baseName(l.name) === name)
    const first = found[0]
    if (first === undefined) continue
    const strongest = found.reduce((a, b) =>
      b.digest.value.length > a.digest.value.length ? b : a,
    )
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
  const wanted = [...new Set(names)].map((n) => `"${n}"`).join(' or ')
  throw new UsageError(
    lines.length === 0
      ? `--checksum-file ${file} has no line of digests (as sha256sum or md5sum write them)`
      : `--checksum-file ${file} has no line for ${wanted}`,
  )
}

/** Reads `file` and picks its digest for `names` ({@link digestFromChecksums}). */
export async function readChecksumFile(
  file: string,
  names: readonly string[],
): Promise<ExpectedDigest> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new UsageError(
      `--checksum-file ${file} cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
    )
  }
  return digestFromChecksums(text, names, file)
}
