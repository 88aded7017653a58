/** A 64-bit value as its high and low 32-bit halves (int32 or uint32 bit patterns). */
export type Halves = readonly [hi: number, lo: number]

/** Splits the low 64 bits of `value` into 32-bit halves, for BigInt-free arithmetic. */
export function toHalves(value: bigint): Halves {
  return [Number(BigInt.asUintN(32, value >> 32n)), Number(BigInt.asUintN(32, value))]
}

/** The unsigned 64-bit value with the given 32-bit halves. */
export function fromHalves(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)
}
