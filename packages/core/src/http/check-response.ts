import { TransportError } from '../errors/transport-error.ts'
import { RANGE_IGNORED_CODE } from '../sequential.ts'
import { parseContentLength, parseContentRange } from './content-range.ts'
import { details } from './details.ts'
import { type RecordedMd5, serverMd5 } from './object-headers.ts'
import { type ResponseHead, requestIdOf } from './response-head.ts'

/**
 * Refuses a compressed body: its sizes and offsets are not the object's. Every transport sends
 * `Accept-Encoding: identity`, so an encoded answer means something in between rewrote it.
 */
export function refuseEncoding(head: ResponseHead, describe: string): void {
  const encoding = head.header('content-encoding')?.trim().toLowerCase()
  if (!encoding || encoding === 'identity') return
  throw new TransportError(
    'protocol',
    `${describe}: the response is ${encoding}-encoded although Accept-Encoding: identity was sent ` +
      '(a proxy or CDN in between may be compressing it); its bytes cannot be written at offsets',
    details({ status: head.status, retryable: false, requestId: requestIdOf(head) }),
  )
}

/** The object size from a response that must carry `Content-Length` (a HEAD); never retried without it. */
export function requireContentLength(head: ResponseHead, describe: string): number {
  const size = parseContentLength(head.header('content-length'))
  if (size !== undefined) return size
  throw new TransportError(
    'protocol',
    `${describe}: the response has no valid Content-Length`,
    details({ status: head.status, retryable: false, requestId: requestIdOf(head) }),
  )
}

/** What a response to a read to the end of an object of unknown length carries. */
export interface CheckedStream {
  /** Body length when the response says it (Content-Length or Content-Range), else undefined. */
  readonly length: number | undefined
  /** Last byte offset of the body, `Number.MAX_SAFE_INTEGER` when unknown. */
  readonly end: number
  /** ETag of the response, when sent. */
  readonly etag: string | undefined
}

/**
 * Checks the answer to `Range: bytes=start-` (or no Range from 0) for an object of unknown length
 * (`ReadRequest.toEnd`): a 206 must start at `start`; a 200 is the whole object, which is an
 * ignored Range (code `RangeIgnored`) unless `start` is 0. Refuses encoded bodies.
 */
export function checkStreamResponse(
  head: ResponseHead,
  start: number,
  describe: string,
): CheckedStream {
  const { status } = head
  refuseEncoding(head, describe)
  const etag = head.header('etag')
  const contentLength = parseContentLength(head.header('content-length'))
  if (status === 206) {
    const got = parseContentRange(head.header('content-range'))
    if (got === undefined || got.start !== start) {
      throw new TransportError(
        'protocol',
        `${describe}: a 206 that does not start at byte ${start} (${JSON.stringify(head.header('content-range') ?? null)})`,
        details({ status, requestId: requestIdOf(head) }),
      )
    }
    return { length: got.end - got.start + 1, end: got.end, etag }
  }
  if (status === 200) {
    if (start !== 0) {
      throw new TransportError(
        'protocol',
        `${describe}: asked for the bytes from ${start} on but the server ignored Range and sent the whole object (200)`,
        details({
          status,
          code: RANGE_IGNORED_CODE,
          retryable: false,
          requestId: requestIdOf(head),
        }),
      )
    }
    const end = contentLength === undefined ? Number.MAX_SAFE_INTEGER : contentLength - 1
    return { length: contentLength, end, etag }
  }
  throw new TransportError(
    'protocol',
    `${describe}: unexpected HTTP status ${status} for a GET`,
    details({ status, requestId: requestIdOf(head) }),
  )
}

/** The range asked for and the object size `stat` reported. */
export interface RangeAsked {
  /** First byte (inclusive). */
  readonly start: number
  /** Last byte (inclusive); `start - 1` for the empty body of a zero-length object. */
  readonly end: number
  /** Object size from `stat`. */
  readonly size: number
  /** ETag from `stat`: a 200 of another length with the same one (or none) is not the object. */
  readonly etag?: string | undefined
  /** Last-Modified from `stat`, used the same way when there is no ETag. */
  readonly lastModified?: string | undefined
}

