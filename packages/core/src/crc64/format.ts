/** Lower-case, zero-padded 16-digit hex. */
export function formatCrc64Hex(value: bigint): string {
  // asUintN: a CRC is 64 bits by definition, so never print a sign or a 17th digit.
  return BigInt.asUintN(64, value).toString(16).padStart(16, '0')
}
