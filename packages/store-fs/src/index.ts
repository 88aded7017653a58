/**
 * Crash-safe file Target and file CheckpointStore (Node, Deno, Bun).
 *
 * @module @resumable/store-fs
 */
export {
  CHECKPOINT_SUFFIX,
  FileCheckpointStore,
  type FileCheckpointStoreOptions,
} from './file-checkpoint-store.ts'
export { FileTarget, type FileTargetOptions, LOCK_SUFFIX, TEMP_SUFFIX } from './file-target.ts'
export type { LockOwner } from './lock-file.ts'
