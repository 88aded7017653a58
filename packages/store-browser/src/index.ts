/**
 * Browser storage for @resumable/core: a Target on the Origin Private File System (a sync access
 * handle in a dedicated worker), a CheckpointStore on IndexedDB, and a CORS check for fetch
 * transports that names the header a bucket forgot to expose.
 *
 * @module @resumable/store-browser
 */
export {
  CORS_HELP_URL,
  type CorsCheckOptions,
  CorsHeaderError,
  corsChecked,
  type FetchFunction,
} from './cors-check.ts'
export {
  IndexedDbCheckpointStore,
  type IndexedDbCheckpointStoreOptions,
} from './indexeddb-checkpoint-store.ts'
export { OPFS_TEMP_SUFFIX, OpfsTarget, type OpfsTargetOptions } from './opfs-target.ts'
