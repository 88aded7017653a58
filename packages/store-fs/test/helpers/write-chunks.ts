import { concatBytes } from '@resumable/core'
import type { FileTarget } from '@resumable/store-fs'

/**
 * The target's gather write; on Bun, where a FileTarget has none (the engine copies chunks into
 * its buffer there), one write of the chunks joined.
 */
export function writeChunks(
  target: FileTarget,
  offset: number,
  chunks: readonly Uint8Array[],
): Promise<void> {
  return target.writeChunks
    ? target.writeChunks(offset, chunks)
    : target.write(offset, concatBytes(chunks))
}
