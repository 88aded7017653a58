import { type ObjectInfo, TransportError } from '@resumable/core'
import { details } from './details.ts'

/** Storage classes whose objects cannot be read until restored. */
const ARCHIVAL_CLASSES: ReadonlySet<string> = new Set(['archive', 'coldarchive', 'deepcoldarchive'])

/** True for Archive, ColdArchive and DeepColdArchive (case-insensitive). */
export function isArchivalClass(storageClass: string | undefined): boolean {
  return storageClass !== undefined && ARCHIVAL_CLASSES.has(storageClass.toLowerCase())
}

/** What `assertReadable` needs besides the object. */
export interface ReadableCheck {
  /** The bucket serves Archive objects directly (real-time access of Archive objects). */
  readonly archiveDirectRead: boolean
  /** Names the call in the message. */
  readonly describe: string
  /** `x-oss-request-id` of the HEAD, for support tickets. */
  readonly requestId: string | undefined
  /** Now, for comparing with the restore's expiry. */
  readonly now: number
}

/**
 * Fails fast, never retryable, when an archived object is not restored: every GET would be a
 * 403 InvalidObjectState, and retrying cannot restore it.
 */
export function assertReadable(object: ObjectInfo, check: ReadableCheck): void {
  const storageClass = object.storageClass
  if (storageClass === undefined || !isArchivalClass(storageClass)) return
  const restore = object.restore
  const expiry = restore?.expiry === undefined ? Number.NaN : Date.parse(restore.expiry)
  const restored = restore !== undefined && !restore.ongoing && !(expiry <= check.now)
  if (restored) return
  const directRead = storageClass.toLowerCase() === 'archive'
  if (directRead && check.archiveDirectRead) return
  const state = restore?.ongoing
    ? 'is still being restored: wait until the restore completes'
    : restore !== undefined
      ? `was restored but the copy expired (${restore.expiry}): restore it again (RestoreObject)`
      : 'is not restored: restore it first (RestoreObject) and download once the restore completes'
  const hint = directRead
    ? ', or enable real-time access of Archive objects on the bucket and pass { archiveDirectRead: true }'
    : ''
  throw new TransportError(
    'archived',
    `${check.describe}: the object is in storage class ${storageClass} and ${state}${hint}`,
    details({ retryable: false, requestId: check.requestId }),
  )
}
