import { compositeCrc, crc } from '@resumable/core'
import type { S3CrcAlgorithm, StoredObject } from './oss-model.ts'

/** Bytes `start`..`end` (inclusive) of part `number` of a multipart object, or undefined. */
export function uploadPartRange(
  object: StoredObject,
  number: number,
): { start: number; end: number } | undefined {
  const { partSize, parts } = object.s3Checksum
  const size = object.source.size
  // An object not stored in parts is its own part 1, as S3 answers for a single-part upload.
  if (partSize === undefined)
    return number === 1 && size > 0 ? { start: 0, end: size - 1 } : undefined
  if (!Number.isInteger(number) || number < 1 || number > parts) return undefined
  const start = (number - 1) * partSize
  return { start, end: Math.min(size, start + partSize) - 1 }
}

const composites = new WeakMap<StoredObject, bigint>()

/**
 * S3's composite checksum of a multipart upload: the CRC of its parts' CRCs, each big-endian,
 * concatenated. Computed from the object's bytes on first use and remembered.
 */
export function storedComposite(object: StoredObject, algorithm: S3CrcAlgorithm): bigint {
  const known = composites.get(object)
  if (known !== undefined) return known
  const partCrcs: bigint[] = []
  for (let number = 1; number <= object.s3Checksum.parts; number++) {
    const range = uploadPartRange(object, number)
    let value = 0n
    if (range) {
      for (const chunk of object.source.chunks(range.start, range.end, 1024 * 1024))
        value = crc(algorithm, chunk, value)
    }
    partCrcs.push(value)
  }
  const value = compositeCrc(algorithm, partCrcs)
  composites.set(object, value)
  return value
}
