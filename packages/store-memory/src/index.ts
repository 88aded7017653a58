/**
 * In-memory Target and CheckpointStore that simulate a disk: writes are durable only after `sync()`.
 *
 * @module @resumable/store-memory
 */
export { MemoryCheckpointStore } from './memory-checkpoint-store.ts'
export { MemoryTarget, type MemoryTargetOptions } from './memory-target.ts'
export { MemoryVolume } from './memory-volume.ts'
