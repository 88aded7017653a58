import {
  isResumableCheckpointFile,
  isResumableLockFile,
  LOCK_SUFFIX,
  TEMP_SUFFIX,
} from '@resumable/store-fs'

/** One download's leftovers (`FilePlaces.leftovers`), sorted by what their contents prove. */
export interface SortedLeftovers {
  /** Files resumable provably wrote: a checkpoint that decodes, a lock that parses, a partial file one of those vouches for. */
  readonly own: string[]
  /** Files only named like them: never removed. */
  readonly lookalikes: string[]
}

/**
 * Sorts `found` (a partial file, lock and checkpoint, each there or not) by evidence: the partial
 * file is resumable's when a checkpoint or lock of resumable's for the same destination is found
 * with it. A `--checkpoint` file is one when it decodes, like the one beside the destination.
 */
export async function sortLeftovers(found: readonly string[]): Promise<SortedLeftovers> {
  const proven = await Promise.all(
    found.map((path) =>
      path.endsWith(TEMP_SUFFIX)
        ? Promise.resolve(false)
        : path.endsWith(LOCK_SUFFIX)
          ? isResumableLockFile(path)
          : isResumableCheckpointFile(path),
    ),
  )
  const vouched = proven.some(Boolean)
  const own = found.filter((path, i) => proven[i] || (vouched && path.endsWith(TEMP_SUFFIX)))
  return { own, lookalikes: found.filter((path) => !own.includes(path)) }
}

/** The line naming files kept because only their names, not their contents, are resumable's. */
export function keptLine(lookalikes: readonly string[]): string {
  return `kept ${lookalikes.length} file(s) named like resumable's that it cannot tell are its own: ${lookalikes.join(', ')}`
}
