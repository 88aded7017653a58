import { crc64 } from '@resumable/core'

/** Where an object's bytes come from: memory, or a deterministic generator that costs no memory. */
export interface ObjectSource {
  /** Size in bytes. */
  readonly size: number
  /** Bytes `start`..`end` (inclusive), in chunks of at most `chunkSize`. */
  chunks(start: number, end: number, chunkSize: number): Iterable<Uint8Array>
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

const BLOCK = 64 * 1024

/**
 * A large object generated from a seed: block i is a xorshift stream seeded by (seed, i), so any
 * range is produced on demand and a 5 GiB object costs 64 KiB of memory.
 */
export function generatedSource(size: number, seed = 1): ObjectSource {
  const block = new Uint8Array(BLOCK)
  let cached = -1
  const fill = (index: number): Uint8Array => {
    if (index !== cached) {
      const words = new Uint32Array(block.buffer)
      let x = (seed * 0x9e3779b1 + index * 0x85ebca6b + 1) >>> 0 || 1
      for (let i = 0; i < words.length; i++) {
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        words[i] = x >>> 0
      }
      cached = index
    }
    return block
  }
  return {
    size,
    *chunks(start, end, chunkSize) {
      for (let at = start; at <= end; ) {
        const index = Math.floor(at / BLOCK)
        const from = at - index * BLOCK
        const n = Math.min(chunkSize, BLOCK - from, end - at + 1)
        // Copy: the block buffer is reused for the next block while a consumer may still hold this chunk.
        yield fill(index).slice(from, from + n)
        at += n
      }
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

/** CRC-64/XZ of a source, streamed. */
export function sourceCrc64(source: ObjectSource): bigint {
  let crc = 0n
  if (source.size === 0) return crc
  for (const chunk of source.chunks(0, source.size - 1, 1024 * 1024))
    crc = crc64('crc64xz', chunk, crc)
  return crc
}
