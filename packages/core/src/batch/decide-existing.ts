import type { ChecksumAlgorithm } from '../crc/algorithm.ts'
import { compositeCrc, formatCrcHex } from '../crc/index.ts'
import type { ExpectedDigest } from '../digest.ts'
import { TargetError } from '../errors/target-error.ts'
import type { ObjectChecksum, ObjectInfo } from '../ports.ts'
import type { SkipReason } from './batch-events.ts'
import type { BatchObjectIO, BatchOptions } from './batch-options.ts'
import type { JournalEntry } from './journal.ts'
import type { JournalObjectRecord } from './journal-codec.ts'
import type { ListedObject } from './lister.ts'

/**
 * The digest of the whole object to compare a file with when the store gives no CRC: the one it
 * was listed with (a manifest line, a checksum file), else the SHA or MD5 the store vouches for.
 */
function wholeDigest(object: ListedObject, info: ObjectInfo): ExpectedDigest | undefined {
  if (object.digest) return object.digest
  if (info.digest) return info.digest
  return info.md5 === undefined ? undefined : { algorithm: 'md5', value: info.md5 }
}

/** A file found to be the object (`skipExisting`), recorded with the CRC to know it by later. */
function sameContent(
  object: ListedObject,
  info: ObjectInfo,
  crc?: { readonly algorithm: ChecksumAlgorithm; readonly value: string },
): ExistingDecision {
  return {
    action: 'skip',
    reason: 'same-content',
    bytes: info.size,
    record: {
      type: 'done',
      key: object.key,
      size: info.size,
      ...(info.etag === undefined ? {} : { etag: info.etag }),
      ...(crc === undefined ? {} : { crc }),
    },
  }
}

/** What to do with an object whose journal entry did not already settle it. */
export type ExistingDecision =
  | {
      readonly action: 'skip'
      readonly reason: SkipReason
      readonly bytes: number
      /** Recorded so a later run need not look again. */
      readonly record?: JournalObjectRecord
      /** The file was renamed into place by a run that died before cleaning up after it. */
      readonly leftovers?: boolean
    }
  | { readonly action: 'download'; readonly overwrite: boolean }

/**
 * Decides about a file already at the destination. In order: a file the journal was about to
 * publish is ours (its CRC says whether the rename happened); `skipExisting` skips a file with
 * the object's size and CRC (without one, its MD5 or SHA); `update` replaces only an older or differently sized file;
 * `overwrite` replaces anything. Otherwise an existing file is never touched: the object fails
 * with a TargetError of kind `exists` whose `remedies` are the options of these not given.
 * `answered` is called whenever the store answers one of its HEADs.
 */
