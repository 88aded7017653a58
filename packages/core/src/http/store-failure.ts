import { TransportError, type TransportErrorKind } from '../errors/transport-error.ts'
import type { ObjectInfo } from '../ports.ts'
import { isArchivalClass } from './archive.ts'
import { CLOCK_SKEW_CODES, classifyStatus, EXPIRED_TOKEN_CODES } from './classify.ts'
import { parseUnsatisfiedRange } from './content-range.ts'
import { details } from './details.ts'
import { redactText } from './redact.ts'
import type { ResponseHead } from './response-head.ts'
import { parseRetryAfter } from './retry-after.ts'
import type { StoreErrorFields } from './store-error.ts'

/** S3's 400 Codes for a request signed for or sent to another region than the bucket's. */
const REGION_CODES: ReadonlySet<string> = new Set([
  'AuthorizationHeaderMalformed',
  'AuthorizationQueryParametersError',
  'IllegalLocationConstraintException',
])

/** The two rules that differ by how a transport signs; everything else is classified the same. */
export interface StoreFailureRules {
  /** Credentials come from a provider that hands out fresh tokens: an expired token is retryable. */
  readonly rotatingCredentials: boolean
  /** The signature carries a clock this transport controls: on a skew, report the offset and retry. */
  readonly correctClockSkew: boolean
}

/** Where a failed response came from, for the message, masking and the rules. */
export interface StoreFailureContext extends StoreFailureRules {
  /** `GET oss://bucket/key bytes 0-99`: credential-free. */
  readonly describe: string
  /** Strings to mask in the store's message. */
  readonly secrets: readonly (string | undefined)[]
  /** Local clock with the current correction applied, in ms. */
  readonly now: number
  /** Who answered, in messages: `OSS`, `the store`, `the server`. @default 'the store' */
  readonly storeName?: string | undefined
  /** The object `stat` described: a 403 without a code on an archival class means "not restored". */
  readonly object?: ObjectInfo | undefined
  /** Appended when the clock is off and this transport cannot correct it. */
  readonly clockAdvice?: string | undefined
  /**
   * What to do about a redirect the transport did not follow (a 3xx answer).
   * @default 'check the region or endpoint'
   */
  readonly redirectAdvice?: string | undefined
  /** The URL that was requested: a relative `Location` is resolved against it to name its origin. */
  readonly url?: string | undefined
  /** The underlying error, already redacted. */
  readonly cause?: unknown
}

/** The error plus, when the server's clock disagrees with ours, the correction to apply. */
export interface StoreFailure {
  /** The error to throw. */
  readonly error: TransportError
  /** How far the server's clock is ahead of our (corrected) clock, in ms, when a skew was corrected. */
  readonly clockSkewMs?: number
}

/** OSS refuses requests signed more than 15 minutes off its clock. */
const SKEW_LIMIT_MS = 15 * 60 * 1000

const ARCHIVE_HINT =
  'restore it first (OSS: RestoreObject / `ossutil restore`; S3: RestoreObject), wait until the restore finishes, then download'

function explain(
  kind: TransportErrorKind,
  code: string | undefined,
  status: number,
  store: string,
): string {
  switch (kind) {
    case 'not-found':
      if (code === 'NoSuchBucket') return 'the bucket does not exist'
      return code === 'NoSuchVersion' ? 'the version does not exist' : 'the object does not exist'
    case 'forbidden':
      return 'access denied'
    case 'archived':
      return `the object is archived and not restored; ${ARCHIVE_HINT}`
    case 'auth':
      if (status === 407)
        return 'the proxy requires authentication (407): check the user and password in the proxy URL'
      if (code !== undefined && EXPIRED_TOKEN_CODES.has(code)) return 'the security token expired'
      return 'the credentials were rejected'
    case 'precondition-failed':
      return 'the object changed since it was first seen (If-Match failed)'
    case 'range-not-satisfiable':
      return 'the range lies beyond the end of the object'
    case 'throttled':
      return `${store} is throttling requests`
    case 'server':
      return `${store} failed`
    case 'timeout':
      return `${store} timed out waiting for the request`
    case 'invalid-request':
      return `${store} rejected the request`
    default:
      return `unexpected HTTP status ${status}`
  }
}

