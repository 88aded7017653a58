import { type ChecksumAlgorithm, crcWidth } from './algorithm.ts'

/** Lower-case, zero-padded 16-digit hex. */
export function formatCrc64Hex(value: bigint): string {
  // asUintN: a CRC is 64 bits by definition, so never print a sign or a 17th digit.
  return BigInt.asUintN(64, value).toString(16).padStart(16, '0')
}

/** Lower-case hex, zero-padded to the CRC's width: 16 digits for a CRC-64, 8 for a CRC-32. */
export function formatCrcHex(algorithm: ChecksumAlgorithm, value: bigint): string {
  const width = crcWidth(algorithm)
  return BigInt.asUintN(width, value)
    .toString(16)
    .padStart(width / 4, '0')
}