export async function decideExisting(
  io: BatchObjectIO,
  object: ListedObject,
  entry: JournalEntry | undefined,
  options: BatchOptions,
  signal: AbortSignal,
  answered: () => void = () => {},
): Promise<ExistingDecision> {
  // The store's answer to a HEAD is a sign of life, as its answer to a GET is (store outages).
  const stat = async (): Promise<ObjectInfo> => {
    const info = await io.transport.stat({ signal })
    answered()
    return info
  }
  const local = await io.existing()
  if (!local) return { action: 'download', overwrite: false }
  const commit = entry?.commit
  if (commit) {
    if (commit.crc && commit.size === local.size) {
      const { algorithm } = commit.crc
      const crc = formatCrcHex(algorithm, await io.existingChecksum(algorithm))
      if (crc === commit.crc.value)
        return {
          action: 'skip',
          reason: 'done',
          bytes: local.size,
          record: { ...commit, type: 'done' },
          leftovers: true,
        }
    }
    // The batch itself was replacing this file when it stopped: finishing that is no surprise.
    return { action: 'download', overwrite: true }
  }
  // Why skipExisting did not skip, for the failure below.
  let notSame = 'of another size'
  /** Why the file could not be told apart from the object, when it could not. */
  let unknowable = ''
  if (options.skipExisting && (object.size === undefined || object.size === local.size)) {
    const info = await stat()
    // An object of unknown length (size 0, a placeholder) is no file's size.
    const sameSize = info.sizeKnown !== false && info.size === local.size
    const crc = sameSize && info.checksum ? await fileCrc(io, info.checksum) : undefined
    // Without a CRC, the MD5 or SHA the store vouches for, or the one the object was listed with.
    const digest =
      sameSize && !info.checksum && io.existingDigest ? wholeDigest(object, info) : undefined
    if (info.sizeKnown === false) {
      notSame = ''
      unknowable = ", and the store does not say the object's size to compare it with"
    } else if (info.size !== local.size) notSame = 'of another size'
    else if (crc === undefined && digest !== undefined) {
      const actual = await io.existingDigest?.(digest.algorithm)
      if (actual === digest.value) return sameContent(object, info)
      notSame = `of the same size but another ${digest.algorithm}`
    } else if (crc === undefined) {
      notSame = 'of the same size'
      unknowable = ', but the store gives no CRC, and the object no digest, to compare it with'
    } else if (crc !== info.checksum?.value) notSame = 'of the same size but another CRC'
    else {
      const { algorithm, uploadParts } = info.checksum
      // A composite is not the file's CRC: nothing to recognise the file by later.
      return sameContent(
        object,
        info,
        uploadParts ? undefined : { algorithm, value: formatCrcHex(algorithm, crc) },
      )
    }
  }
  if (options.update) {
    let { size, lastModified } = object
    // A manifest line may give neither: the store does (one HEAD), or every file would count as older.
    if (size === undefined || lastModified === undefined) {
      const info = await stat()
      size = info.size
      lastModified = info.lastModified
    }
    const modified = lastModified === undefined ? Number.NaN : Date.parse(lastModified)
    // In whole seconds: a file takes its time from a Last-Modified header, which has no finer
    // unit, while a listing may give milliseconds (MinIO, R2, GCS); the same time must not count
    // as newer.
    const newer =
      Number.isNaN(modified) || Math.floor(modified / 1000) > Math.floor(local.modifiedMs / 1000)
    if (size === local.size && !newer)
      return { action: 'skip', reason: 'up-to-date', bytes: local.size }
    return { action: 'download', overwrite: true }
  }
  if (options.overwrite) return { action: 'download', overwrite: true }
  // update and overwrite returned above: only the options not given can be remedies.
  if (options.skipExisting)
    throw new TargetError(
      'exists',
      `a file ${notSame === '' ? '' : `${notSame} `}is already at the destination${unknowable}; not overwritten (see overwrite, update)`,
      { remedies: ['update', 'overwrite'] },
    )
  // skipExisting skips only a file of the object's size: for one of another size it cannot help.
  // A manifest line may give no size: one HEAD, as `update` makes, tells (a failed one tells nothing).
  const size =
    object.size ??
    (await stat().then(
      (info) => info.size,
      (error: unknown) => {
        if (signal.aborted) throw error
        return undefined
      },
    ))
  if (size !== undefined && size !== local.size)
    throw new TargetError(
      'exists',
      'a file of another size is already at the destination; not overwritten (see update, overwrite)',
      { remedies: ['update', 'overwrite'] },
    )
  throw new TargetError(
    'exists',
    'a file is already at the destination; not overwritten (see skipExisting, update, overwrite)',
    { remedies: ['skipExisting', 'update', 'overwrite'] },
  )
}

/**
 * The file's CRC computed as the store computed `checksum`: over the whole file, or for S3's
 * composite of a multipart upload, from the CRCs of its upload-sized pieces. Undefined when the
 * IO cannot read pieces.
 */
async function fileCrc(io: BatchObjectIO, checksum: ObjectChecksum): Promise<bigint | undefined> {
  const { algorithm, uploadParts } = checksum
  if (!uploadParts) return io.existingChecksum(algorithm)
  if (!io.existingPartChecksums) return undefined
  return compositeCrc(algorithm, await io.existingPartChecksums(algorithm, uploadParts.size))
}