/** The object's size a 416 names, and where it said so. */
interface StatedSize {
  readonly size: number
  /** `Content-Range` (`bytes *` then the length) or S3's `ActualObjectSize` in the error body. */
  readonly source: 'Content-Range' | 'ActualObjectSize'
}

/** The size a 416 says the object has: its unsatisfied Content-Range first, then S3's body. */
function statedSize(head: ResponseHead, fields: StoreErrorFields): StatedSize | undefined {
  const range = parseUnsatisfiedRange(head.header('content-range'))
  if (range !== undefined) return { size: range, source: 'Content-Range' }
  const actual = fields.actualObjectSize
  return actual === undefined ? undefined : { size: actual, source: 'ActualObjectSize' }
}

/**
 * What a 416 to a read of `object` (whose range lies inside the size `stat` reported: every
 * transport checks that before sending) says of the object: `same-size` when the size it names
 * (`stated`) is that size; `unsaid` when it names no size,
 * the read was guarded (a strong ETag for If-Match, a Last-Modified for If-Unmodified-Since, a pinned
 * version: a precondition is evaluated before Range, so a changed object gets a 412) and the 416
 * carries no validator that differs from `stat`'s; undefined when the object may be shorter now.
 */
function refusedInside(
  head: ResponseHead,
  object: ObjectInfo | undefined,
  stated: StatedSize | undefined,
): 'same-size' | 'unsaid' | undefined {
  if (object === undefined || object.sizeKnown === false) return undefined
  if (stated !== undefined) return stated.size === object.size ? 'same-size' : undefined
  // A weak ETag is never sent as If-Match (RFC 9110 13.1.1: strong comparison), so it guards nothing.
  const strongEtag = object.etag !== undefined && !object.etag.startsWith('W/')
  const guarded = strongEtag || object.lastModified !== undefined || object.versionId !== undefined
  return guarded && !changedValidator(head, object) ? 'unsaid' : undefined
}

/** True when an answer's ETag (or, without ETags, its Last-Modified) differs from `stat`'s. */
function changedValidator(head: ResponseHead, object: ObjectInfo): boolean {
  const etag = head.header('etag')
  if (etag !== undefined && object.etag !== undefined) return etag !== object.etag
  const lastModified = head.header('last-modified')
  if (lastModified === undefined || object.lastModified === undefined) return false
  return Date.parse(lastModified) !== Date.parse(object.lastModified)
}

/** The origin a `Location` points to (no path, query or user: those may carry secrets). */
function redirectOrigin(location: string | undefined, base?: string): string | undefined {
  if (location === undefined || !URL.canParse(location, base)) return undefined
  const { origin } = new URL(location, base)
  return origin === 'null' ? undefined : origin
}

/**
 * Turns a non-2xx answer into a TransportError: kind from status and code, the store's Code,
 * Message, RequestId, HostId and EC, `Retry-After`, and the two signing rules. An expired token is
 * retryable only with rotating credentials. A clock skew (a skew code, or a bare 403 while the
 * response `Date` is over 15 minutes off) is retryable with the measured offset when the transport
 * can re-sign with a corrected clock; otherwise it says to fix the clock.
 *
 * @example
 * ```ts
 * const { error } = storeFailure(head, storeErrorFields(head, body), {
 *   describe: 'HEAD oss://bkt/k', secrets: [], now: Date.now(),
 *   rotatingCredentials: false, correctClockSkew: true,
 * })
 * ```
 */
