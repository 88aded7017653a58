import type { ChecksumAlgorithm } from './algorithm.ts'

// Both CRCs also share init = xorout = ~0 and reflected input and output, so one implementation
// parameterised by the polynomial serves both.

/** Reflected generator polynomials of CRC-64/XZ (ECMA-182) and CRC-64/NVME. */
export const POLYNOMIALS: Readonly<Record<ChecksumAlgorithm, bigint>> = {
  crc64xz: 0xc96c5795d7870f42n,
  crc64nvme: 0x9a6c9329ac4bc9b5n,
}
