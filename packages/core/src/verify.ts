import type { ChecksumAlgorithm } from './crc64/algorithm.ts'
import { crc64Combine, formatCrc64Hex } from './crc64/index.ts'
import { IntegrityError } from './errors/integrity-error.ts'
import type { ObjectInfo } from './ports.ts'

/** What was proven about the downloaded bytes before they were committed. */
export type Verification =
  | {
      /** The combined CRC-64 of all parts equals the store's. */
      readonly method: ChecksumAlgorithm
      /** The verified value. */
      readonly value: bigint
    }
  | {
      /** Only the byte count was checked. */
      readonly method: 'size'
      /** Why no checksum was compared. */
      readonly reason: string
    }

/** Combines per-part CRCs in offset order: crc(p0‖p1‖…) without re-reading a byte. */
export function combinePartCrcs(
  algorithm: ChecksumAlgorithm,
  crcs: ArrayLike<bigint>,
  partLength: (index: number) => number,
): bigint {
  let crc = 0n
  for (let i = 0; i < crcs.length; i++) {
    crc = crc64Combine(algorithm, crc, crcs[i] as bigint, partLength(i))
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
    throw new IntegrityError(algorithm, formatCrc64Hex(info.checksum.value), formatCrc64Hex(actual))
  }
  return { method: algorithm, value: actual }
}
