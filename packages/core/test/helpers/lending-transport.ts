import assert from 'node:assert/strict'
import type { ReadRequest, ReadResponse, Transport } from '@resumable/core'

const BLOCK = 48 * 1024

/** How many chunks the engine kept, how many of those it let go, and the blocks lent. */
export interface KeepCounts {
  kept: number
  released: number
  readonly blocks: Set<ArrayBufferLike>
}

/** Options for `lendingTransport`. */
export interface LendingOptions {
  /** Counted as the engine keeps and lets go of chunks. */
  readonly counts?: KeepCounts
  /** The `keep()` call (from 0) that throws, as the Node wire's does once its body was let go. */
  readonly refuse?: number
  /** Blocks of shared memory, as Node's socket wire lends its slabs. @default false */
  readonly shared?: boolean
  /** Offer `keep` (as the Node wire does); without it every chunk must be copied. @default true */
  readonly offersKeep?: boolean
}

/**
 * Lends every chunk from a pool of blocks and lets the reader keep one (`keep`): asking for the
 * next chunk scribbles over the last one and reuses it unless it is kept, and a block let go is
 * scribbled over at once. An engine that used a chunk it did not keep, or after letting it go,
 * writes (or checksums) the scribble.
 */
export function lendingTransport(inner: Transport, options: LendingOptions = {}): Transport {
  const { counts, refuse, shared = false, offersKeep = true } = options
  let calls = 0
  return {
    id: inner.id,
    stat: (statOptions) => inner.stat(statOptions),
    async read(request: ReadRequest): Promise<ReadResponse> {
      const response = await inner.read(request)
      const upstream = response.body as AsyncIterable<Uint8Array>
      const free: Uint8Array[] = []
      const kept = new Set<Uint8Array>()
      let current: Uint8Array | undefined
      const make = (): Uint8Array =>
        new Uint8Array(shared ? new SharedArrayBuffer(BLOCK) : new ArrayBuffer(BLOCK))
      const recycle = (block: Uint8Array): void => {
        block.fill(0xee)
        free.push(block)
      }
      async function* lent(): AsyncGenerator<Uint8Array> {
        for await (const chunk of upstream) {
          for (let at = 0; at < chunk.length; at += BLOCK) {
            const piece = chunk.subarray(at, at + BLOCK)
            if (current && !kept.has(current)) recycle(current)
            current = free.pop() ?? make()
            counts?.blocks.add(current.buffer)
            current.set(piece)
            yield current.subarray(0, piece.length)
          }
        }
        // The body ended: its last block goes back for the next response, unless kept.
        if (current && !kept.has(current)) recycle(current)
      }
      const keep = (chunk: Uint8Array): (() => void) => {
        if (calls++ === refuse) throw new Error('keep() after the body was let go')
        const block = current
        assert.ok(block && chunk.buffer === block.buffer, 'keep() of a chunk other than the last')
        kept.add(block)
        if (counts) counts.kept++
        let held = true
        return () => {
          if (!held) return
          held = false
          if (counts) counts.released++
          kept.delete(block)
          // The last block lent is recycled when the next chunk is asked for; scribbled now.
          if (block !== current) recycle(block)
          else block.fill(0xee)
        }
      }
      return offersKeep
        ? { ...response, body: lent(), chunksLent: true, keep }
        : { ...response, body: lent(), chunksLent: true }
    },
  }
}
