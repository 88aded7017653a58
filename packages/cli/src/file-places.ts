import { open, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { looksLikeCheckpoint, TargetError } from '@resumable/core'
import {
  FileCheckpointStore,
  FileTarget,
  isReservedName,
  LOCK_SUFFIX,
  MAX_DESTINATION_NAME_BYTES,
  TEMP_SUFFIX,
} from '@resumable/store-fs'
import type { FilePlaces, FilePlacesMode } from './cli-environment.ts'
import { pathKind } from './path-kind.ts'
import { UsageError } from './usage-error.ts'

const MAX_NAME_BYTES = 255

/** The file Target for `destination` and its checkpoint store (`--checkpoint` may name a file or a directory). */
export async function filePlaces(
  destination: string,
  checkpoint: string | undefined,
  overwrite: boolean,
  mode: FilePlacesMode = {},
): Promise<FilePlaces> {
  checkNameLength(destination, checkpoint)
  if (!mode.inspectOnly) {
    refuseReservedName(destination)
    await refuseFileAsParent(destination)
  }
  const { onLockWatch, remoteTime } = mode
  const target = new FileTarget(destination, {
    overwrite,
    ...(onLockWatch ? { onLockWatch } : {}),
    ...(remoteTime === undefined ? {} : { remoteTime }),
  })
  let store: FileCheckpointStore
  if (checkpoint === undefined) store = new FileCheckpointStore()
  else if (checkpoint.endsWith('/') || (await pathKind(checkpoint)) === 'directory')
    store = new FileCheckpointStore({ dir: checkpoint })
  else {
    await refuseForeignCheckpointFile(checkpoint, target)
    store = new FileCheckpointStore({ file: checkpoint })
  }
  const key = target.id
  return {
    target,
    checkpoint: store,
    key,
    runningDownload: (options) =>
      target.runningDownload({
        ...(options?.watch ? { watch: true } : {}),
        ...(onLockWatch ? { onWatch: onLockWatch } : {}),
      }),
    partialFileProblem: (size) => target.partialFileProblem(size),
    partialFileLength: async () => (await stat(target.tempPath).catch(() => undefined))?.size,
    leftovers: async () => {
      const paths = [target.tempPath, `${target.id}${LOCK_SUFFIX}`, store.pathFor(key)]
      const found = await Promise.all(paths.map(async (p) => ((await pathKind(p)) ? p : undefined)))
      return found.filter((p): p is string => p !== undefined)
    },
  }
}

/**
 * A file where the destination's directory must be (`plain/x.bin`, `plain` a file) is reported as
 * the target reports it, `not-a-directory`, before the checkpoint beside the destination is read:
 * not as a checkpoint that cannot be read.
 */
async function refuseFileAsParent(destination: string): Promise<void> {
  const path = resolve(destination)
  const blocked = await stat(path).then(
    () => false,
    (error: unknown) => (error as { code?: unknown }).code === 'ENOTDIR',
  )
  if (blocked) {
    throw new TargetError(
      'not-a-directory',
      `Could not inspect ${path}: a part of the path is a file, not a directory`,
      { path },
    )
  }
}

/**
 * Refuses a destination named like the files kept beside a download (`x.resumable.json`,
 * `x.resumable-part`, …), whether typed or taken from the source: `status` and `cancel` would
 * take the finished file for another download's partial file or checkpoint, and `cancel` would
 * delete it. A batch refuses such keys for the same reason.
 */
function refuseReservedName(destination: string): void {
  const name = basename(destination)
  if (!isReservedName(name)) return
  throw new UsageError(
    `the destination name ${JSON.stringify(name)} is one resumable gives its own files (partial download, lock, checkpoint, batch journal); give the destination another name (get <source> <dir>/<name>)`,
  )
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

/**
 * A `--checkpoint` file is replaced on every save and deleted at the end: it must not be the
 * destination, its partial file or lock, nor an existing file that is not a checkpoint (a typo
 * must not cost someone's notes).
 */
async function refuseForeignCheckpointFile(checkpoint: string, target: FileTarget): Promise<void> {
  const path = resolve(checkpoint)
  if ([target.id, target.tempPath, `${target.id}${LOCK_SUFFIX}`].includes(path))
    throw new UsageError(
      `--checkpoint ${checkpoint} is the download's own file; give another file name or a directory`,
    )
  let head: Uint8Array
  try {
    const handle = await open(path, 'r')
    try {
      head = new Uint8Array(64)
      head = head.subarray(0, (await handle.read(head, 0, head.length, 0)).bytesRead)
    } finally {
      await handle.close()
    }
  } catch {
    return // Nothing there (or unreadable: the checkpoint store says why when it reads it).
  }
  if (!looksLikeCheckpoint(head))
    throw new UsageError(
      `--checkpoint ${checkpoint} exists and is not a resumable checkpoint; not overwritten (give a new file name or a directory)`,
    )
}
