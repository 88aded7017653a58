import { open } from 'node:fs/promises'

/**
 * fsyncs a directory so a rename in it survives power loss. Some runtimes or filesystems cannot
 * open a directory for sync (EISDIR, EPERM, EINVAL): then the rename is as durable as the OS makes
 * it, which is the best available there.
 */
export async function syncDirectory(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    handle = await open(path, 'r')
    await handle.sync()
  } catch {
    // Best effort: see above.
  } finally {
    await handle?.close().catch(() => undefined)
  }
}
