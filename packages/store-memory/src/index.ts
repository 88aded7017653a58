/**
 * In-memory Target, CheckpointStore and BatchJournalStore that simulate a disk: writes are durable only after `sync()`.
 *
 * @module @resumable/store-memory
 */
export { MemoryBatchJournalStore } from './memory-batch-journal-store.ts'
export { MemoryCheckpointStore } from './memory-checkpoint-store.ts'
export { MemoryTarget, type MemoryTargetOptions } from './memory-target.ts'
export { MemoryVolume } from './memory-volume.ts'
