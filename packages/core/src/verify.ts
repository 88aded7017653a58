import type { ChecksumAlgorithm } from './crc/algorithm.ts'
import { compositeCrc, crcCombine, formatCrcHex } from './crc/index.ts'
import { IntegrityError } from './errors/integrity-error.ts'
import { Md5 } from './md5.ts'
import type { PartPlan } from './plan.ts'
import type { ObjectInfo, Target } from './ports.ts'

/** What was proven about the downloaded bytes before they were committed. */
export type Verification =
  | {
      /** The CRC combined from all parts equals the store's. */
      readonly method: ChecksumAlgorithm
      /** The verified value. */
      readonly value: bigint
      /**
       * Set when the value is S3's composite checksum of a multipart upload, the CRC of this many
       * upload parts' CRCs, each part's computed from its bytes as they arrived.
       */
      readonly uploadParts?: number
    }
  | {
      /** The MD5 of the finished file, read back, equals the one the store vouches for. */
      readonly method: 'md5'
      /** The verified value, 32 lower-case hex digits. */
      readonly value: string
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
  return { method: algorithm, value: actual }
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
      reason: `the store's checksum is a composite of ${parts.count} upload parts of ${parts.size} bytes, and this download's parts were cut elsewhere (${plan.partCount} of ${plan.partSize} bytes: a checkpoint from before, or a server that ignored ranges)`,
    }
  }
  const actual = compositeCrc(algorithm, crcs)
  if (actual !== info.checksum.value) {
    throw new IntegrityError(
      algorithm,
      formatCrcHex(algorithm, info.checksum.value),
      formatCrcHex(algorithm, actual),
      `S3's composite checksum of ${parts.count} upload parts: the CRC of the CRCs of parts of ${parts.size} bytes, as the first part is; an upload whose middle parts were of other sizes needs verification off`,
    )
  }
  return { method: algorithm, value: actual, uploadParts: parts.count }
}

// Read-back pieces: large enough that per-call costs vanish, small enough to stay off the heap's radar.
const READ_BACK_BYTES = 1024 * 1024

/**
 * Reads the `size` bytes written to `target` back in order and compares their MD5 with the one
 * the store vouches for; throws IntegrityError on a mismatch. Used only when the store published
 * no CRC: the MD5 cannot be combined from parts fetched out of order, so it costs a second pass.
 */
export async function verifyMd5(
  target: Target,
  size: number,
  expected: string,
  signal?: AbortSignal,
): Promise<Verification> {
  const actual = target.md5 ? await target.md5(size) : await readBackMd5(target, size, signal)
  if (actual !== expected)
    throw new IntegrityError(
      'md5',
      expected,
      actual,
      "the store's ETag was taken as the MD5, as S3 makes it for single-part uploads without SSE-KMS or SSE-C; a store whose ETags are not MD5s needs verification off",
    )
  return { method: 'md5', value: actual }
}

/** The MD5 of the target's first `size` bytes, read back in order and hashed in JavaScript. */
async function readBackMd5(target: Target, size: number, signal?: AbortSignal): Promise<string> {
  const md5 = new Md5()
  for (let offset = 0; offset < size; offset += READ_BACK_BYTES) {
    signal?.throwIfAborted()
    md5.update(await target.read(offset, Math.min(READ_BACK_BYTES, size - offset)))
  }
  return md5.hex()
}
