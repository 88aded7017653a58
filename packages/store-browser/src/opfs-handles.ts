/// <reference lib="dom" />
import { TargetError } from '@resumable/core'

/**
 * The synchronous access handle of a dedicated worker (lib.webworker types it; lib.dom does not).
 * Since Chromium 108, Firefox 111 and Safari 17 every method but `close` is synchronous.
 */
export interface SyncAccessHandle {
  read(buffer: Uint8Array, options: { at: number }): number
  write(buffer: Uint8Array, options: { at: number }): number
  truncate(size: number): void
  getSize(): number
  flush(): void
  close(): void
}

/** A file handle with the members lib.dom leaves out (worker-only, or newer than the lib). */
export interface OpfsFileHandle extends FileSystemFileHandle {
  createSyncAccessHandle?: () => Promise<SyncAccessHandle>
  move?: (newName: string) => Promise<void>
}

/** Thrown where the fast path is missing: the main thread, or a browser without sync access handles. */
export function syncHandleMissing(path: string): TargetError {
  return new TargetError(
    'io',
    `OpfsTarget(${path}) needs FileSystemSyncAccessHandle, which browsers expose only in a dedicated ` +
      'worker: run download() in a Worker (see the README of @resumable/store-browser)',
    { path },
  )
}

/** The OPFS root, or a typed error where the browser (or an insecure context) has none. */
export async function opfsRoot(path: string): Promise<FileSystemDirectoryHandle> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage
  if (typeof storage?.getDirectory !== 'function') {
    throw new TargetError(
      'permission',
      `OpfsTarget(${path}): this context has no Origin Private File System ` +
        '(navigator.storage.getDirectory is missing: an insecure http: origin, or not a browser)',
      { path },
    )
  }
  return storage.getDirectory()
}

/** Walks (creating) a slash-separated directory path below `root`. */
export async function directoryAt(
  root: FileSystemDirectoryHandle,
  path: string,
): Promise<FileSystemDirectoryHandle> {
  let dir = root
  for (const part of path.split('/').filter((p) => p !== '')) {
    dir = await dir.getDirectoryHandle(part, { create: true })
  }
  return dir
}

/** The file `name` in `dir`, or undefined when there is none. */
export async function fileIfExists(
  dir: FileSystemDirectoryHandle,
  name: string,
): Promise<OpfsFileHandle | undefined> {
  try {
    return (await dir.getFileHandle(name)) as OpfsFileHandle
  } catch (error) {
    if ((error as { name?: unknown }).name === 'NotFoundError') return undefined
    throw error
  }
}
