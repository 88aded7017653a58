import { open } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import {
  type BatchObjectIO,
  type ChecksumAlgorithm,
  crc as crcOf,
  type ExistingFile,
  type Transport,
} from '@resumable/core'
import type { FileBatchStaging } from './file-batch-staging.ts'
import { FileCheckpointStore } from './file-checkpoint-store.ts'
import { digestOfPath } from './file-digest.ts'
import { TEMP_SUFFIX } from './file-suffixes.ts'
import { BEFORE_LOCK, DESTINATION_PROBED, FileTarget, UNDER_LOCK } from './file-target.ts'
import { toTargetError } from './fs-errors.ts'
import { LOCK_SUFFIX } from './lock-file.ts'
import { lstatOrUndefined, statOrUndefined } from './probe.ts'
import { resolveAndProbe } from './safe-destination.ts'

/** Options for `fileBatchObject`. */
export interface FileBatchObjectOptions {
  /** Where part checkpoints live. @default next to each file (`<file>.resumable.json`) */
  readonly checkpoints?: FileCheckpointStore
  /** Passed to every FileTarget. */
  readonly preallocate?: boolean
  /** Passed to every FileTarget: false keeps the time a file was written. @default true */
  readonly remoteTime?: boolean
  /** `root` is already a real path (from `realpath`): it is not resolved again for every object. */
  readonly rootIsReal?: boolean
  /**
   * The batch's staging directory under `root`: an object fetched in one request keeps its
   * temporary file there, with no lock file, unless its directory is on another filesystem (a
   * mount inside the destination). It also records the directories made for the object, so
   * that `close` removes those left empty (a killed run's too: the record is a file).
   * @default beside the file, under a lock, like the rest
   */
  readonly staging?: FileBatchStaging
  /**
   * The batch's directories proved inside `root` (`resolveInside`'s `provenDirectories`): one map
   * for all its objects, so each directory is checked once per run, not once per object under it.
   * @default each object checks every directory on its way
   */
  readonly provenDirectories?: Map<string, string>
}

/**
 * Builds one batch object's file adapters under `root`: its path resolved safely (`resolveInside`),
 * a FileTarget, a FileCheckpointStore, and the probes `skipExisting` and crash recovery use.
 *
 * @example
 * const summary = await downloadMany({
 *   id, prefix, objects: lister, journal: FileBatchJournalStore.in('/data'),
 *   open: ({ key, segments }) => fileBatchObject('/data', segments, transportFor(key), { key }),
 * })
 */
export async function fileBatchObject(
  root: string,
  segments: readonly string[],
  transport: Transport,
  options: FileBatchObjectOptions & { readonly key?: string } = {},
): Promise<BatchObjectIO> {
  const { staging } = options
  const { path, found } = await resolveAndProbe(root, segments, {
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.rootIsReal ? { rootIsReal: true } : {}),
    ...(options.provenDirectories ? { provenDirectories: options.provenDirectories } : {}),
    ...(staging === undefined
      ? {}
      : {
          onCreating: (dir: string) => staging.directoryCreating(dir),
          onCreated: (dir: string) => staging.directoryCreated(dir),
        }),
  })
  let nothingThere = found === undefined
  const checkpoints = options.checkpoints ?? new FileCheckpointStore()
  return {
    transport,
    target: ({ overwrite, singleRequest }) => {
      const privately =
        singleRequest && staging?.sharesFilesystemWith(dirname(path)) ? staging : undefined
      return new FileTarget(path, {
        overwrite,
        ...(options.preallocate ? { preallocate: true } : {}),
        ...(options.remoteTime === undefined ? {} : { remoteTime: options.remoteTime }),
        ...(privately ? { privateTempPath: privately.tempPath() } : {}),
        // The path's resolution just found nothing there (a private temporary file is published
        // by a link, which never replaces a file that appeared since).
        ...(privately && found === undefined ? { [DESTINATION_PROBED]: true } : {}),
        ...(privately ? { [UNDER_LOCK]: privately.lock } : {}),
        // Beside the file, under a lock of its own: named first, so that a later run may remove
        // this state should the object leave the listing (`FileBatchStaging.removeUnlisted`).
        ...(staging && !privately
          ? { [BEFORE_LOCK]: () => staging.partsStarting(path, segments.join('/'), transport.id) }
          : {}),
      })
    },
    checkpoint: checkpoints,
    // What a parts download leaves when killed: its lock first (taken before anything else and
    // released last), else its partial file or checkpoint. A live lock counts too: the parts path
    // then refuses the object (`locked`) rather than publish beside another process's download.
    interrupted: async () => {
      const id = resolve(path)
      return [`${id}${LOCK_SUFFIX}`, `${id}${TEMP_SUFFIX}`, checkpoints.pathFor(id)].some(
        (sidecar) => lstatOrUndefined(sidecar) !== undefined,
      )
    },
    existing: () => {
      // The batch asks right after this: nothing was at the path a moment ago, so no stat yet.
      if (!nothingThere) return existingFile(path)
      nothingThere = false
      return Promise.resolve(undefined)
    },
    existingChecksum: (algorithm) => fileChecksum(path, algorithm),
    existingPartChecksums: (algorithm, partSize) => fileChecksums(path, algorithm, partSize),
    existingDigest: (algorithm) => digestOfPath(path, algorithm),
  }
}

/** Size and mtime of a regular file, or undefined when there is none. */
export async function existingFile(path: string): Promise<ExistingFile | undefined> {
  let info: ReturnType<typeof statOrUndefined>
  try {
    info = statOrUndefined(path)
  } catch (error) {
    throw toTargetError(error, 'inspect', path)
  }
  return info?.isFile() ? { size: info.size, modifiedMs: info.mtimeMs } : undefined
}

/** The CRC of a whole file, read in 1 MiB chunks. */
export async function fileChecksum(path: string, algorithm: ChecksumAlgorithm): Promise<bigint> {
  return (await fileChecksums(path, algorithm))[0] ?? 0n
}

/**
 * The CRCs of a file's consecutive pieces of `pieceSize` bytes (the last shorter), read once in
 * 1 MiB chunks; one CRC of the whole file without `pieceSize`.
 */
export async function fileChecksums(
  path: string,
  algorithm: ChecksumAlgorithm,
  pieceSize: number = Number.POSITIVE_INFINITY,
): Promise<bigint[]> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw toTargetError(error, 'read', path)
  })
  try {
    const buffer = new Uint8Array(1024 * 1024)
    const crcs: bigint[] = []
    let crc = 0n
    let inPiece = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null)
      if (bytesRead === 0) break
      for (let at = 0; at < bytesRead; ) {
        const take = Math.min(bytesRead - at, pieceSize - inPiece)
        crc = crcOf(algorithm, buffer.subarray(at, at + take), crc)
        at += take
        inPiece += take
        if (inPiece === pieceSize) {
          crcs.push(crc)
          crc = 0n
          inPiece = 0
        }
      }
    }
    if (inPiece > 0 || crcs.length === 0) crcs.push(crc)
    return crcs
  } finally {
    await handle.close()
  }
}
