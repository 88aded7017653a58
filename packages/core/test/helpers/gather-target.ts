import type { Target } from '@resumable/core'
import { MemoryTarget } from '@resumable/store-memory'

/** A MemoryTarget that also takes gather writes, as FileTarget does, and counts which kind the engine used. */
export class GatherTarget extends MemoryTarget implements Target {
  gathered = 0
  single = 0
  /** The memory of every chunk handed to writeChunks. */
  readonly gatheredFrom = new Set<ArrayBufferLike>()
  override write(offset: number, data: Uint8Array): Promise<void> {
    this.single++
    return super.write(offset, data)
  }
  async writeChunks(offset: number, chunks: readonly Uint8Array[]): Promise<void> {
    this.gathered++
    let at = offset
    for (const chunk of chunks) {
      this.gatheredFrom.add(chunk.buffer)
      await super.write(at, chunk)
      at += chunk.length
    }
  }
}
