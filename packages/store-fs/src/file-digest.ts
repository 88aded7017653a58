import { createHash } from 'node:crypto'
import { type DigestAlgorithm, TargetError } from '@resumable/core'
import type { OpenFile } from './fd-file.ts'

// One reused buffer: the digest of a large file must not leave a trail of garbage behind it.
const PIECE_BYTES = 4 * 1024 * 1024

/**
 * The digest (lower-case hex) of the first `length` bytes of an open file, read in order through
 * one reused buffer and hashed natively (node:crypto: MD5 about 700 MiB/s here against 290 for
 * core's JavaScript).
 */
export async function digestOfFile(
  handle: Pick<OpenFile, 'read'>,
  algorithm: DigestAlgorithm,
  length: number,
  path: string,
  signal?: AbortSignal,
): Promise<string> {
  const hash = createHash(algorithm)
  const piece = new Uint8Array(Math.min(PIECE_BYTES, Math.max(length, 1)))
  for (let offset = 0; offset < length; ) {
    signal?.throwIfAborted()
    const want = Math.min(piece.length, length - offset)
    const { bytesRead } = await handle.read(piece, 0, want, offset)
    if (bytesRead === 0) throw new TargetError('io', `${path} ends before byte ${length}`)
    hash.update(piece.subarray(0, bytesRead))
    offset += bytesRead
  }
  return hash.digest('hex')
}
