import { TransportError } from '@resumable/core'
import { parseContentRange } from './content-range.ts'
import { details } from './details.ts'
import { header, integerHeader } from './headers.ts'
import { assertIdentityEncoding } from './object-info.ts'
import type { AliOssResponse } from './types.ts'

/** The range asked for and the object size `stat` reported. */
export interface RangeAsked {
  /** First byte (inclusive). */
  readonly start: number
  /** Last byte (inclusive); `start - 1` for the empty body of a zero-length object. */
  readonly end: number
  /** Object size from `stat`. */
  readonly size: number
}

/** What a response that passed the checks carries. */
export interface CheckedResponse {
  /** The range the body holds: always the one asked for. */
  readonly range: { readonly start: number; readonly end: number }
  /** ETag of the response, when sent. */
  readonly etag: string | undefined
  /** Exact body length to expect. */
  readonly length: number
}

/**
 * Accepts a 206 whose Content-Range is exactly the range asked for, or a 200 only when that range
 * is the whole object; anything else is refused before a byte of its body is used.
 */
export function checkReadResponse(
  res: AliOssResponse,
  asked: RangeAsked,
  describe: string,
): CheckedResponse {
  const { headers, status } = res
  const requestId = header(headers, 'x-oss-request-id')
  const fail = (kind: 'protocol' | 'precondition-failed', message: string): TransportError =>
    new TransportError(kind, `${describe}: ${message}`, details({ status, requestId }))
  assertIdentityEncoding(headers, describe)
  const length = asked.end - asked.start + 1
  const contentLength = integerHeader(headers, 'content-length')
  const etag = header(headers, 'etag')
  const range = { start: asked.start, end: asked.end }
  if (status === 206) {
    const got = parseContentRange(header(headers, 'content-range'))
    if (got === undefined) {
      throw fail(
        'protocol',
        `206 without a valid Content-Range (${header(headers, 'content-range')})`,
      )
    }
    if (got.total !== undefined && got.total !== asked.size) {
      // Only possible without an ETag to send as If-Match: the object was replaced.
      throw fail('precondition-failed', `the object is now ${got.total} bytes, not ${asked.size}`)
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
        `Content-Length ${contentLength} does not match Content-Range ${length}`,
      )
    }
    return { range, etag, length }
  }
  if (status === 200) {
    const whole = asked.start === 0 && asked.end === asked.size - 1
    if (!whole) {
      throw fail(
        'protocol',
        `asked for bytes ${asked.start}-${asked.end} but the server ignored Range and sent the whole object (200)`,
      )
    }
    if (contentLength !== undefined && contentLength !== asked.size) {
      throw fail(
        'precondition-failed',
        `the object is now ${contentLength} bytes, not ${asked.size}`,
      )
    }
    return { range, etag, length }
  }
  throw fail('protocol', `unexpected HTTP status ${status} for a ranged GET`)
}
