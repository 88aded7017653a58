import type { TransportErrorKind } from '@resumable/core'

/** How a store's answer is classified. `retryable` overrides the kind's default when set. */
export interface Classification {
  readonly kind: TransportErrorKind
  readonly retryable?: boolean
}

const THROTTLE_CODES = new Set([
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

const AUTH_CODES = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'InvalidSecurity',
  'InvalidSecurityToken',
  'InvalidToken',
  'InvalidArgument.Credential',
  'MissingSecurityHeader',
  'AuthorizationHeaderMalformed',
  'AuthorizationQueryParametersError',
])

/** Codes a fresh token can cure: retryable when credentials come from a provider. */
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

/** Maps an HTTP status and the store's error code to a TransportError kind. */
export function classifyStatus(status: number, code: string | undefined): Classification {
  if (code) {
    if (code === 'InvalidObjectState') return { kind: 'archived' }
    if (THROTTLE_CODES.has(code)) return { kind: 'throttled' }
    if (CLOCK_SKEW_CODES.has(code)) return { kind: 'auth', retryable: true }
    if (AUTH_CODES.has(code) || EXPIRED_TOKEN_CODES.has(code)) return { kind: 'auth' }
    if (code === 'NoSuchKey' || code === 'NoSuchBucket' || code === 'NoSuchVersion') {
      return { kind: 'not-found' }
    }
    if (code === 'PreconditionFailed') return { kind: 'precondition-failed' }
    if (code === 'InvalidRange') return { kind: 'range-not-satisfiable' }
    if (code === 'RequestTimeout' || code === 'RequestTimeoutException') return { kind: 'timeout' }
    if (code === 'InternalError') return { kind: 'server' }
  }
  if (status === 401) return { kind: 'auth' }
  if (status === 403) return { kind: 'forbidden' }
  if (status === 404 || status === 410) return { kind: 'not-found' }
  if (status === 408) return { kind: 'timeout' }
  if (status === 412) return { kind: 'precondition-failed' }
  if (status === 416) return { kind: 'range-not-satisfiable' }
  if (status === 429 || status === 503) return { kind: 'throttled' }
  if (status >= 500) return { kind: 'server' }
  return { kind: 'invalid-request' }
}
