import { Md5 } from './md5.ts'
import type { Target } from './ports.ts'

/** Read-back pieces: large enough that per-call costs vanish, small enough to stay off the heap's radar. */
export const READ_BACK_BYTES: number = 1024 * 1024

/** The MD5 of the target's first `size` bytes, read back in order and hashed in JavaScript. */
export async function readBackMd5(
  target: Target,
  size: number,
  signal?: AbortSignal,
): Promise<string> {
  const md5 = new Md5()
  for (let offset = 0; offset < size; offset += READ_BACK_BYTES) {
    signal?.throwIfAborted()
    md5.update(await target.read(offset, Math.min(READ_BACK_BYTES, size - offset)))
  }
  return md5.hex()
}
