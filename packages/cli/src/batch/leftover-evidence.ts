import { join } from 'node:path'
import { BatchJournalCodec } from '@resumable/core'
import {
  batchFilesIn,
  FileBatchJournalStore,
  isResumableCheckpointFile,
  isResumableLockFile,
  partsRecordedIn,
} from '@resumable/store-fs'

/** A file under a batch directory named like one resumable keeps beside an object. */
export interface NamedLeftover {
  /** Its path relative to the directory, `/`-separated. */
  readonly rel: string
  /** The object's path it belongs to, relative to the directory. */
  readonly object: string
  readonly kind: 'part' | 'checkpoint' | 'lock'
}

/**
 * Which of `candidates` resumable provably wrote, and which only carry its names. A checkpoint (or
 * its temporary copy) counts when it decodes, a lock when it parses as one; a partial file when a
 * checkpoint or lock of ours for its object sits beside it, or a parts record or journal of the
 * directory names its object. Names alone prove nothing: a user's `notes.resumable.json` is theirs.
 */
export async function sortByEvidence(
  dir: string,
  candidates: readonly NamedLeftover[],
): Promise<{ own: NamedLeftover[]; lookalikes: NamedLeftover[] }> {
  const sidecars = candidates.filter((c) => c.kind !== 'part' && !isTemporary(c))
  const proven = await mapAtMost(sidecars, READS_AT_ONCE, (c) =>
    c.kind === 'lock'
      ? isResumableLockFile(join(dir, c.rel))
      : isResumableCheckpointFile(join(dir, c.rel)),
  )
  const owned = new Set(sidecars.filter((_, i) => proven[i]))
  const vouched = new Set([...owned].map((c) => c.object))
  const parts = candidates.filter((c) => c.kind === 'part')
  // The records are read only when a sidecar alone does not settle some file.
  const unsettled = candidates.some(
    (c) => (c.kind === 'part' || isTemporary(c)) && !vouched.has(c.object),
  )
  const named = unsettled
    ? new Set([...(await partsRecordedIn(dir)), ...(await journalPaths(dir))])
    : new Set<string>()
  for (const c of parts) if (vouched.has(c.object) || named.has(c.object)) owned.add(c)
  // A checkpoint's temporary copy: whole, it is proof itself; cut short by a kill, it counts when
  // it begins as a checkpoint does and something else vouches for its object.
  for (const c of candidates.filter(isTemporary)) {
    const path = join(dir, c.rel)
    const backed = vouched.has(c.object) || named.has(c.object)
    if (await isResumableCheckpointFile(path, { tornSave: backed })) owned.add(c)
  }
  return {
    own: candidates.filter((c) => owned.has(c)),
    lookalikes: candidates.filter((c) => !owned.has(c)),
  }
}

/**
 * Sidecars read at once: a directory a killed batch left thousands of leftovers in must not open
 * them all together (EMFILE), nor hold them all in memory.
 */
const READS_AT_ONCE = 8

/** `read` of each item, in order, at most `limit` at a time. */
async function mapAtMost<T, R>(
  items: readonly T[],
  limit: number,
  read: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await read(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/** True for a checkpoint's temporary copy (`.<name>.resumable.json.tmp`). */
function isTemporary(c: NamedLeftover): boolean {
  return c.kind === 'checkpoint' && c.rel.endsWith('.tmp')
}

/** The object paths the directory's journals (the batch's and each shard's) record. */
async function journalPaths(dir: string): Promise<string[]> {
  const paths: string[] = []
  for (const file of await batchFilesIn(dir, 'journal').catch(() => [])) {
    const bytes = await FileBatchJournalStore.in(dir, file.shard)
      .load()
      .catch(() => undefined)
    if (bytes === undefined) continue
    const decoded = BatchJournalCodec.decode(bytes)
    if (!decoded.ok) continue
    for (const record of decoded.records) if (record.path !== undefined) paths.push(record.path)
  }
  return paths
}
