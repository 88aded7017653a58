import { IntegrityError } from './errors/integrity-error.ts'
import { OptionsError } from './errors/options-error.ts'
import type { ObjectInfo, Target } from './ports.ts'
import { readBackMd5 } from './read-back.ts'
import type { Verification } from './verify.ts'

/** Hashes a caller may vouch for: what checksum files (`SHA256SUMS`, `.md5`) publish. */
export type DigestAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512'

/** A digest the caller knows the object has (a published `SHA256SUMS` line, a manifest column). */
export interface ExpectedDigest {
  readonly algorithm: DigestAlgorithm
  /** Hexadecimal, either case. */
  readonly value: string
  /**
   * Where the digest came from, named in a mismatch's message (`--checksum-file SHA256SUMS`).
   * @default "the digest given for the object"
   */
  readonly source?: string
}

/** Hex digits of each algorithm's digest. */
export const DIGEST_HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = {
  md5: 32,
  sha1: 40,
  sha256: 64,
  sha512: 128,
}

/**
 * Why `value` is not a digest of `algorithm` in hex (a sentence to follow a caller's prefix), or
 * undefined when it is one.
 */
export function digestValueProblem(algorithm: DigestAlgorithm, value: unknown): string | undefined {
  const length = DIGEST_HEX_LENGTH[algorithm]
  if (typeof value === 'string' && value.length === length && /^[0-9a-fA-F]+$/.test(value))
    return undefined
  return `a ${algorithm} digest is ${length} hexadecimal digits, got ${JSON.stringify(value)}`
}

/** True for a name of {@link DigestAlgorithm}. */
export function isDigestAlgorithm(name: unknown): name is DigestAlgorithm {
  return typeof name === 'string' && Object.hasOwn(DIGEST_HEX_LENGTH, name)
}

/**
 * Checks the `digest` option against the target that must compute it, before anything is
 * touched: a known algorithm, a hex value of its length, and a target that can read its bytes
 * back and hash them (any can for MD5, which core computes itself; the others need `digest`).
 * Returns it with the value in lower case.
 */
export function checkDigestOption(digest: unknown, target: Target): ExpectedDigest {
  if (typeof digest !== 'object' || digest === null)
    throw new OptionsError('digest', 'expected { algorithm, value }')
  const { algorithm, value, source } = digest as Record<string, unknown>
  if (!isDigestAlgorithm(algorithm))
    throw new OptionsError(
      'digest',
      `algorithm must be one of ${Object.keys(DIGEST_HEX_LENGTH).join(', ')}, got ${JSON.stringify(algorithm)}`,
    )
  const problem = digestValueProblem(algorithm, value)
  if (problem !== undefined) throw new OptionsError('digest', problem)
  if (target.readable === false)
    throw new OptionsError(
      'digest',
      'bytes streamed to this target cannot be read back to compute a digest',
    )
  if (algorithm !== 'md5' && !target.digest)
    throw new OptionsError('digest', `this target cannot compute a ${algorithm} digest`)
  if (source !== undefined && typeof source !== 'string')
    throw new OptionsError('digest', `source must be a string, got ${typeof source}`)
  const lower = { algorithm, value: (value as string).toLowerCase() }
  return source === undefined ? lower : { ...lower, source }
}

/**
 * The whole-object digest the store vouches for that a second pass checks when no CRC proves the
 * object: its SHA where `target` computes one, else its MD5 (which core computes for any Target).
 */
export function storeDigest(object: ObjectInfo, target: Target): ExpectedDigest | undefined {
  if (target.digest && object.digest) return object.digest
  return object.md5 === undefined ? undefined : { algorithm: 'md5', value: object.md5 }
}

/**
 * How many of the first `size` bytes checking `algorithm` still reads: all of them when core reads
 * them back itself, else those the Target has not hashed ahead ({@link Target.hashedAhead}).
 */
export function bytesLeftToHash(target: Target, algorithm: DigestAlgorithm, size: number): number {
  const targetHashes =
    target.digest !== undefined || (algorithm === 'md5' && target.md5 !== undefined)
  const hashed = targetHashes ? (target.hashedAhead?.(algorithm, size) ?? 0) : 0
  // A Target's mistake must not make the event say less than nothing, or more than the object.
  return Number.isSafeInteger(hashed) && hashed > 0 ? size - Math.min(hashed, size) : size
}

/** True when the store's check already proved the caller's digest: the same algorithm and value. */
export function provenByStore(verification: Verification, expected: ExpectedDigest): boolean {
  return verification.method === expected.algorithm && verification.value === expected.value
}

/**
 * The finished bytes' digest against `expected` (the caller's, or the store's: `whose` says which
 * in the error, else `expected.source`): throws IntegrityError (and nothing is committed) when
 * they differ.
 */
export async function verifyDigest(
  target: Target,
  size: number,
  expected: ExpectedDigest,
  signal?: AbortSignal,
  whose: string = expected.source ?? 'the digest given for the object',
): Promise<void> {
  const { algorithm } = expected
  const actual = target.digest
    ? await target.digest(algorithm, size, { signal })
    : algorithm === 'md5' && target.md5
      ? await target.md5(size)
      : await readBackMd5(target, size, signal)
  if (actual !== expected.value) throw new IntegrityError(algorithm, expected.value, actual, whose)
}
