import { createHash } from 'node:crypto'
import type { DigestAlgorithm } from '@resumable/core'

/** Hashes a file's bytes in order, span after span, with several algorithms at once. */
export interface PieceHasher {
  /** Reads bytes [position, position + length) of the file, right after the last span, into every hash. */
  hash(position: number, length: number): Promise<void>
  /** The digests (lower-case hex) of every byte hashed; no span comes after. */
  finish(): Promise<ReadonlyMap<DigestAlgorithm, string>>
  /** Lets go of the hashes (and anything held for them); no call comes after. */
  close(): void
}

/** Reads up to `length` bytes at `position` into `buffer`; resolves to how many it read. */
export type ReadAt = (buffer: Uint8Array, length: number, position: number) => Promise<number>

/** Bytes read at a time, through one reused buffer. */
const READ_BYTES = 1024 * 1024

/**
 * A {@link PieceHasher} on the calling thread: reads through `readAt` (the runtime's pool) and
 * hashes natively (node:crypto), a MiB at a time.
 */
export function localHasher(algorithms: readonly DigestAlgorithm[], readAt: ReadAt): PieceHasher {
  const hashes = new Map(algorithms.map((algorithm) => [algorithm, createHash(algorithm)]))
  let buffer: Uint8Array | undefined
  return {
    async hash(position, length) {
      buffer ??= new Uint8Array(READ_BYTES)
      for (let at = position, end = position + length; at < end; ) {
        const read = await readAt(buffer, Math.min(buffer.length, end - at), at)
        if (read === 0) throw new Error(`the file ends before byte ${end}`)
        const piece = buffer.subarray(0, read)
        for (const hash of hashes.values()) hash.update(piece)
        at += read
      }
    },
    async finish() {
      return new Map([...hashes].map(([algorithm, hash]) => [algorithm, hash.digest('hex')]))
    },
    close() {
      buffer = undefined
    },
  }
}
