import { type ChecksumAlgorithm, crc } from '@resumable/core'

/** Where an object's bytes come from: memory, or a deterministic generator that costs no memory. */
export interface ObjectSource {
  /** Size in bytes. */
  readonly size: number
  /** Bytes `start`..`end` (inclusive), in chunks of at most `chunkSize`. */
  chunks(start: number, end: number, chunkSize: number): Iterable<Uint8Array>
  /** The whole object's CRC-64/XZ, when the source can compute it without reading every byte. */
  crc64xz?(): bigint
  /** The whole object's CRC of any variant, when the source can compute it without reading every byte. */
  crc?(algorithm: ChecksumAlgorithm): bigint
}

/** An object held in memory. */
export function bytesSource(bytes: Uint8Array): ObjectSource {
  return {
    size: bytes.length,
    *chunks(start, end, chunkSize) {
      for (let at = start; at <= end; at += chunkSize)
        yield bytes.subarray(at, Math.min(end + 1, at + chunkSize))
    },
  }
}

/** Reads a whole source into memory (tests on small objects). */
export function readAll(source: ObjectSource): Uint8Array {
  const out = new Uint8Array(source.size)
  let at = 0
  for (const chunk of source.chunks(0, source.size - 1, 1024 * 1024)) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}

const computed = new WeakMap<ObjectSource, Map<ChecksumAlgorithm, bigint>>()

/** The CRC (CRC-64/XZ unless told) of a source: the source's shortcut when it has one, else streamed once and remembered. */
export function sourceCrc(source: ObjectSource, algorithm: ChecksumAlgorithm = 'crc64xz'): bigint {
  if (source.crc) return source.crc(algorithm)
  if (algorithm === 'crc64xz' && source.crc64xz) return source.crc64xz()
  const known = computed.get(source) ?? new Map<ChecksumAlgorithm, bigint>()
  computed.set(source, known)
  let value = known.get(algorithm)
  if (value !== undefined) return value
  value = 0n
  if (source.size > 0) {
    for (const chunk of source.chunks(0, source.size - 1, 1024 * 1024))
      value = crc(algorithm, chunk, value)
  }
  known.set(algorithm, value)
  return value
}
