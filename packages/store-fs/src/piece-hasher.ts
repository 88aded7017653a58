import { createHash } from 'node:crypto'
import { type DigestAlgorithm, TargetError } from '@resumable/core'

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
 * hashes natively (node:crypto), a MiB at a time through one buffer (no larger than the first
 * span: a small file's digest allocates little). `path` names the file in errors.
 */
export function localHasher(
  algorithms: readonly DigestAlgorithm[],
  readAt: ReadAt,
  path = 'the file',
): PieceHasher {
  const hashes = new Map(algorithms.map((algorithm) => [algorithm, createHash(algorithm)]))
  let buffer: Uint8Array | undefined
  return {
    async hash(position, length) {
      if (buffer === undefined || buffer.length < Math.min(READ_BYTES, length))
        buffer = new Uint8Array(Math.max(1, Math.min(READ_BYTES, length)))
      for (let at = position, end = position + length; at < end; ) {
        const read = await readAt(buffer, Math.min(buffer.length, end - at), at)
        if (read === 0) throw new TargetError('io', `${path} ends before byte ${end}`)
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
