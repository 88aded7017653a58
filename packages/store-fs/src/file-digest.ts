import { open } from 'node:fs/promises'
import { type DigestAlgorithm, TargetError } from '@resumable/core'
import type { OpenFile } from './fd-file.ts'
import { toTargetError } from './fs-errors.ts'
import { localHasher } from './piece-hasher.ts'

/** Bytes between two looks at the signal: a pause stops a long hashing within one of them. */
const STEP_BYTES = 4 * 1024 * 1024

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
  const hasher = localHasher(
    [algorithm],
    async (buffer, want, position) => (await handle.read(buffer, 0, want, position)).bytesRead,
    path,
  )
  for (let offset = 0; offset < length; offset += STEP_BYTES) {
    signal?.throwIfAborted()
    await hasher.hash(offset, Math.min(STEP_BYTES, length - offset))
  }
  return (await hasher.finish()).get(algorithm) as string
}

/** The digest (lower-case hex) of the whole file at `path`, e.g. one already at a destination. */
export async function digestOfPath(path: string, algorithm: DigestAlgorithm): Promise<string> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw toTargetError(error, 'read', path)
  })
  try {
    const { size } = await handle.stat()
    return await digestOfFile(handle, algorithm, size, path)
  } catch (error) {
    throw error instanceof TargetError ? error : toTargetError(error, 'read', path)
  } finally {
    await handle.close()
  }
}
