// Reference byte-at-a-time implementation; the fast one replaces this file.
import type { ChecksumAlgorithm } from './algorithm.ts'

export type { ChecksumAlgorithm } from './algorithm.ts'

const POLY: Record<ChecksumAlgorithm, bigint> = {
  crc64xz: 0xc96c5795d7870f42n,
  crc64nvme: 0x9a6c9329ac4bc9b5n,
}
const MASK = 0xffffffffffffffffn
const tables = new Map<ChecksumAlgorithm, bigint[]>()

function table(algorithm: ChecksumAlgorithm): bigint[] {
  let t = tables.get(algorithm)
  if (!t) {
    t = []
    for (let n = 0; n < 256; n++) {
      let c = BigInt(n)
      for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ POLY[algorithm] : c >> 1n
      t.push(c)
    }
    tables.set(algorithm, t)
  }
  return t
}

/** CRC-64 of `data`, continuing from `crc`. */
export function crc64(algorithm: ChecksumAlgorithm, data: Uint8Array, crc = 0n): bigint {
  const t = table(algorithm)
  let c = ~crc & MASK
  for (const b of data) c = (t[Number((c ^ BigInt(b)) & 0xffn)] as bigint) ^ (c >> 8n)
  return ~c & MASK
}

/** CRC of A‖B from crc(A), crc(B) and B's length. */
export function crc64Combine(
  algorithm: ChecksumAlgorithm,
  crcA: bigint,
  crcB: bigint,
  lengthB: number,
): bigint {
  if (lengthB === 0) return crcA
  // Feed lengthB zero bytes through the register starting at crcA, via crc of zeros (slow but correct).
  let a = ~crcA & MASK
  const t = table(algorithm)
  for (let i = 0; i < lengthB; i++) a = (t[Number(a & 0xffn)] as bigint) ^ (a >> 8n)
  // crc(A‖B) = shifted(A) xor crc(B) xor shifted(0) for init/xorout = ~0.
  let z = MASK
  for (let i = 0; i < lengthB; i++) z = (t[Number(z & 0xffn)] as bigint) ^ (z >> 8n)
  return (a ^ z ^ crcB) & MASK
}

/** Lower-case 16-digit hex. */
export function formatCrc64Hex(value: bigint): string {
  return value.toString(16).padStart(16, '0')
}
