import { stat } from 'node:fs/promises'
import { FileCheckpointStore, FileTarget, LOCK_SUFFIX } from '@resumable/store-fs'
import type { FilePlaces } from './cli-environment.ts'

/** The file Target for `destination` and its checkpoint store (`--checkpoint` may name a file or a directory). */
export async function filePlaces(
  destination: string,
  checkpoint: string | undefined,
  overwrite: boolean,
): Promise<FilePlaces> {
  const target = new FileTarget(destination, { overwrite })
  let store: FileCheckpointStore
  if (checkpoint === undefined) store = new FileCheckpointStore()
  else if (checkpoint.endsWith('/') || (await isDirectory(checkpoint)))
    store = new FileCheckpointStore({ dir: checkpoint })
  else store = new FileCheckpointStore({ file: checkpoint })
  const key = target.id
  return {
    target,
    checkpoint: store,
    key,
    runningDownload: () => target.runningDownload(),
    leftovers: async () => {
      const paths = [target.tempPath, `${target.id}${LOCK_SUFFIX}`, store.pathFor(key)]
      const found = await Promise.all(paths.map(async (p) => ((await exists(p)) ? p : undefined)))
      return found.filter((p): p is string => p !== undefined)
    },
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
