import { lstat, realpath } from 'node:fs/promises'
import { join } from 'node:path'
import { BatchJournalCodec, type JournalObjectRecord, shardBatchId } from '@resumable/core'
import { FileBatchJournalStore } from '@resumable/store-fs'

/** What a dry run looks at in the destination, read only: the batch's journal and the files there. */
export interface DestinationState {
  /**
   * This batch's own last record of `key` when its journal has one: `done`, or `commit` (a run
   * was publishing it when it stopped).
   */
  done(key: string): JournalObjectRecord | undefined
  /** The size of the regular file at `path` (relative to the destination), or undefined when none is. */
  fileSize(path: string): Promise<number | undefined>
}

/**
 * Reads `destination`'s journal for the batch named `batchOf(root)` (root: the destination's real
 * path), as a real run would load it, and nothing else: no directory is made, no file written.
 * A journal of another batch, or damaged, tells nothing (its records are not this batch's).
 */
export async function destinationState(
  destination: string,
  shard: { readonly index: number; readonly count: number } | undefined,
  batchOf: (root: string) => string,
): Promise<DestinationState> {
  const done = new Map<string, JournalObjectRecord>()
  const root = await realpath(destination).catch(() => undefined)
  if (root !== undefined) {
    const bytes = await FileBatchJournalStore.in(root, shard)
      .load()
      .catch(() => undefined)
    const id = shard === undefined ? batchOf(root) : shardBatchId(batchOf(root), shard)
    const decoded = bytes === undefined ? undefined : BatchJournalCodec.decode(bytes, id)
    if (decoded?.ok)
      // In the order written: the last record of a key is what a run goes by.
      for (const record of decoded.records)
        if (record.batch === undefined) done.set(record.key, record)
  }
  return {
    done: (key) => done.get(key),
    async fileSize(path) {
      if (root === undefined) return undefined
      const stats = await lstat(join(root, path)).catch(() => undefined)
      return stats?.isFile() ? stats.size : undefined
    },
  }
}
