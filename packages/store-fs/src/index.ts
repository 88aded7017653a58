export {
  CHECKPOINT_SUFFIX,
  FileCheckpointStore,
  type FileCheckpointStoreOptions,
} from './file-checkpoint-store.ts'
export { FileTarget, type FileTargetOptions, LOCK_SUFFIX, TEMP_SUFFIX } from './file-target.ts'
