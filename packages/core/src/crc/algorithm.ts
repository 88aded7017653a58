/** The CRC-64 variants object stores publish: OSS's CRC-64/XZ (ECMA-182) and S3's CRC-64/NVME. */
export type Crc64Algorithm = 'crc64xz' | 'crc64nvme'

/**
 * The CRC-32 variants S3 keeps as full-object checksums: CRC-32 (zlib's, ISO-HDLC) and CRC-32C
 * (Castagnoli). AWS SDKs have sent CRC-32 with every upload by default since 2025.
 */
export type Crc32Algorithm = 'crc32' | 'crc32c'

/** Every whole-object CRC the engine combines from parts and verifies. */
export type ChecksumAlgorithm = Crc64Algorithm | Crc32Algorithm

const WIDTHS: Readonly<Record<ChecksumAlgorithm, 32 | 64>> = {
  crc64xz: 64,
  crc64nvme: 64,
  crc32: 32,
  crc32c: 32,
}

/** Every {@link ChecksumAlgorithm}, as an error message lists them. */
export const CHECKSUM_ALGORITHMS = Object.keys(WIDTHS) as readonly ChecksumAlgorithm[]

/** Whether `value` names a {@link ChecksumAlgorithm}, for data read back from disk. */
export function isChecksumAlgorithm(value: unknown): value is ChecksumAlgorithm {
  return typeof value === 'string' && Object.hasOwn(WIDTHS, value)
}

/** The CRC's width in bits. */
export function crcWidth(algorithm: ChecksumAlgorithm): 32 | 64 {
  return WIDTHS[algorithm]
}
