/**
 * The resume engine: planning, concurrent ranged parts, retry, checkpoints, CRC verification, typed errors, and the ports adapters implement.
 *
 * @module @resumable/core
 */
export { type BackoffPolicy, backoffDelay, MAX_RETRY_AFTER_MS } from './backoff.ts'
export { base64ToBytes, bytesToBase64 } from './base64.ts'
export * from './batch/index.ts'
export { type ByteRange, RANGE_VERIFICATION } from './byte-range.ts'
export { bytesToHex, concatBytes } from './bytes.ts'
export {
  CHECKPOINT_FORMAT_VERSION,
  type Checkpoint,
  CheckpointCodec,
  type CheckpointIdentity,
  looksLikeCheckpoint,
} from './checkpoint/codec.ts'
export { type CheckpointMismatch, matchCheckpoint } from './checkpoint/match.ts'
export { type PartialPart, TransferState } from './checkpoint/transfer-state.ts'
export type { ChecksumAlgorithm, Crc32Algorithm, Crc64Algorithm } from './crc/algorithm.ts'
export { type Crc64Kit, crc64Kit } from './crc/crc64-wasm.ts'
export {
  compositeCrc,
  crc,
  crc64,
  crc64Combine,
  crcCombine,
  formatCrc64Hex,
  formatCrcHex,
} from './crc/index.ts'
export {
  CHOICE_TABLE,
  type ChoiceOptionSpec,
  type ChoiceTable,
  type DefaultedOptionSpec,
  type NumericOption,
  type NumericOptionSpec,
  OPTION_TABLE,
  type OptionTable,
  type OptionUnit,
} from './defaults.ts'
export {
  DIGEST_HEX_LENGTH,
  type DigestAlgorithm,
  digestValueProblem,
  type ExpectedDigest,
  isDigestAlgorithm,
} from './digest.ts'
export {
  createDownload,
  type DownloadHandle,
  type DownloadListener,
  download,
} from './download.ts'
export * from './errors/index.ts'
export type { DownloadEvent, DownloadProgress, RetryReason } from './events.ts'
export { Md5 } from './md5.ts'
export type { DownloadOptions, ObjectChangedPolicy } from './options.ts'
export {
  DEFAULT_MAX_PARTS,
  MAX_PART_SIZE,
  MIN_PART_SIZE,
  type PartPlan,
  type PartRange,
  partRange,
  planParts,
} from './plan.ts'
export type {
  ByteSource,
  CallOptions,
  CheckpointStore,
  ChecksumRun,
  ChecksumThread,
  ObjectChecksum,
  ObjectInfo,
  ReadRequest,
  ReadResponse,
  RestoreState,
  Target,
  TargetAbortOptions,
  TargetCommitOptions,
  TargetDigestOptions,
  TargetHashAheadOptions,
  TargetOpenOptions,
  TargetOpenResult,
  TargetSpan,
  Transport,
  UploadParts,
  WholeRead,
  WholeReadRequest,
} from './ports.ts'
export { type ByteLimit, RateLimiter } from './rate-limiter.ts'
export type { DownloadResult } from './result.ts'
export {
  type PlanSwitchReason,
  RANGE_IGNORED_CODE,
  type SequentialReason,
  UNKNOWN_LENGTH,
} from './sequential.ts'
export { sleep } from './sleep.ts'
export { type PartSlots, SlotPool } from './slot-pool.ts'
export { type StatObjectOptions, statObject } from './stat-object.ts'
export type { Verification } from './verify.ts'
