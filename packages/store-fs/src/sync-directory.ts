import { FdFile, type OpenFile } from './fd-file.ts'

/** Per directory: the fsync running now, and the one queued to start after it. */
interface DirectorySyncs {
  running: Promise<void>
  next?: Promise<void>
}

const syncs = new Map<string, DirectorySyncs>()

/**
 * fsyncs a directory so a rename in it survives power loss. Some runtimes or filesystems cannot
 * open a directory for sync (EISDIR, EPERM, EINVAL): then the rename is as durable as the OS makes
 * it, which is the best available there.
 *
 * Group commit: callers that arrive while an fsync of the same directory is running share the
 * next one, which starts after it ends, so it covers every rename they made before calling. A
 * batch of small objects committing into one directory then costs a few fsyncs, not one each,
 * and no caller resolves before an fsync that began after its rename has finished.
 */
export function syncDirectory(path: string): Promise<void> {
  const current = syncs.get(path)
  if (!current) {
    const entry: DirectorySyncs = { running: syncNow(path).finally(() => advance(path, entry)) }
    syncs.set(path, entry)
    return entry.running
  }
  current.next ??= current.running.then(() => syncNow(path))
  return current.next
}

/** The running fsync ended: the queued one (if any) becomes the running one. */
function advance(path: string, entry: DirectorySyncs): void {
  if (syncs.get(path) !== entry) return
  const { next } = entry
  if (next === undefined) {
    syncs.delete(path)
    return
  }
  const following: DirectorySyncs = { running: next.finally(() => advance(path, following)) }
  syncs.set(path, following)
}

async function syncNow(path: string): Promise<void> {
  let directory: OpenFile | undefined
  try {
    // Opened and closed synchronously while such calls are quick (QuickCalls).
    directory = await FdFile.openDirectory(path)
    await directory.sync()
  } catch {
    // Best effort: see above.
  } finally {
    await directory?.close().catch(() => undefined)
  }
}
