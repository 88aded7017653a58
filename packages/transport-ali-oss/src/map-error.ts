import { isTransportError, type ObjectInfo, TransportError } from '@resumable/core'
import {
  headFromRecord,
  networkFailure,
  redactError,
  redactText,
  storeErrorFields,
  storeFailure,
} from '@resumable/core/http'

/** Where a failure happened, for the message and for masking. */
export interface ErrorContext {
  /** e.g. `GET oss://bucket/key bytes 0-99`; credential-free. */
  readonly describe: string
  /** Values to mask should they appear in a message (access key, secret, STS token). */
  readonly secrets: readonly (string | undefined)[]
  /** The client refreshes its STS token: an expired token is retryable. */
  readonly rotatingCredentials: boolean
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

// urllib/ali-oss error names of failures before or while the response arrived.
const TIMEOUT_NAMES: ReadonlySet<string> = new Set([
  'ConnectionTimeoutError',
  'ResponseTimeoutError',
  'SocketAssignTimeoutError',
])
const NETWORK_NAMES: ReadonlySet<string> = new Set([
  'RequestError',
  'ResponseError',
  'RemoteSocketClosedError',
])
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
])

/** 'timeout' or 'network' for an ali-oss failure without an HTTP response, undefined when it is not one. */
function connectionFailure(e: AliOssErrorFields): 'timeout' | 'network' | undefined {
  // ali-oss marks network errors with status -1 and timeouts with -2.
  if (e.status === -2 || (e.name !== undefined && TIMEOUT_NAMES.has(e.name))) return 'timeout'
  if (e.code === 'ETIMEDOUT') return 'timeout'
  if (e.status === -1 || (e.name !== undefined && NETWORK_NAMES.has(e.name))) return 'network'
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return 'network'
  return undefined
}

/**
 * Maps anything ali-oss throws to a TransportError. What is ali-oss's own is read here (its error
 * fields, urllib's names and -1/-2 statuses, its invented messages); the classification, the
 * Retry-After, the clock and credential rules and the redaction are `@resumable/core/http`'s.
 */
export function fromAliOssError(error: unknown, context: ErrorContext): TransportError {
  if (isTransportError(error)) return error
  const e = errorFields(error, context.headers)
  const connection = connectionFailure(e)
  if (connection !== undefined) {
    return networkFailure(error, {
      describe: context.describe,
      secrets: context.secrets,
      kind: connection,
    })
  }
  const cause = redactError(error, context.secrets)
  const message = firstLine(redactText(e.message, context.secrets))
  if (e.status === undefined || e.status < 100) {
    // No response and no known network failure: a setup error such as ali-oss's "Please create a
    // bucket first" or a failing refreshSTSToken, which retrying the same call cannot cure.
    return new TransportError('invalid-request', `${context.describe}: ${message}`, { cause })
  }
  const head = headFromRecord(e.status, e.headers)
  const fields = storeErrorFields(head, {
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.code !== undefined && !INVENTED_MESSAGE.test(message) ? { message } : {}),
    ...(e.requestId !== undefined ? { requestId: e.requestId } : {}),
    ...(e.hostId !== undefined ? { hostId: e.hostId } : {}),
    ...(e.ecCode !== undefined ? { ec: e.ecCode } : {}),
  })
  return storeFailure(head, fields, {
    describe: context.describe,
    secrets: context.secrets,
    now: Date.now(),
    rotatingCredentials: context.rotatingCredentials,
    // ali-oss signs with its own clock, which this package does not move.
    correctClockSkew: false,
    clockAdvice: " (ali-oss's amendTimeSkewed option can offset it)",
    storeName: 'OSS',
    object: context.object,
    cause,
  }).error
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
