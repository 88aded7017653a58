import { open, rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { TargetError } from '@resumable/core'
import { errorCode, toTargetError } from './fs-errors.ts'
import { syncDirectory } from './sync-directory.ts'

/**
 * Replaces `path` with `data` atomically: written to `temp`, fsynced, renamed over `path`, then
 * the directory fsynced, so a reader sees the old bytes or the new, never a mix. `temp` is one
 * fixed name per file (its store has one writer), so a save cut by kill -9 leaves nothing the next
 * save or removal does not clear; it is unlinked first and created exclusively (mode 0600), so
 * never written through a file or symlink already there. `action` names the save in errors.
 */
export async function replaceFile(
  path: string,
  temp: string,
  data: Uint8Array,
  action: string,
): Promise<void> {
  try {
    await unlink(temp).catch(() => undefined)
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (error) {
    await unlink(temp).catch(() => undefined)
    throw error instanceof TargetError ? error : toTargetError(error, action, path)
  }
  await syncDirectory(dirname(path))
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
