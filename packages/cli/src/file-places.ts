import { stat } from 'node:fs/promises'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
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
  return { target, checkpoint: store, key: target.id }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}
