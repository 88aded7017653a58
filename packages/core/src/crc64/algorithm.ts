/** The CRC-64 variants object stores publish: OSS's CRC-64/XZ (ECMA-182) and S3's CRC-64/NVME. */
export type ChecksumAlgorithm = 'crc64xz' | 'crc64nvme'
