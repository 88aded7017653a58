import type { ChecksumAlgorithm } from './crc/algorithm.ts'
import { compositeCrc, crc, crcCombine, formatCrcHex } from './crc/index.ts'
import type { DigestAlgorithm } from './digest.ts'
import { IntegrityError } from './errors/integrity-error.ts'
import { withJsonValue } from './json-value.ts'
import type { PartPlan } from './plan.ts'
import type { ObjectInfo, Target } from './ports.ts'
import { READ_BACK_BYTES, readBackMd5 } from './read-back.ts'

/** What was proven about the downloaded bytes before they were committed. */
export type Verification =
  | {
      /** The CRC combined from all parts equals the store's. */
      readonly method: ChecksumAlgorithm
      /** The verified value; `JSON.stringify` writes it as a decimal string. */
      readonly value: bigint
      /**
       * Set when the value is S3's composite checksum of a multipart upload, the CRC of this many
       * upload parts' CRCs, each part's computed from its bytes as they arrived.
       */
      readonly uploadParts?: number
      /**
       * True when the upload parts' CRCs came from the finished file read back, because this
       * download's parts were not the upload's (an object fetched in one request, or a checkpoint
       * cut elsewhere).
       */
      readonly readBack?: true
    }
  | {
      /**
       * The digest of the finished file, read back, equals the one the store vouches for: an MD5
       * (an S3 ETag), or S3's full-object SHA-256 or SHA-1.
       */
      readonly method: DigestAlgorithm
      /** The verified value, lower-case hex. */
      readonly value: string
      /**
       * Set when the value did not come from the store's own checksum fields (an S3 ETag or
       * `x-amz-checksum-*`): the header that carried it ({@link ObjectInfo.md5Source}, or the
       * `source` of {@link ObjectInfo.digest}: `Repr-Digest`, `Digest`).
       */
      readonly source?: string
    }
  | {
      /** Only the byte count was checked. */
      readonly method: 'size'
      /** Why no checksum was compared. */
      readonly reason: string
    }

/** Combines per-part CRCs in offset order: crc(p0‖p1‖…) without re-reading a byte. */
function combinePartCrcs(
  algorithm: ChecksumAlgorithm,
  crcs: ArrayLike<bigint>,
  partLength: (index: number) => number,
): bigint {
  let crc = 0n
  for (let i = 0; i < crcs.length; i++) {
    crc = crcCombine(algorithm, crc, crcs[i] as bigint, partLength(i))
  }
  return crc
}

/** Checks the combined CRC against the store's; throws IntegrityError on a mismatch. */
export function verifyObject(
  info: ObjectInfo,
  algorithm: ChecksumAlgorithm | undefined,
  actual: bigint,
): Verification {
  if (algorithm === undefined || info.checksum === undefined) {
    return {
      method: 'size',
      reason:
        info.checksum === undefined
          ? 'the store published no checksum for this object'
          : 'verification disabled',
    }
  }
  if (info.checksum.value !== actual) {
    throw new IntegrityError(
      algorithm,
      formatCrcHex(algorithm, info.checksum.value),
      formatCrcHex(algorithm, actual),
    )
  }
  return withJsonValue({ method: algorithm, value: actual })
}

/**
 * Checks the parts' CRCs against the store's checksum: combined into the object's CRC, or, for
 * S3's composite of a multipart upload, joined as S3 joins them (the CRC of the upload parts'
 * big-endian CRCs). A composite needs this download's parts to be the upload's; when a checkpoint
 * cut elsewhere was resumed, nothing can be compared and the result says so.
 */
export function verifyParts(
  info: ObjectInfo,
  algorithm: ChecksumAlgorithm | undefined,
  crcs: ArrayLike<bigint>,
  plan: PartPlan,
  partLength: (index: number) => number,
): Verification {
  const parts = info.checksum?.uploadParts
  if (algorithm === undefined || info.checksum === undefined || parts === undefined)
    return verifyObject(
      info,
      algorithm,
      algorithm ? combinePartCrcs(algorithm, crcs, partLength) : 0n,
    )
  if (plan.partSize !== parts.size || plan.partCount !== parts.count) {
    return {
      method: 'size',
      reason: `the store's checksum is a composite of ${parts.count} upload parts of ${parts.size} bytes, and this download's parts were cut elsewhere (${plan.partCount} of ${plan.partSize} bytes: one request, a checkpoint from before, or a server that ignored ranges)`,
    }
  }
  return checkComposite(info.checksum, algorithm, compositeCrc(algorithm, crcs), parts)
}

