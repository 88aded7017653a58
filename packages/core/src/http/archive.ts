import { TransportError } from '../errors/transport-error.ts'
import type { ObjectInfo } from '../ports.ts'
import { details } from './details.ts'
import { type ResponseHead, requestIdOf } from './response-head.ts'

/** Storage classes whose objects cannot be read until restored (GLACIER_IR is instant, readable as is). */
const ARCHIVAL_CLASSES: ReadonlySet<string> = new Set([
  // OSS
  'archive',
  'coldarchive',
  'deepcoldarchive',
  // S3
  'glacier',
  'deep_archive',
])

/** True for OSS Archive, ColdArchive, DeepColdArchive and S3 GLACIER, DEEP_ARCHIVE (any case). */
export function isArchivalClass(storageClass: string | undefined): boolean {
  return storageClass !== undefined && ARCHIVAL_CLASSES.has(storageClass.toLowerCase())
}

/** Whether an object can be read now: `readable`, or why not. */
export type ArchiveState = 'readable' | 'not-restored' | 'restoring' | 'expired'

/**
 * The archive state of an object `stat` described. A finished restore whose copy has expired
 * counts as not restored: every GET would fail, so `stat` says so, the same in every transport.
 * Expiry is measured against the response's `Date` when it has one, so a skewed local clock does
 * not decide it.
 */
export function archiveState(
  info: ObjectInfo,
  head: ResponseHead | undefined,
  now: number,
): ArchiveState {
  const tiered = head?.header('x-amz-archive-status') // S3 Intelligent-Tiering archive tiers
  const archived =
    isArchivalClass(info.storageClass) || (tiered !== undefined && /ARCHIVE_ACCESS/i.test(tiered))
  if (!archived) return 'readable'
  const restore = info.restore
  if (restore === undefined) return 'not-restored'
  if (restore.ongoing) return 'restoring'
  const serverNow = Date.parse(head?.header('date') ?? '')
  const expiry = restore.expiry === undefined ? Number.NaN : Date.parse(restore.expiry)
  return expiry <= (Number.isNaN(serverNow) ? now : serverNow) ? 'expired' : 'readable'
}

/** What `assertRestored` needs besides the object. */
export interface RestoreCheck {
  /** Names the call in the message. */
  readonly describe: string
  /** Local clock, used when the response has no `Date`. */
  readonly now: number
  /** The bucket serves Archive-class objects directly (OSS real-time access of Archive objects). */
  readonly archiveDirectRead?: boolean | undefined
  /** How the user turns on direct reads in this transport, for the hint (e.g. `{ archiveDirectRead: true }`). */
  readonly directReadOption?: string | undefined
}

/**
 * Fails fast, never retryable, when an archived object is not readable: every GET would be a
 * 403 InvalidObjectState, and retrying cannot restore it.
 */
export function assertRestored(
  info: ObjectInfo,
  head: ResponseHead | undefined,
  check: RestoreCheck,
): void {
  const state = archiveState(info, head, check.now)
  if (state === 'readable') return
  const storageClass = info.storageClass ?? 'archive'
  const directClass = storageClass.toLowerCase() === 'archive'
  if (directClass && check.archiveDirectRead) return
  const why =
    state === 'restoring'
      ? 'is still being restored: wait until the restore completes'
      : state === 'expired'
        ? `was restored but the copy expired (${info.restore?.expiry}): restore it again (RestoreObject)`
        : 'is not restored: restore it first (OSS: RestoreObject / `ossutil restore`; S3: RestoreObject) and download once the restore completes'
  const hint =
    directClass && check.directReadOption !== undefined
      ? `, or enable real-time access of Archive objects on the bucket and pass ${check.directReadOption}`
      : ''
  throw new TransportError(
    'archived',
    `${check.describe}: the object is in storage class ${storageClass} and ${why}${hint}`,
    details({ retryable: false, requestId: head ? requestIdOf(head) : undefined }),
  )
}