export function storeFailure(
  head: ResponseHead,
  fields: StoreErrorFields,
  context: StoreFailureContext,
): StoreFailure {
  const { status } = head
  const store = context.storeName ?? 'the store'
  const code = fields.code
  let { kind, retryable } = classifyStatus(status, code)
  if (kind === 'forbidden' && code === undefined && isArchivalClass(context.object?.storageClass)) {
    // A GET whose error body was lost: on an archival object a bare 403 is InvalidObjectState.
    kind = 'archived'
  }
  let reason = explain(kind, code, status, store)
  const stated = kind === 'range-not-satisfiable' ? statedSize(head, fields) : undefined
  const inside =
    kind === 'range-not-satisfiable' ? refusedInside(head, context.object, stated) : undefined
  let clockSkewMs: number | undefined
  const serverDate = Date.parse(head.header('date') ?? '')
  const skew = Number.isNaN(serverDate) ? 0 : serverDate - context.now
  const skewCode = code !== undefined && CLOCK_SKEW_CODES.has(code)
  const skewed = skewCode || (status === 403 && Math.abs(skew) > SKEW_LIMIT_MS)
  if (skewed && context.correctClockSkew) {
    // The signature carried our clock; the next attempt signs with the server's (Go SDK: ClockOffset).
    kind = 'auth'
    retryable = true
    reason = `the local clock is off from ${store}'s`
    if (!Number.isNaN(serverDate)) {
      clockSkewMs = skew
      reason += ` by ${Math.round(skew / 1000)} s; corrected for the next attempt`
    }
  } else if (skewCode) {
    retryable = false
    reason = `the local clock is more than 15 minutes off ${store}'s: fix the clock${context.clockAdvice ?? ''}`
  } else if (code !== undefined && EXPIRED_TOKEN_CODES.has(code)) {
    retryable = context.rotatingCredentials
  } else if (kind === 'range-not-satisfiable' && inside === 'same-size') {
    // Its own Content-Range says the object did not shrink: the server is refusing a range it
    // has, which asking again, or starting over, would not change.
    kind = 'protocol'
    retryable = false
    reason = `${store} refused a range inside the object (416, yet its ${stated?.source ?? 'Content-Range'} says the object is still ${context.object?.size} bytes)`
  } else if (kind === 'range-not-satisfiable' && inside === 'unsaid') {
    // Nothing says the object shrank, and the read's precondition held: a fault of the store or of something in
    // between (a cache holding a shorter copy, a replica behind), which a retry may outlast.
    // Starting over would throw away every part already written for nothing. Whether anything
    // is kept for a later run is not said here: only the engine knows if a checkpoint store is in
    // use (none with `checkpoint: false` or a stream to stdout) and whether any byte was durable.
    kind = 'server'
    retryable = true
    reason =
      `${store} refused a range inside the ${context.object?.size}-byte object stat reported ` +
      `(416, without a Content-Range or a validator that says the object changed): a fault of ${store} ` +
      'or of a proxy or cache in between, not a shorter object; if it repeats, check what serves ' +
      'the object (a cache may hold an older, shorter copy)'
  } else if (kind === 'range-not-satisfiable' && stated !== undefined) {
    // The size the store names is why the range failed: a user who sees it knows the object
    // changed (or that the range asked for is wrong) without a second request.
    const was = context.object?.sizeKnown === false ? undefined : context.object?.size
    reason += `: the object is now ${stated.size} bytes${was === undefined || was === stated.size ? '' : `, not the ${was} stat reported`}`
  } else if (status === 304) {
    // Not a redirect: an answer to If-None-Match / If-Modified-Since, which no request here sends.
    reason +=
      ' (304 Not Modified to a request that was not conditional: a cache or proxy between here and the server answered instead of it)'
  } else if (status === 0 || (status >= 300 && status < 400)) {
    // 0 is a browser's opaque redirect under `redirect: 'manual'`.
    const to = redirectOrigin(head.header('location'), context.url)
    const advice = context.redirectAdvice ?? 'check the region or endpoint'
    reason += ` (it redirected the request${to ? ` to ${to}` : ''}: ${advice})`
  }
  // S3 names the bucket's region on a request signed for or sent to another one (a 301, or a 400
  // AuthorizationHeaderMalformed); a HEAD has no body to say so. It sends the header on other
  // answers too (every ListObjectsV2), so a 400 with another Code is not about the region.
  const bucketRegion = head.header('x-amz-bucket-region')?.trim()
  const aboutRegion =
    (status >= 300 && status < 400) ||
    (status === 400 && (code === undefined || REGION_CODES.has(code)))
  if (bucketRegion !== undefined && /^[a-z0-9-]{1,40}$/.test(bucketRegion) && aboutRegion)
    reason += `; the bucket is in region ${bucketRegion}: use that region`
  const storeMessage = fields.message ? redactText(fields.message, context.secrets) : undefined
  const message = `${context.describe}: ${reason}${storeMessage ? ` (${storeMessage})` : ''}`
  const error = new TransportError(
    kind,
    message,
    details({
      status,
      retryable,
      code,
      requestId: fields.requestId,
      hostId: fields.hostId,
      ec: fields.ec,
      retryAfterMs: parseRetryAfter(head.header('retry-after'), head.header('date'), context.now),
      cause: context.cause,
    }),
  )
  return clockSkewMs === undefined ? { error } : { error, clockSkewMs }
}
