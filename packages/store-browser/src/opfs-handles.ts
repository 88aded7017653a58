import { TargetError } from '@resumable/core'
import { errorName } from './dom-errors.ts'
import type { OpfsDirectoryHandle, OpfsFileHandle, OpfsStorage } from './web-storage-types.ts'

/** Thrown where the fast path is missing: the main thread, or a browser without sync access handles. */
export function syncHandleMissing(path: string): TargetError {
  return new TargetError(
    'io',
    `OpfsTarget(${path}) needs FileSystemSyncAccessHandle, which browsers expose only in a dedicated ` +
      'worker: run download() in a Worker (see the README of @resumable/store-browser)',
    { path },
  )
}

/** True where file handles have `createSyncAccessHandle` (dedicated workers of current browsers). */
export function hasSyncAccessHandles(): boolean {
  const handle = (globalThis as { FileSystemFileHandle?: { prototype: object } })
    .FileSystemFileHandle
  return handle !== undefined && 'createSyncAccessHandle' in handle.prototype
}

/** The OPFS root, or a typed error where the browser (or an insecure context) has none. */
export async function opfsRoot(path: string): Promise<OpfsDirectoryHandle> {
  const storage = (globalThis as { navigator?: { storage?: Partial<OpfsStorage> } }).navigator
    ?.storage
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
  root: OpfsDirectoryHandle,
  path: string,
): Promise<OpfsDirectoryHandle> {
  let dir = root
  for (const part of path.split('/').filter((p) => p !== '')) {
    dir = await dir.getDirectoryHandle(part, { create: true })
  }
  return dir
}

/**
 * Walks a slash-separated directory path below `root` without creating anything: undefined when a
 * part is missing. Clean-up uses it, so that removing nothing does not leave empty directories.
 */
export async function existingDirectoryAt(
  root: OpfsDirectoryHandle,
  path: string,
): Promise<OpfsDirectoryHandle | undefined> {
  let dir = root
  for (const part of path.split('/').filter((p) => p !== '')) {
    try {
      dir = await dir.getDirectoryHandle(part)
    } catch (error) {
      if (errorName(error) === 'NotFoundError') return undefined
      throw error
    }
  }
  return dir
}

/** The file `name` in `dir`, or undefined when there is none. */
export async function fileIfExists(
  dir: OpfsDirectoryHandle,
  name: string,
): Promise<OpfsFileHandle | undefined> {
  try {
    return await dir.getFileHandle(name)
  } catch (error) {
    if ((error as { name?: unknown }).name === 'NotFoundError') return undefined
    throw error
  }
}
