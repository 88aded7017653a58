import type { ChecksumAlgorithm } from './algorithm.ts'
import { POLYNOMIALS } from './polynomials.ts'
import { fromHalves, toHalves } from './uint64.ts'

/**
 * Slicing-by-16 tables: entry n of table k is the register after byte n and then k zero bytes.
 * Halves are interleaved (lo at 2i, hi at 2i + 1) so both come from one cache line, and stored
 * as Int32Array so V8 and JSC keep every value an untagged int32 in the hot loop.
 */
const SLICES = 16
const cache = new Map<ChecksumAlgorithm, Int32Array>()

/** Whether an Int32Array view reads words little-endian, as the CRC's reflected order needs. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

function tables(algorithm: ChecksumAlgorithm): Int32Array {
  const found = cache.get(algorithm)
  if (found) return found
  const [polyHi, polyLo] = toHalves(POLYNOMIALS[algorithm])
  const t = new Int32Array(SLICES * 512)
  for (let n = 0; n < 256; n++) {
    let lo = n
    let hi = 0
    for (let bit = 0; bit < 8; bit++) {
      const mask = -(lo & 1)
      lo = ((lo >>> 1) | (hi << 31)) ^ (polyLo & mask)
      hi = (hi >>> 1) ^ (polyHi & mask)
    }
    t[2 * n] = lo
    t[2 * n + 1] = hi
  }
  for (let i = 512; i < t.length; i += 2) {
    const lo = t[i - 512]!
    const hi = t[i - 511]!
    const x = (lo & 0xff) << 1
    t[i] = ((lo >>> 8) | (hi << 24)) ^ t[x]!
    t[i + 1] = (hi >>> 8) ^ t[x + 1]!
  }
  cache.set(algorithm, t)
  return t
}

/** `data` as little-endian int32 words: a view when possible, a copy on big-endian hosts. */
function words(data: Uint8Array, from: number, count: number): Int32Array {
  if (LITTLE_ENDIAN) return new Int32Array(data.buffer, data.byteOffset + from, count)
  const view = new DataView(data.buffer, data.byteOffset + from, count * 4)
  return Int32Array.from({ length: count }, (_, i) => view.getInt32(i * 4, true))
}

/** CRC-64 in plain JavaScript, for hosts without WebAssembly; same contract as `crc64`. */
export function crc64Js(algorithm: ChecksumAlgorithm, data: Uint8Array, crc = 0n): bigint {
  const t = tables(algorithm)
  let [hi, lo] = toHalves(~crc)
  const n = data.length
  let i = 0
  // Bytewise up to a 4-byte boundary, since typed-array views must be aligned.
  const head = Math.min(n, (4 - (data.byteOffset & 3)) & 3)
  for (; i < head; i++) {
    const x = ((lo ^ data[i]!) & 0xff) << 1
    lo = ((lo >>> 8) | (hi << 24)) ^ t[x]!
    hi = (hi >>> 8) ^ t[x + 1]!
  }
  const count = ((n - i) >>> 4) << 2
  if (count > 0) {
    const w = words(data, i, count)
    // Each byte of a 16-byte block goes through the table for its distance from the block's
    // end; the indices are pre-scaled by 2 for the interleaved halves (shift, then mask 0x1fe).
    for (let k = 0; k < count; k += 4) {
      const a = lo ^ w[k]!
      const b = hi ^ w[k + 1]!
      const c = w[k + 2]!
      const d = w[k + 3]!
      let x = ((a & 0xff) << 1) + 7680
      lo = t[x]!
      hi = t[x + 1]!
      x = ((a >>> 7) & 0x1fe) + 7168
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((a >>> 15) & 0x1fe) + 6656
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((a >>> 23) & 0x1fe) + 6144
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((b & 0xff) << 1) + 5632
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((b >>> 7) & 0x1fe) + 5120
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((b >>> 15) & 0x1fe) + 4608
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((b >>> 23) & 0x1fe) + 4096
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((c & 0xff) << 1) + 3584
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((c >>> 7) & 0x1fe) + 3072
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((c >>> 15) & 0x1fe) + 2560
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((c >>> 23) & 0x1fe) + 2048
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((d & 0xff) << 1) + 1536
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((d >>> 7) & 0x1fe) + 1024
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = ((d >>> 15) & 0x1fe) + 512
      lo ^= t[x]!
      hi ^= t[x + 1]!
      x = (d >>> 23) & 0x1fe
      lo ^= t[x]!
      hi ^= t[x + 1]!
    }
    i += count * 4
  }
  for (; i < n; i++) {
    const x = ((lo ^ data[i]!) & 0xff) << 1
    lo = ((lo >>> 8) | (hi << 24)) ^ t[x]!
    hi = (hi >>> 8) ^ t[x + 1]!
  }
  return ~fromHalves(hi, lo) & 0xffffffffffffffffn
}