/** Compares S3's composite with the one computed; throws IntegrityError on a mismatch. */
function checkComposite(
  expected: { readonly value: bigint },
  algorithm: ChecksumAlgorithm,
  actual: bigint,
  parts: UploadParts,
  readBack?: true,
): Verification {
  if (actual !== expected.value) {
    throw new IntegrityError(
      algorithm,
      formatCrcHex(algorithm, expected.value),
      formatCrcHex(algorithm, actual),
      `S3's composite checksum of ${parts.count} upload parts: the CRC of the CRCs of parts of ${parts.size} bytes, as the first part is; an upload whose middle parts were of other sizes needs verification off`,
    )
  }
  return withJsonValue({
    method: algorithm,
    value: actual,
    uploadParts: parts.count,
    ...(readBack && { readBack }),
  })
}

/** Where a multipart upload cut its object: `count` parts of `size` bytes, the last shorter. */
type UploadParts = { readonly count: number; readonly size: number }

/**
 * Checks S3's composite checksum of a multipart upload whose parts this download did not fetch
 * one by one: reads the finished bytes back, one upload part at a time, and joins the parts' CRCs
 * as S3 does. Costs a second pass, as the MD5 check does; for an object fetched in one request
 * that pass reads what was just written (the page cache, not the disk). Undefined when the
 * store's checksum is no composite with a layout.
 */
export async function verifyCompositeByReadBack(
  target: Target,
  info: ObjectInfo,
  signal?: AbortSignal,
): Promise<Verification | undefined> {
  const checksum = info.checksum
  const parts = checksum?.uploadParts
  if (checksum === undefined || parts === undefined || !(parts.size >= 1)) return undefined
  const { algorithm } = checksum
  const crcs: bigint[] = []
  for (let start = 0; start < info.size; start += parts.size) {
    const end = Math.min(info.size, start + parts.size)
    let partCrc = 0n
    for (let offset = start; offset < end; offset += READ_BACK_BYTES) {
      signal?.throwIfAborted()
      const length = Math.min(READ_BACK_BYTES, end - offset)
      partCrc = crc(algorithm, await target.read(offset, length), partCrc)
    }
    crcs.push(partCrc)
  }
  // The layout was checked against the size when it was learned; a mismatch here is no composite.
  if (crcs.length !== parts.count) return undefined
  return checkComposite(checksum, algorithm, compositeCrc(algorithm, crcs), parts, true)
}

/**
 * Reads the `size` bytes written to `target` back in order and compares their MD5 with the one
 * the store vouches for (its ETag's, or the one in the header `source`: an uploader's metadata
 * record, `Content-MD5`, `Digest`, Azure's `x-ms-blob-content-md5`); throws
 * IntegrityError on a mismatch. Used only when the store published no CRC: the MD5 cannot be
 * combined from parts fetched out of order, so it costs a second pass.
 */
export async function verifyMd5(
  target: Target,
  size: number,
  expected: string,
  signal?: AbortSignal,
  source?: string,
): Promise<Verification> {
  const actual = target.md5 ? await target.md5(size) : await readBackMd5(target, size, signal)
  if (actual !== expected)
    throw new IntegrityError(
      'md5',
      expected,
      actual,
      source === undefined
        ? "the store's ETag was taken as the MD5, as S3 makes it for single-part uploads without SSE-KMS or SSE-C; a store whose ETags are not MD5s needs verification off"
        : `the MD5 in the object's ${source} was taken as the object's; where that header does not describe these bytes, turn verification off`,
    )
  return source === undefined
    ? { method: 'md5', value: actual }
    : { method: 'md5', value: actual, source }
}
