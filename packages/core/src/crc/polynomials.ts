import type { ChecksumAlgorithm } from './algorithm.ts'

// All four CRCs are reflected with init = xorout = all ones, so one implementation parameterised
// by the polynomial serves them all; a 32-bit one runs in the low half of the 64-bit register
// (see crc() in index.ts).

/** Reflected generator polynomials. */
export const POLYNOMIALS: Readonly<Record<ChecksumAlgorithm, bigint>> = {
  crc64xz: 0xc96c5795d7870f42n,
  crc64nvme: 0x9a6c9329ac4bc9b5n,
  crc32: 0xedb88320n,
  crc32c: 0x82f63b78n,
}