/** What a ranged response that passed the checks carries. */
export interface CheckedRange {
  /** Exact body length to expect. */
  readonly length: number
  /** ETag of the response, when sent. */
  readonly etag: string | undefined
  /** Last-Modified of the response, when sent: the only validator of a server without ETags. */
  readonly lastModified: string | undefined
  /**
   * The object's MD5 a 200 vouched for (`Content-MD5`, `Digest`, …; RFC 1864: the body's, and a
   * 200 is the whole object), for `ReadResponse.md5`; never a 206's, whose Content-MD5 is the range's.
   */
  readonly md5?: RecordedMd5
}

/**
 * Accepts a 206 whose Content-Range is exactly the range asked for, or a 200 only when that range
 * is the whole object; refuses encoded bodies. Anything else throws before a byte is used.
 *
 * @example
 * ```ts
 * const { length } = checkRangeResponse(head, { start: 0, end: 99, size: 1000 }, 'GET oss://b/k bytes 0-99')
 * ```
 */
export function checkRangeResponse(
  head: ResponseHead,
  asked: RangeAsked,
  describe: string,
): CheckedRange {
  const { status } = head
  const fail = (kind: 'protocol' | 'precondition-failed', message: string): TransportError =>
    new TransportError(
      kind,
      `${describe}: ${message}`,
      details({ status, requestId: requestIdOf(head) }),
    )
  refuseEncoding(head, describe)
  const length = asked.end - asked.start + 1
  const contentLength = parseContentLength(head.header('content-length'))
  const etag = head.header('etag')
  const lastModified = head.header('last-modified')
  if (status === 206) {
    const got = parseContentRange(head.header('content-range'))
    if (got === undefined) {
      throw fail(
        'protocol',
        `206 without a valid Content-Range (${JSON.stringify(head.header('content-range') ?? null)})`,
      )
    }
    if (got.size !== undefined && got.size !== asked.size) {
      // Only possible without an ETag to send as If-Match: the object was replaced.
      throw fail('precondition-failed', `the object is now ${got.size} bytes, not ${asked.size}`)
    }
    if (got.start !== asked.start || got.end !== asked.end) {
      throw fail(
        'protocol',
        `asked for bytes ${asked.start}-${asked.end} but the server answered with bytes ${got.start}-${got.end}`,
      )
    }
    if (contentLength !== undefined && contentLength !== length) {
      throw fail(
        'protocol',
        `Content-Length ${contentLength} disagrees with Content-Range ${got.start}-${got.end}`,
      )
    }
    return { length, etag, lastModified }
  }
  if (status === 200) {
    if (contentLength !== undefined && contentLength !== asked.size && notAChange(head, asked)) {
      const type = head.header('content-type')
      throw fail(
        'protocol',
        `the answer is not the object: a 200 of ${contentLength} bytes${type ? ` (${type})` : ''} for a ${asked.size}-byte object, without a validator that says the object changed (an error page of a server or proxy?)`,
      )
    }
    if (asked.start !== 0 || asked.end !== asked.size - 1) {
      // Never claim a range we did not get: the server ignored Range and is sending everything.
      // Not retryable (the same request gets the same answer): the engine goes sequential instead.
      throw new TransportError(
        'protocol',
        `${describe}: asked for bytes ${asked.start}-${asked.end} but the server ignored Range and sent the whole object (200)`,
        details({
          status,
          code: RANGE_IGNORED_CODE,
          retryable: false,
          requestId: requestIdOf(head),
        }),
      )
    }
    if (contentLength !== undefined && contentLength !== asked.size) {
      throw fail(
        'precondition-failed',
        `the object is now ${contentLength} bytes, not ${asked.size}`,
      )
    }
    const md5 = serverMd5(head, false, asked.size)
    return md5 ? { length, etag, lastModified, md5 } : { length, etag, lastModified }
  }
  throw fail('protocol', `unexpected HTTP status ${status} for a ranged GET`)
}

/**
 * True when a response's validators show no change from `stat`'s: none at all (an error page
 * carries none), or the same ETag (or Last-Modified, without ETags). False when `stat` had none
 * to compare with: then a new length is all that tells a replaced object.
 */
function notAChange(head: ResponseHead, asked: RangeAsked): boolean {
  if (asked.etag === undefined && asked.lastModified === undefined) return false
  const etag = head.header('etag')
  const lastModified = head.header('last-modified')
  if (etag === undefined && lastModified === undefined) return true
  if (etag !== undefined && asked.etag !== undefined) return etag === asked.etag
  return lastModified !== undefined && lastModified === asked.lastModified
}
