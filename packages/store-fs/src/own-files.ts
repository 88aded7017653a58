import { lstat, readFile } from 'node:fs/promises'
import { CheckpointCodec, looksLikeCheckpoint } from '@resumable/core'
import { errorCode, toTargetError } from './fs-errors.ts'
import { parseOwner } from './lock-file.ts'

/**
 * Checkpoints and locks are small; a file far larger is no sidecar of ours, and is not read whole
 * to find that out.
 */
const MAX_SIDECAR_BYTES = 64 * 1024 * 1024

/**
 * True when the file at `path` decodes as a checkpoint (core's `CheckpointCodec`: its header,
 * format version and CRC-64 hold). A file merely named `*.resumable.json` (a user's notes, another
 * tool's JSON) is not one, and tools that clean up (`resumable cancel`) leave it alone. A missing
 * file is not one either (one that cannot be read is a TargetError); one of ours that is damaged, or of a newer format, is. With `tornSave`, a file that begins as a checkpoint does
 * (`looksLikeCheckpoint`: the temporary copy of a save a kill cut short) counts too: weaker
 * evidence, for a `.tmp` whose object something else vouches for.
 *
 * @example
 * ```ts
 * const path = '/data/big.iso.resumable.json'
 * if (await isResumableCheckpointFile(path)) await unlink(path) // never a user's notes.resumable.json
 * ```
 */
export async function isResumableCheckpointFile(
  path: string,
  options: { readonly tornSave?: boolean } = {},
): Promise<boolean> {
  const bytes = await readSmall(path)
  if (bytes === undefined) return false
  // A save killed mid-write leaves its temporary copy cut short: it begins as a checkpoint does.
  if (options.tornSave && looksLikeCheckpoint(bytes)) return true
  return isCheckpointBytes(bytes)
}

/**
 * True when `bytes` are a checkpoint's: they decode, or (damaged, or of a newer format) they still
 * begin with the checkpoint's whole fixed header (`{"format":"resumable-checkpoint","version":`
 * and more), which no file of the user's does.
 */
export function isCheckpointBytes(bytes: Uint8Array): boolean {
  if (bytes.length >= WHOLE_HEADER && looksLikeCheckpoint(bytes)) return true
  try {
    CheckpointCodec.decode(bytes)
    return true
  } catch {
    return false
  }
}

/** Longer than the checkpoint header's fixed start, so `looksLikeCheckpoint` compares all of it. */
const WHOLE_HEADER = 64

/**
 * True when the file at `path` parses as a lock `FileTarget` or `FileBatchStaging` writes (JSON
 * naming its holder's pid and host). A look-alike `*.resumable.lock` is not one. Says nothing of
 * whether its holder still runs (`FileTarget.runningDownload` does).
 */
export async function isResumableLockFile(path: string): Promise<boolean> {
  const bytes = await readSmall(path)
  if (bytes === undefined) return false
  return parseOwner(new TextDecoder().decode(bytes)) !== undefined
}

/**
 * The file's bytes, or undefined when it is missing, not a plain file or too large to be a
 * sidecar. A file that is there but cannot be read (EACCES, EMFILE, EIO) is a TargetError: it
 * proves nothing either way, and calling it "not ours" would leave real state behind as a user's.
 */
async function readSmall(path: string): Promise<Uint8Array | undefined> {
  try {
    // Never through a symlink: nothing of ours is one.
    const info = await lstat(path)
    if (!info.isFile() || info.size > MAX_SIDECAR_BYTES) return undefined
    return new Uint8Array(await readFile(path))
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined
    throw toTargetError(error, 'read', path)
  }
}
