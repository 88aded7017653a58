import { lstat, realpath } from 'node:fs/promises'
import { join } from 'node:path'
import { type BatchJournalView, readBatchJournal, shardBatchId } from '@resumable/core'
import { FileBatchJournalStore, unlistedPartState } from '@resumable/store-fs'

/** What a dry run looks at in the destination, read only: the batch's journal and the files there. */
export interface DestinationState {
  /** The batch's journal as its next run would find it (`readBatchJournal`). */
  readonly journal: BatchJournalView
  /** What is at `path` (relative to the destination): a regular file and its size, a directory, or nothing (undefined). */
  entryAt(path: string): Promise<DestinationEntry | undefined>
  /**
   * The paths whose part state (partial file, checkpoint, lock) a complete run would remove as no
   * longer listed, `listed` saying which paths the listing had (store-fs `unlistedPartState`).
   */
  unlisted(listed: (path: string) => boolean): Promise<readonly string[]>
}

/** A file, or a directory, found where an object's file goes. */
export type DestinationEntry =
  | { readonly kind: 'file'; readonly size: number }
  | { readonly kind: 'directory' }

/** A destination with nothing in it yet. */
const NOTHING: BatchJournalView = { done: () => undefined, publishing: () => undefined }

/**
 * Reads `destination`'s journal for the batch named `batchOf(root)` (root: the destination's real
 * path) as a real run would load it, its neighbours' too, and nothing else: no directory is made,
 * no file written.
 */
export async function destinationState(
  destination: string,
  shard: { readonly index: number; readonly count: number } | undefined,
  batchOf: (root: string) => string,
): Promise<DestinationState> {
  const root = await realpath(destination).catch(() => undefined)
  if (root === undefined)
    return { journal: NOTHING, entryAt: async () => undefined, unlisted: async () => [] }
  const id = shard === undefined ? batchOf(root) : shardBatchId(batchOf(root), shard)
  const journal = await readBatchJournal(FileBatchJournalStore.in(root, shard), id).catch(
    () => NOTHING,
  )
  return {
    journal,
    // As the run: a record it cannot read removes nothing.
    unlisted: (listed) => unlistedPartState(root, batchOf(root), shard, listed).catch(() => []),
    async entryAt(path) {
      const stats = await lstat(join(root, path)).catch(() => undefined)
      if (stats?.isFile()) return { kind: 'file', size: stats.size }
      // The run refuses a directory in the object's place (is-directory) whatever the flags.
      return stats?.isDirectory() ? { kind: 'directory' } : undefined
    },
  }
}
