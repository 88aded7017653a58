import { open, rename, stat, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { TargetError } from '@resumable/core'
import { errorCode, toTargetError } from './fs-errors.ts'
import { syncDirectory } from './sync-directory.ts'

/**
 * Replaces `path` with `data` atomically: written to `temp`, fsynced, renamed over `path`, then
 * the directory fsynced, so a reader sees the old bytes or the new, never a mix. `temp` is one
 * fixed name per file (its store has one writer), so a save cut by kill -9 leaves nothing the next
 * save or removal does not clear; it is unlinked first and created exclusively (mode 0600), so
 * never written through a file or symlink already there. `action` names the save in errors;
 * `beforeRename` may refuse the save by throwing, once the bytes are durable, right before they
 * replace the old. Resolves with the identity of the file now at `path`.
 */
export async function replaceFile(
  path: string,
  temp: string,
  data: Uint8Array,
  action: string,
  beforeRename?: () => void,
): Promise<FileIdentity> {
  let saved: FileIdentity
  try {
    await unlink(temp).catch(() => undefined)
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(data)
      await handle.sync()
      const { dev, ino } = await handle.stat()
      saved = { dev, ino }
    } finally {
      await handle.close()
    }
    beforeRename?.()
    await rename(temp, path)
  } catch (error) {
    await unlink(temp).catch(() => undefined)
    throw error instanceof TargetError ? error : toTargetError(error, action, path)
  }
  await syncDirectory(dirname(path))
  return saved
}

/** Which file a path names: its device and inode. */
export interface FileIdentity {
  readonly dev: number
  readonly ino: number
}

/** Removes `path` if it is still the file `saved` names (not one saved there since); never throws. */
export async function removeIfSame(path: string, saved: FileIdentity): Promise<void> {
  const now = await stat(path).catch(() => undefined)
  if (now?.dev === saved.dev && now.ino === saved.ino) await unlink(path).catch(() => undefined)
}

/**
 * Removes `path` and the `temp` a save cut short by kill -9 left (see `replaceFile`); succeeds
 * when neither is there. `action` names the removal in errors.
 */
export async function removeReplaced(path: string, temp: string, action: string): Promise<void> {
  for (const file of [temp, path]) {
    try {
      await unlink(file)
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw toTargetError(error, action, file)
    }
  }
}
