import {
  type ChecksumAlgorithm,
  type Crc32Algorithm,
  type Crc64Algorithm,
  crcWidth,
} from './algorithm.ts'
import { POLYNOMIALS } from './polynomials.ts'
import { fromHalves, type Halves, toHalves } from './uint64.ts'

/** x^0 in the CRC's reflected bit order, where bit 63 holds the coefficient of x^0. */
const ONE: Halves = [0x80000000, 0]

/** x^(2^k) mod P for k = 0..63, by repeated squaring; built on first use per algorithm. */
const powerCache = new Map<Crc64Algorithm, Halves[]>()

function powers(algorithm: Crc64Algorithm): Halves[] {
  const found = powerCache.get(algorithm)
  if (found) return found
  const poly = toHalves(POLYNOMIALS[algorithm])
  const table: Halves[] = [[0x40000000, 0]]
  for (let k = 1; k < 64; k++) table.push(multModP(table[k - 1]!, table[k - 1]!, poly))
  powerCache.set(algorithm, table)
  return table
}

/**
 * a·b mod P, reflected, on 32-bit halves: for every term x^i of a, add b·x^i. Plain numbers
 * rather than BigInt keep one product at about a hundred nanoseconds.
 */
function multModP(a: Halves, b: Halves, poly: Halves): Halves {
  let [aHi, aLo] = a
  let [bHi, bLo] = b
  const [pHi, pLo] = poly
  let hi = 0
  let lo = 0
  // Walk a's terms from x^0 upwards and stop as soon as none are left, as zlib's multmodp does.
  while ((aHi | aLo) !== 0) {
    if ((aHi & 0x80000000) !== 0) {
      hi ^= bHi
      lo ^= bLo
    }
    aHi = (aHi << 1) | (aLo >>> 31)
    aLo <<= 1
    const mask = -(bLo & 1)
    bLo = ((bLo >>> 1) | (bHi << 31)) ^ (pLo & mask)
    bHi = (bHi >>> 1) ^ (pHi & mask)
  }
  return [hi, lo]
}

/** CRC of A‖B from crc(A), crc(B) and B's length in bytes (zlib crc32_combine style). */
export function crc64Combine(
  algorithm: Crc64Algorithm,
  crcA: bigint,
  crcB: bigint,
  lengthB: number,
): bigint {
  checkLength('crc64Combine', lengthB)
  // Appending B multiplies A's register by x^(8·lengthB) mod P; init and xorout are both ~0, so
  // their contributions cancel and crc(A‖B) = crc(A)·x^(8·lengthB) ⊕ crc(B). The power takes one
  // product per set bit of lengthB from the x^(2^k) table (zlib ≥ 1.2.12's x2nmodp), a few µs,
  // where squaring a 64×64 GF(2) matrix per bit would take milliseconds.
  const table = powers(algorithm)
  const poly = toHalves(POLYNOMIALS[algorithm])
  const factor = byteShift(lengthB, table, ONE, (a, b) => multModP(a, b, poly))
  const [hi, lo] = multModP(factor, toHalves(crcA), poly)
  const [bHi, bLo] = toHalves(crcB)
  return fromHalves(hi ^ bHi, lo ^ bLo)
}

/**
 * x^(8·n) mod P: the product of x^(2^k) over the set bits k-3 of n, from the table of x^(2^k);
 * k stays below 56 for n < 2^53. `one` is x^0 and `times` the product, in either width.
 */
function byteShift<T>(n: number, table: readonly T[], one: T, times: (a: T, b: T) => T): T {
  let factor = one
  for (let rest = n, k = 3; rest > 0; rest = Math.floor(rest / 2), k++) {
    if (rest % 2 === 1) factor = times(table[k] as T, factor)
  }
  return factor
}

function checkLength(caller: string, lengthB: number): void {
  if (!Number.isSafeInteger(lengthB) || lengthB < 0) {
    throw new RangeError(`${caller}: lengthB must be a non-negative safe integer, got ${lengthB}`)
  }
}

/** a·b mod P for a 32-bit reflected CRC, where bit 31 holds the coefficient of x^0. */
function multModP32(a: number, b: number, poly: number): number {
  let product = 0
  let rest = a
  let shifted = b
  while (rest !== 0) {
    if ((rest & 0x80000000) !== 0) product ^= shifted
    rest <<= 1
    shifted = (shifted >>> 1) ^ (poly & -(shifted & 1))
  }
  return product >>> 0
}

/** x^(2^k) mod P for k = 0..63, as {@link powers} builds them for the 64-bit CRCs. */
const power32Cache = new Map<Crc32Algorithm, number[]>()

function powers32(algorithm: Crc32Algorithm): number[] {
  const found = power32Cache.get(algorithm)
  if (found) return found
  const poly = Number(POLYNOMIALS[algorithm])
  const table = [0x40000000]
  for (let k = 1; k < 64; k++) table.push(multModP32(table[k - 1]!, table[k - 1]!, poly))
  power32Cache.set(algorithm, table)
  return table
}

/** {@link crc64Combine} for the 32-bit CRCs: crc(A‖B) = crc(A)·x^(8·lengthB) ⊕ crc(B) mod P. */
function crc32Combine(
  algorithm: Crc32Algorithm,
  crcA: number,
  crcB: number,
  lengthB: number,
): number {
  checkLength('crcCombine', lengthB)
  const table = powers32(algorithm)
  const poly = Number(POLYNOMIALS[algorithm])
  const factor = byteShift(lengthB, table, 0x80000000, (a, b) => multModP32(a, b, poly))
  return (multModP32(factor, crcA, poly) ^ crcB) >>> 0
}

/**
 * CRC of A‖B from crc(A), crc(B) and B's length in bytes, for any {@link ChecksumAlgorithm}: how
 * the engine turns the CRCs of parts fetched out of order into the whole object's.
 *
 * @example
 * ```ts
 * crcCombine('crc32c', crc('crc32c', a), crc('crc32c', b), b.length) === crc('crc32c', ab)
 * ```
 */
export function crcCombine(
  algorithm: ChecksumAlgorithm,
  crcA: bigint,
  crcB: bigint,
  lengthB: number,
): bigint {
  if (crcWidth(algorithm) === 64)
    return crc64Combine(algorithm as Crc64Algorithm, crcA, crcB, lengthB)
  return BigInt(
    crc32Combine(
      algorithm as Crc32Algorithm,
      Number(BigInt.asUintN(32, crcA)),
      Number(BigInt.asUintN(32, crcB)),
      lengthB,
    ),
  )
}
