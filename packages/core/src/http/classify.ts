import type { TransportErrorKind } from '../errors/transport-error.ts'

/** How a store's answer is classified. `retryable` overrides the kind's default when set. */
export interface Classification {
  /** What went wrong. */
  readonly kind: TransportErrorKind
  /** Overrides the kind's default retryability when set. */
  readonly retryable?: boolean
}

/** OSS and S3 error codes by the kind they mean (the union of what both stores send). */
const CODE_KINDS: ReadonlyMap<string, TransportErrorKind> = new Map<string, TransportErrorKind>([
  ['NoSuchKey', 'not-found'],
  ['NoSuchBucket', 'not-found'],
  ['NoSuchVersion', 'not-found'],
  ['AccessDenied', 'forbidden'],
  ['AllAccessDisabled', 'forbidden'],
  ['UserDisable', 'forbidden'],
  ['InvalidObjectState', 'archived'],
  // The key itself is refused: what to fix is the credentials, not a permission on the object.
  ['AccessKeyIdDisabled', 'auth'],
  ['InvalidAccessKeyId', 'auth'],
  ['SignatureDoesNotMatch', 'auth'],
  ['InvalidSecurity', 'auth'],
  ['InvalidSecurityToken', 'auth'],
  ['InvalidToken', 'auth'],
  ['InvalidArgument.Credential', 'auth'],
  ['MissingSecurityHeader', 'auth'],
  ['AuthorizationHeaderMalformed', 'auth'],
  ['AuthorizationQueryParametersError', 'auth'],
  ['PreconditionFailed', 'precondition-failed'],
  ['InvalidRange', 'range-not-satisfiable'],
  ['RequestTimeout', 'timeout'],
  ['RequestTimeoutException', 'timeout'],
  ['InternalError', 'server'],
  ['InvalidArgument', 'invalid-request'],
  ['InvalidRequest', 'invalid-request'],
  ['MethodNotAllowed', 'invalid-request'],
  // A header or parameter the store does not implement (a subset of the S3 API): asking again
  // cannot help.
  ['NotImplemented', 'invalid-request'],
])

const THROTTLE_CODES: ReadonlySet<string> = new Set([
  // S3 / AWS
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequests',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'BandwidthLimitExceeded',
  'ProvisionedThroughputExceededException',
  // OSS (its 503 throttles are not SlowDown)
  'ServiceUnavailable',
  'DownloadTrafficRateLimitExceeded',
  'TotalQpsLimitExceeded',
  'ActiveRequestLimitExceeded',
  'MetaOperationQpsLimitExceeded',
  'CpuLimitExceeded',
  'QpsLimitExceeded',
])

/** Codes a fresh token can cure: `auth`, retryable only when credentials can rotate. */
export const EXPIRED_TOKEN_CODES: ReadonlySet<string> = new Set([
  'SecurityTokenExpired',
  'ExpiredToken',
  'TokenRefreshRequired',
  'InvalidSecurityToken.Expired',
])

/** Codes that mean the signing clock is off from the server's. */
export const CLOCK_SKEW_CODES: ReadonlySet<string> = new Set([
  'RequestTimeTooSkewed',
  'RequestInTheFuture',
])

/**
 * Maps an HTTP status and the store's error code to a TransportError kind, before the
 * credential and clock rules (see `storeFailure`) adjust retryability.
 *
 * @example
 * ```ts
 * classifyStatus(503, 'SlowDown') // { kind: 'throttled' }
 * classifyStatus(403, undefined)  // { kind: 'forbidden' }
 * ```
 */
export function classifyStatus(status: number, code: string | undefined): Classification {
  if (code !== undefined) {
    if (THROTTLE_CODES.has(code)) return { kind: 'throttled' }
    if (CLOCK_SKEW_CODES.has(code) || EXPIRED_TOKEN_CODES.has(code)) return { kind: 'auth' }
    const kind = CODE_KINDS.get(code)
    if (kind !== undefined) return { kind }
  }
  // 407: a proxy on the way wants credentials (an absolute-form request answered by it).
  if (status === 401 || status === 407) return { kind: 'auth' }
  if (status === 403) return { kind: 'forbidden' }
  if (status === 404 || status === 410) return { kind: 'not-found' }
  if (status === 408) return { kind: 'timeout' }
  if (status === 412) return { kind: 'precondition-failed' }
  if (status === 416) return { kind: 'range-not-satisfiable' }
  if (status === 429 || status === 503) return { kind: 'throttled' }
  // 501: the server does not support what the request asks (RFC 9110 §15.6.2), not a passing fault.
  if (status === 501) return { kind: 'invalid-request' }
  if (status >= 500) return { kind: 'server' }
  return { kind: 'invalid-request' }
}
