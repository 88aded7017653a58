export type {
  BatchEvent,
  BatchFailure,
  BatchListingFailure,
  BatchProgress,
  FailureDetails,
  SkipReason,
} from './batch-events.ts'
export {
  type BatchDownloadOptions,
  type BatchObjectIO,
  type BatchObjectLocation,
  type BatchOptions,
  DEFAULT_OUTAGE_WAIT_MS,
  type ExistingFile,
} from './batch-options.ts'
export type { BatchSummary } from './batch-result.ts'
export { type BatchHandle, type BatchListener, createBatch, downloadMany } from './create-batch.ts'
export {
  type BatchJournalStore,
  type BatchJournalView,
  changedSinceDone,
  doneRecord,
  type JournalEntry,
  readBatchJournal,
} from './journal.ts'
export {
  BATCH_JOURNAL_VERSION,
  BatchJournalCodec,
  type DecodedJournal,
  type JournalHeader,
  type JournalObjectRecord,
  type JournalProblem,
  type JournalRecord,
} from './journal-codec.ts'
export type { BatchSource, ListedObject, Lister } from './lister.ts'
export { MAX_SEGMENT_BYTES, PathClaims, safeRelativePath } from './safe-path.ts'
export { fnv1a64, type Shard, shardBatchId, shardOf } from './shard.ts'
