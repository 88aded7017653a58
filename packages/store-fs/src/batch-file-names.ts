import { readdir } from 'node:fs/promises'
import type { Shard } from '@resumable/core'

/** The files a batch keeps in its destination directory. */
export type BatchFileKind = 'lock' | 'staging' | 'dirs' | 'parts' | 'journal'

const PREFIX = '.resumable-batch.'
const NAME = /^\.resumable-batch\.(?:shard-(\d+)-of-(\d+)\.)?(lock|staging|dirs|parts|journal)$/

/**
 * The name of one of a batch's own files in its destination directory: `.resumable-batch.<kind>`
 * for a whole batch, `.resumable-batch.shard-<i>-of-<N>.<kind>` for shard `i/N`. Each shard has
 * files of its own, so the shards of one batch can run into one directory at the same time (the
 * pods of a Kubernetes Indexed Job on one shared volume), each with its own lock and journal.
 *
 * @example
 * batchFileName('journal', { index: 3, count: 16 }) // '.resumable-batch.shard-3-of-16.journal'
 */
export function batchFileName(kind: BatchFileKind, shard?: Shard): string {
  return shard === undefined
    ? `${PREFIX}${kind}`
    : `${PREFIX}shard-${shard.index}-of-${shard.count}.${kind}`
}

/** One batch file found in a directory: what it is, and whose (no shard: a whole batch's). */
export interface BatchFileFound {
  readonly name: string
  readonly kind: BatchFileKind
  readonly shard?: Shard
}

/** What `name` is, when it is the name of a batch's file (`batchFileName`); undefined otherwise. */
export function parseBatchFileName(name: string): BatchFileFound | undefined {
  const match = NAME.exec(name)
  if (!match) return undefined
  const kind = match[3] as BatchFileKind
  if (match[1] === undefined) return { name, kind }
  const shard = { index: Number(match[1]), count: Number(match[2]) }
  return shard.index < shard.count ? { name, kind, shard } : undefined
}

/** Every batch file of `kind` in `dir` (any batch's, any shard's); none when `dir` cannot be read. */
export async function batchFilesIn(dir: string, kind: BatchFileKind): Promise<BatchFileFound[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  const found: BatchFileFound[] = []
  for (const name of names) {
    const file = parseBatchFileName(name)
    if (file?.kind === kind) found.push(file)
  }
  return found.sort((a, b) => a.name.localeCompare(b.name))
}

/** A batch process as its lock names it: its batch, and its shard (none: the whole batch). */
export interface BatchCorner {
  readonly shard?: Shard | undefined
  readonly batch?: string | undefined
}

/** True when two batches may write one directory at the same time: two shards of one split of one batch. */
export function mayRunTogether(a: BatchCorner, b: BatchCorner): boolean {
  return (
    a.shard !== undefined &&
    b.shard !== undefined &&
    a.shard.count === b.shard.count &&
    a.shard.index !== b.shard.index &&
    a.batch === b.batch
  )
}
