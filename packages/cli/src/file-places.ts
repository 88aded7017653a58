import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import {
  FileCheckpointStore,
  FileTarget,
  LOCK_SUFFIX,
  MAX_DESTINATION_NAME_BYTES,
  TEMP_SUFFIX,
} from '@resumable/store-fs'
import type { FilePlaces } from './cli-environment.ts'
import { UsageError } from './command-line.ts'

const MAX_NAME_BYTES = 255

/** The file Target for `destination` and its checkpoint store (`--checkpoint` may name a file or a directory). */
export async function filePlaces(
  destination: string,
  checkpoint: string | undefined,
  overwrite: boolean,
): Promise<FilePlaces> {
  checkNameLength(destination, checkpoint)
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

/**
 * Refuses a destination name whose partial file or lock (+15 bytes), or checkpoint kept beside it
 * (its temporary copy: +20), would pass the 255-byte limit of a file name: the download would
 * otherwise fail at its first checkpoint with ENAMETOOLONG on a file the user never named.
 */
function checkNameLength(destination: string, checkpoint: string | undefined): void {
  const name = basename(destination)
  const bytes = Buffer.byteLength(name)
  const beside = checkpoint === undefined
  const limit = beside
    ? MAX_DESTINATION_NAME_BYTES
    : MAX_NAME_BYTES - Math.max(TEMP_SUFFIX.length, LOCK_SUFFIX.length)
  if (bytes <= limit) return
  throw new UsageError(
    `the destination name is ${bytes} bytes; at most ${limit} leave room for the files kept beside it (${name.slice(0, 16)}…${TEMP_SUFFIX}${beside ? ', its checkpoint' : ''}) within the 255-byte limit of a file name: choose a shorter name${beside && bytes <= MAX_NAME_BYTES - TEMP_SUFFIX.length ? ', or keep the checkpoint elsewhere (--checkpoint <dir>)' : ''}`,
  )
}
