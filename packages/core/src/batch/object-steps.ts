import type { ChecksumAlgorithm } from '../crc/algorithm.ts'
import { formatCrcHex } from '../crc/index.ts'
import { KeyRefusedError } from '../errors/key-refused-error.ts'
import { isResumableError } from '../errors/resumable-error.ts'
import { type ExistsRemedy, TargetError } from '../errors/target-error.ts'
import { isTransportError } from '../errors/transport-error.ts'
import type { DownloadEvent } from '../events.ts'
import type { Target } from '../ports.ts'
import type { Verification } from '../verify.ts'
import type { BatchFailure, BatchListingFailure, FailureDetails } from './batch-events.ts'
import type { BatchObjectIO } from './batch-options.ts'
import type { JournalObjectRecord } from './journal-codec.ts'
import type { ListedObject } from './lister.ts'

/**
 * A run killed between an object's rename and the end of its download leaves its lock and part
 * checkpoint behind; aborting a fresh Target (no temp file is left after a rename) and removing
 * the checkpoint tidies them, as the finished download would have.
 */
export async function removeLeftovers(io: BatchObjectIO): Promise<void> {
  const target = io.target({ overwrite: false })
  await target.abort({ keep: false })
  if (io.checkpoint) await io.checkpoint.remove(io.checkpointKey ?? target.id)
}

/**
 * True when a killed run left this object's part state (`BatchObjectIO.interrupted`; without it,
 * anything its part checkpoint store holds for it).
 */
export async function interruptedBefore(io: BatchObjectIO): Promise<boolean> {
  if (io.interrupted) return io.interrupted()
  if (!io.checkpoint) return false
  const key = io.checkpointKey ?? io.target({ overwrite: false }).id
  return (await io.checkpoint.load(key)) !== undefined
}

export function record(
  type: 'commit' | 'done',
  location: { readonly key: string; readonly path: string },
  info: (DownloadEvent & { type: 'start' }) | undefined,
  verified: (DownloadEvent & { type: 'verified' }) | undefined,
): JournalObjectRecord {
  const crc = fileCrc(verified?.verification)
  return {
    type,
    key: location.key,
    path: location.path,
    size: info?.object.size ?? 0,
    ...(info?.object.etag === undefined ? {} : { etag: info.object.etag }),
    ...(crc === undefined
      ? {}
      : { crc: { algorithm: crc.method, value: formatCrcHex(crc.method, crc.value) } }),
  }
}

/**
 * The CRC a journal keeps to recognise the file by later: the store's whole-object CRC as
 * verified. A composite is not the file's CRC, and a digest (MD5, SHA) is not a CRC.
 */
function fileCrc(
  v: Verification | undefined,
): { readonly method: ChecksumAlgorithm; readonly value: bigint } | undefined {
  if (v === undefined || v.method === 'size' || typeof v.value !== 'bigint') return undefined
  if ('uploadParts' in v && v.uploadParts) return undefined
  return { method: v.method as ChecksumAlgorithm, value: v.value }
}

/** Wraps a Target so the journal durably names the object before its file is renamed into place. */
export function journaled(target: Target, beforeCommit: () => Promise<void>): Target {
  // The optional members too: without writeChunks every body byte would be copied into a buffer
  // first, without setSize an object of unknown length could not be taken, without md5 the MD5
  // check would hash in JavaScript, without hashAhead the digests would read the file back, and
  // a target that cannot read back must still say so.
  const writeChunks = target.writeChunks?.bind(target)
  const setSize = target.setSize?.bind(target)
  const md5 = target.md5?.bind(target)
  const digest = target.digest?.bind(target)
  const hashAhead = target.hashAhead?.bind(target)
  return {
    id: target.id,
    ...(target.readable === undefined ? {} : { readable: target.readable }),
    ...(md5 && { md5 }),
    ...(digest && { digest }),
    ...(hashAhead && { hashAhead }),
    open: (options) => target.open(options),
    write: (offset, data) => target.write(offset, data),
    ...(writeChunks && { writeChunks }),
    ...(setSize && { setSize }),
    read: (offset, length) => target.read(offset, length),
    sync: () => target.sync(),
    async commit(options) {
      await beforeCommit()
      await target.commit(options)
    },
    abort: (options) => target.abort(options),
  }
}

/** A failure as the summary shows it: kind, status, store Code, RequestId, HostId. */
export function toFailure(
  object: ListedObject,
  path: string | undefined,
  error: unknown,
): BatchFailure {
  return { key: object.key, object, ...(path === undefined ? {} : { path }), ...details(error) }
}

/** A listing that failed after naming `afterKey`, as the summary shows it. */
export function toListingFailure(afterKey: string, error: unknown): BatchListingFailure {
  const { remedies: _, ...said } = details(error)
  return { afterKey, ...said }
}

/** What a summary says of an error: its kind and words, and what the store said, if anything. */
function details(error: unknown): FailureDetails & { readonly remedies?: readonly ExistsRemedy[] } {
  if (isTransportError(error)) {
    return {
      kind: error.kind,
      message: error.message,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.code === undefined ? {} : { code: error.code }),
      ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
      ...(error.hostId === undefined ? {} : { hostId: error.hostId }),
      error,
    }
  }
  if (error instanceof KeyRefusedError || error instanceof TargetError || isResumableError(error)) {
    // An engine error caused by a store answer (a 412 behind object-changed) keeps what the store said.
    const store = isTransportError(error.cause) ? error.cause : undefined
    // Read by shape: a TargetError of another copy of this package is no instance of this one.
    const remedies = (error as { remedies?: unknown }).remedies
    return {
      kind: error.kind,
      message: error.message,
      ...(store?.status === undefined ? {} : { status: store.status }),
      ...(store?.code === undefined ? {} : { code: store.code }),
      ...(store?.requestId === undefined ? {} : { requestId: store.requestId }),
      ...(store?.hostId === undefined ? {} : { hostId: store.hostId }),
      ...(Array.isArray(remedies) ? { remedies: remedies as readonly ExistsRemedy[] } : {}),
      error,
    }
  }
  return { kind: 'unknown', message: error instanceof Error ? error.message : String(error), error }
}
