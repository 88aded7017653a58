import { type ChecksumAlgorithm, crc, crcCombine } from '@resumable/core'
import type { ObjectSource } from './object-source.ts'

/** Bytes per generated block. */
const BLOCK = 64 * 1024
const WORDS = BLOCK / 4
/** Blocks are indexed with 32-bit arithmetic: 2^31 blocks of 64 KiB = 128 TiB. */
const MAX_SIZE = 2 ** 31 * BLOCK

/**
 * A large object generated from a seed, any range on demand, so a 5 GiB object costs about a
 * megabyte. Block i is `P ^ Q[b] for every bit b of gray(i)`, with P and Q[b] random 64 KiB
 * patterns: every block differs from every other (a part written at the wrong offset is caught),
 * a sequential read XORs in one pattern per block, and because CRC-64 is affine the whole-object
 * CRC follows from the patterns' CRCs and one combine per block, without generating a byte.
 */
export function generatedSource(size: number, seed = 1): ObjectSource {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_SIZE)
    throw new RangeError(`generated object size must be an integer in 0..${MAX_SIZE}`)
  const patterns = new Map<number, Uint32Array>()
  // pattern(0) is P; pattern(b + 1) is Q[b].
  const pattern = (index: number): Uint32Array => {
    let p = patterns.get(index)
    if (!p) {
      p = xorshiftWords(seed, index)
      patterns.set(index, p)
    }
    return p
  }
  const block = (index: number): Uint32Array => {
    const out = pattern(0).slice()
    const gray = (index ^ (index >>> 1)) >>> 0
    for (let b = 0; gray >>> b !== 0; b++) if ((gray >>> b) & 1) xorInto(out, pattern(b + 1))
    return out
  }
  const crcs = new Map<ChecksumAlgorithm, bigint>()
  const whole = (algorithm: ChecksumAlgorithm): bigint => {
    let crc = crcs.get(algorithm)
    if (crc === undefined) {
      crc = wholeCrc(size, pattern, algorithm)
      crcs.set(algorithm, crc)
    }
    return crc
  }
  return {
    size,
    *chunks(start, end, chunkSize) {
      if (end < start) return
      let index = Math.floor(start / BLOCK)
      let words = block(index)
      for (let at = start; at <= end; ) {
        const blockStart = index * BLOCK
        if (at >= blockStart + BLOCK) {
          // Next block: gray(i) and gray(i + 1) differ in the lowest set bit of i + 1.
          index++
          words = words.slice()
          xorInto(words, pattern(lowestBit(index) + 1))
          continue
        }
        const from = at - blockStart
        const n = Math.min(chunkSize, BLOCK - from, end - at + 1)
        // A view is safe to hand out: advancing copies the block before changing it.
        yield new Uint8Array(words.buffer, from, n)
        at += n
      }
    },
    crc64xz: () => whole('crc64xz'),
    crc: whole,
  }
}

function wholeCrc(
  size: number,
  pattern: (index: number) => Uint32Array,
  algorithm: ChecksumAlgorithm,
): bigint {
  const bytes = (p: Uint32Array, n: number): Uint8Array => new Uint8Array(p.buffer, 0, n)
  const partCrcs = (n: number) => {
    const cache = new Map<number, bigint>()
    return {
      zeros: crc(algorithm, new Uint8Array(n)),
      of: (index: number): bigint => {
        let c = cache.get(index)
        if (c === undefined) {
          c = crc(algorithm, bytes(pattern(index), n))
          cache.set(index, c)
        }
        return c
      },
    }
  }
  const blockCrc = (index: number, parts: ReturnType<typeof partCrcs>): bigint => {
    // crc(x ^ y) = crc(x) ^ crc(y) ^ crc(zeros) for equal lengths: one zeros term per Q pattern.
    let c = parts.of(0)
    let terms = 0
    const gray = (index ^ (index >>> 1)) >>> 0
    for (let b = 0; gray >>> b !== 0; b++) {
      if ((gray >>> b) & 1) {
        c ^= parts.of(b + 1)
        terms++
      }
    }
    return terms % 2 === 1 ? c ^ parts.zeros : c
  }
  const full = Math.floor(size / BLOCK)
  const tail = size - full * BLOCK
  const fullParts = partCrcs(BLOCK)
  let total = 0n
  for (let i = 0; i < full; i++) total = crcCombine(algorithm, total, blockCrc(i, fullParts), BLOCK)
  if (tail > 0) total = crcCombine(algorithm, total, blockCrc(full, partCrcs(tail)), tail)
  return total
}

function xorshiftWords(seed: number, index: number): Uint32Array {
  const words = new Uint32Array(WORDS)
  let x = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0 || 1
  for (let i = 0; i < WORDS; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    words[i] = x >>> 0
  }
  return words
}

function xorInto(target: Uint32Array, source: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) ^ (source[i] as number)
}

function lowestBit(n: number): number {
  return 31 - Math.clz32(n & -n)
}
