import {
  isTransportError,
  type ObjectInfo,
  TransportError,
  type TransportErrorKind,
} from '@resumable/core'
import { isArchivalClass } from './archive.ts'
import { details } from './details.ts'
import { kindOfCode, kindOfConnectionFailure, kindOfStatus } from './error-kinds.ts'
import { header } from './headers.ts'
import { redactError, redactText } from './redact.ts'
import { parseRetryAfter } from './retry-after.ts'

/** Where a failure happened, for the message and for masking. */
export interface ErrorContext {
  /** e.g. `GET oss://bucket/key bytes 0-99`; credential-free. */
  readonly describe: string
  /** Values to mask should they appear in a message (access key, secret, STS token). */
  readonly secrets: readonly (string | undefined)[]
  /** The object being read: a bare 403 on an archived object means "not restored". */
  readonly object?: ObjectInfo
  /** Headers of the error response when the error itself lost them (`Retry-After`, `x-oss-ec`). */
  readonly headers?: object
}

/** The fields ali-oss (and urllib under it) put on its errors. */
interface AliOssErrorFields {
  readonly name: string | undefined
  readonly message: string
  readonly code: string | undefined
  readonly status: number | undefined
  readonly requestId: string | undefined
  readonly hostId: string | undefined
  readonly ecCode: string | undefined
  readonly headers: object | undefined
}

// Messages ali-oss invents when the error body is missing (HEAD, or GET whose body it discards).
const INVENTED_MESSAGE = /^(Object not exists|Pre condition failed|Unknow error, status: \d+)$/

/** Maps anything ali-oss throws to a TransportError with OSS's Code, RequestId, HostId and EC. */
export function fromAliOssError(error: unknown, context: ErrorContext): TransportError {
  if (isTransportError(error)) return error
  const e = errorFields(error, context.headers)
  const cause = redactError(error, context.secrets)
  const message = firstLine(redactText(e.message, context.secrets))
  const connection = kindOfConnectionFailure(e.name, e.code, e.status)
  if (connection !== undefined) {
    const what = connection === 'timeout' ? 'timed out' : 'the connection failed'
    return new TransportError(connection, `${context.describe}: ${what} (${message})`, { cause })
  }
  if (e.status === undefined || e.status < 100) {
    // No response and no known network failure: a setup error such as ali-oss's "Please create a
    // bucket first" or a failing refreshSTSToken, which retrying the same call cannot cure.
    return new TransportError('invalid-request', `${context.describe}: ${message}`, { cause })
  }
  const code = e.code
  let kind = kindOfCode(code) ?? kindOfStatus(e.status)
  // ali-oss throws away GET error bodies, so InvalidObjectState arrives as a bare 403.
  if (kind === 'forbidden' && code === undefined && isArchivalClass(context.object?.storageClass)) {
    kind = 'archived'
  }
  const serverMessage = code !== undefined && !INVENTED_MESSAGE.test(message) ? message : undefined
  const text = `${context.describe}: ${explain(kind, code, e.status)}${serverMessage ? ` (${serverMessage})` : ''}`
  return new TransportError(
    kind,
    text,
    details({
      status: e.status,
      code,
      requestId: e.requestId ?? header(e.headers, 'x-oss-request-id'),
      hostId: e.hostId,
      ec: e.ecCode ?? header(e.headers, 'x-oss-ec'),
      retryAfterMs: parseRetryAfter(header(e.headers, 'retry-after')),
      cause,
    }),
  )
}

function explain(kind: TransportErrorKind, code: string | undefined, status: number): string {
  switch (kind) {
    case 'not-found':
      return code === 'NoSuchBucket' ? 'the bucket does not exist' : 'the object does not exist'
    case 'forbidden':
      return 'access denied'
    case 'archived':
      return (
        'the object is archived and not restored: restore it first (RestoreObject), or for ' +
        'Archive enable real-time access of Archive objects on the bucket'
      )
    case 'auth':
      return code === 'RequestTimeTooSkewed'
        ? "the local clock is more than 15 minutes off OSS's: fix the clock (ali-oss's amendTimeSkewed option can offset it)"
        : 'the credentials were rejected'
    case 'precondition-failed':
      return 'the object changed since it was first seen (If-Match failed)'
    case 'range-not-satisfiable':
      return 'the range lies beyond the end of the object'
    case 'throttled':
      return 'OSS is throttling requests'
    case 'server':
      return 'OSS failed'
    case 'timeout':
      return 'OSS timed out waiting for the request'
    case 'invalid-request':
      return 'OSS rejected the request'
    default:
      return `unexpected HTTP status ${status}`
  }
}

function errorFields(error: unknown, fallbackHeaders: object | undefined): AliOssErrorFields {
  const o = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>
  const res = o.res
  const resHeaders =
    typeof res === 'object' && res !== null ? (res as { headers?: unknown }).headers : undefined
  const headers = typeof resHeaders === 'object' && resHeaders !== null ? resHeaders : o.headers
  return {
    name: text(o.name),
    message: error instanceof Error ? error.message : (text(o.message) ?? String(error)),
    code: text(o.code),
    status: typeof o.status === 'number' ? o.status : undefined,
    // urllib puts its own numeric request counter in `requestId`; only OSS's is a string.
    requestId: text(o.requestId),
    hostId: text(o.hostId),
    ecCode: text(o.ecCode),
    headers: typeof headers === 'object' && headers !== null ? headers : fallbackHeaders,
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? ''
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}
