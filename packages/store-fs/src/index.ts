/**
 * Crash-safe file Target, file CheckpointStore and batch journal, safe paths for batch keys, and a CRC thread (Node, Deno, Bun).
 *
 * @module @resumable/store-fs
 */

export {
  type BatchFileFound,
  type BatchFileKind,
  batchFileName,
  batchFilesIn,
  parseBatchFileName,
} from './batch-file-names.ts'
export { type CrcThreadOptions, crcThread } from './crc-thread.ts'
export { BATCH_DIRECTORIES_NAME } from './file-batch-directories.ts'
export {
  BATCH_JOURNAL_NAME,
  FileBatchJournalStore,
} from './file-batch-journal-store.ts'
export {
  existingFile,
  type FileBatchObjectOptions,
  fileBatchObject,
  fileChecksum,
  fileChecksums,
} from './file-batch-object.ts'
export { partsRecordedIn, unlistedPartState } from './file-batch-parts.ts'
export {
  BATCH_LOCK_NAME,
  BATCH_STAGING_NAME,
  FileBatchStaging,
  type FileBatchStagingOptions,
  type RunningBatch,
} from './file-batch-staging.ts'
export {
  FileCheckpointStore,
  type FileCheckpointStoreOptions,
} from './file-checkpoint-store.ts'
export { CHECKPOINT_SUFFIX, TEMP_SUFFIX } from './file-suffixes.ts'
export {
  FileTarget,
  type FileTargetOptions,
  FLUSH_AFTER,
} from './file-target.ts'
export { LOCK_SUFFIX, type LockOwner, type LockWatchListener } from './lock-file.ts'
export { makeDirectory } from './make-directory.ts'
export { isResumableCheckpointFile, isResumableLockFile } from './own-files.ts'
export {
  isReservedName,
  isTooLongForSidecars,
  type LocalNameRefusal,
  localNameRefusal,
  MAX_DESTINATION_NAME_BYTES,
  type ResolveInsideOptions,
  resolveInside,
} from './safe-destination.ts'
export { windowsNameProblem } from './windows-names.ts'
export { COPIED_WRITES, WriteCost } from './write-cost.ts'
export { WRITE_SLICE } from './write-thread.ts'
