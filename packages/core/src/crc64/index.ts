import type { ChecksumAlgorithm } from './algorithm.ts'

export type { ChecksumAlgorithm } from './algorithm.ts'

/** Reflected polynomials: CRC-64/XZ (ECMA-182, OSS) and CRC-64/NVME (S3). */
const POLYNOMIALS: Record<ChecksumAlgorithm, bigint> = {
  crc64xz: 0xc96c5795d7870f42n,
  crc64nvme: 0x9a6c9329ac4bc9b5n,
}
const MASK = 0xffffffffffffffffn

/** Slicing-by-8 tables split into 32-bit halves, so the hot loop never touches BigInt. */
interface Tables {
  readonly lo: Uint32Array
  readonly hi: Uint32Array
  /** x^(2^k) mod P, for combining. */
  readonly powers: bigint[]
}

const cache = new Map<ChecksumAlgorithm, Tables>()

function tables(algorithm: ChecksumAlgorithm): Tables {
  const found = cache.get(algorithm)
  if (found) return found
  const poly = POLYNOMIALS[algorithm]
  const polyLo = Number(poly & 0xffffffffn)
  const polyHi = Number(poly >> 32n)
  const lo = new Uint32Array(8 * 256)
  const hi = new Uint32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let l = n
    let h = 0
    for (let k = 0; k < 8; k++) {
      const carry = l & 1
      l = ((l >>> 1) | (h << 31)) >>> 0
      h >>>= 1
      if (carry) {
        l = (l ^ polyLo) >>> 0
        h = (h ^ polyHi) >>> 0
      }
    }
    lo[n] = l
    hi[n] = h
  }
  // Table k maps a byte followed by k zero bytes: one more byte-step of table k-1.
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const l = lo[(k - 1) * 256 + n] as number
      const h = hi[(k - 1) * 256 + n] as number
      const i = l & 0xff
      lo[k * 256 + n] = (((l >>> 8) | (h << 24)) ^ (lo[i] as number)) >>> 0
      hi[k * 256 + n] = ((h >>> 8) ^ (hi[i] as number)) >>> 0
    }
  }
  const powers: bigint[] = [1n << 62n] // x^1 in reflected order
  for (let k = 1; k < 64; k++) {
    const prev = powers[k - 1] as bigint
    powers.push(multiplyModP(prev, prev, poly))
  }
  const built = { lo, hi, powers }
  cache.set(algorithm, built)
  return built
}

/** CRC-64 of `data`, continuing from `crc` (0n = empty input), like zlib's crc32(crc, buf) / Go's crc64.Update. */
export function crc64(algorithm: ChecksumAlgorithm, data: Uint8Array, crc = 0n): bigint {
  const { lo: TL, hi: TH } = tables(algorithm)
  const inverted = ~crc & MASK
  let l = Number(inverted & 0xffffffffn)
  let h = Number(inverted >> 32n)
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const n = data.length
  const whole = n - (n % 8)
  let i = 0
  for (; i < whole; i += 8) {
    const a = (l ^ view.getUint32(i, true)) >>> 0
    const b = (h ^ view.getUint32(i + 4, true)) >>> 0
    const i7 = 7 * 256 + (a & 0xff)
    const i6 = 6 * 256 + ((a >>> 8) & 0xff)
    const i5 = 5 * 256 + ((a >>> 16) & 0xff)
    const i4 = 4 * 256 + (a >>> 24)
    const i3 = 3 * 256 + (b & 0xff)
    const i2 = 2 * 256 + ((b >>> 8) & 0xff)
    const i1 = 256 + ((b >>> 16) & 0xff)
    const i0 = b >>> 24
    l =
      ((TL[i7] as number) ^
        (TL[i6] as number) ^
        (TL[i5] as number) ^
        (TL[i4] as number) ^
        (TL[i3] as number) ^
        (TL[i2] as number) ^
        (TL[i1] as number) ^
        (TL[i0] as number)) >>>
      0
    h =
      ((TH[i7] as number) ^
        (TH[i6] as number) ^
        (TH[i5] as number) ^
        (TH[i4] as number) ^
        (TH[i3] as number) ^
        (TH[i2] as number) ^
        (TH[i1] as number) ^
        (TH[i0] as number)) >>>
      0
  }
  for (; i < n; i++) {
    const idx = (l ^ (data[i] as number)) & 0xff
    l = (((l >>> 8) | (h << 24)) ^ (TL[idx] as number)) >>> 0
    h = ((h >>> 8) ^ (TH[idx] as number)) >>> 0
  }
  return ~((BigInt(h) << 32n) | BigInt(l)) & MASK
}

/**
 * CRC of A‖B from crc(A), crc(B) and B's length in bytes, as zlib's crc32_combine: shifting
 * crc(A) through lengthB zero bytes is a multiplication by x^(8·lengthB) mod P. Init and xorout
 * are both ~0 for the two CRCs here, so their effect cancels and the result is exact.
 */
export function crc64Combine(
  algorithm: ChecksumAlgorithm,
  crcA: bigint,
  crcB: bigint,
  lengthB: number,
): bigint {
  if (lengthB <= 0) return crcA
  const { powers } = tables(algorithm)
  const poly = POLYNOMIALS[algorithm]
  // x^(8·lengthB): walk the bits of lengthB starting at x^(2^3) = x^8.
  let factor = 1n << 63n // x^0
  let n = lengthB
  for (let k = 3; n > 0; k++, n = Math.floor(n / 2)) {
    if (n % 2 === 1) factor = multiplyModP(powers[k % 64] as bigint, factor, poly)
  }
  return (multiplyModP(factor, crcA, poly) ^ crcB) & MASK
}

/** Lower-case, zero-padded 16-digit hex. */
export function formatCrc64Hex(value: bigint): string {
  return value.toString(16).padStart(16, '0')
}

/** a·b mod P in the reflected bit order CRCs use (bit 63 is x^0). */
function multiplyModP(a: bigint, b: bigint, poly: bigint): bigint {
  let m = 1n << 63n
  let p = 0n
  let bb = b
  while (m !== 0n) {
    if ((a & m) !== 0n) p ^= bb
    m >>= 1n
    bb = (bb & 1n) !== 0n ? (bb >> 1n) ^ poly : bb >> 1n
  }
  return p
}
