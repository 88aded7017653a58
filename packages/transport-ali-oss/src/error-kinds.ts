import type { TransportErrorKind } from '@resumable/core'

/** OSS error codes (and S3's, which OSS's S3 API may send) by the kind they mean. */
const CODE_KINDS: ReadonlyMap<string, TransportErrorKind> = new Map<string, TransportErrorKind>([
  ['NoSuchKey', 'not-found'],
  ['NoSuchBucket', 'not-found'],
  ['NoSuchVersion', 'not-found'],
  ['AccessDenied', 'forbidden'],
  ['AllAccessDisabled', 'forbidden'],
  ['UserDisable', 'forbidden'],
  ['InvalidObjectState', 'archived'],
  ['InvalidAccessKeyId', 'auth'],
  ['AccessKeyIdDisabled', 'auth'],
  ['SignatureDoesNotMatch', 'auth'],
  ['SecurityTokenExpired', 'auth'],
  ['InvalidSecurityToken', 'auth'],
  ['RequestTimeTooSkewed', 'auth'],
  ['ExpiredToken', 'auth'],
  ['PreconditionFailed', 'precondition-failed'],
  ['InvalidRange', 'range-not-satisfiable'],
  ['ServiceUnavailable', 'throttled'],
  ['DownloadTrafficRateLimitExceeded', 'throttled'],
  ['TotalQpsLimitExceeded', 'throttled'],
  ['ActiveRequestLimitExceeded', 'throttled'],
  ['MetaOperationQpsLimitExceeded', 'throttled'],
  ['CpuLimitExceeded', 'throttled'],
  ['QpsLimitExceeded', 'throttled'],
  ['SlowDown', 'throttled'],
  ['Throttling', 'throttled'],
  ['RequestLimitExceeded', 'throttled'],
  ['RequestTimeout', 'timeout'],
  ['InternalError', 'server'],
  ['InvalidArgument', 'invalid-request'],
  ['InvalidRequest', 'invalid-request'],
  ['MethodNotAllowed', 'invalid-request'],
])

/** The kind an OSS error code means, when it is one we know. */
export function kindOfCode(code: string | undefined): TransportErrorKind | undefined {
  return code === undefined ? undefined : CODE_KINDS.get(code)
}

/** The kind an HTTP error status means when the code is unknown (ali-oss drops GET error bodies). */
export function kindOfStatus(status: number): TransportErrorKind {
  if (status === 401) return 'auth'
  if (status === 403) return 'forbidden'
  if (status === 404 || status === 410) return 'not-found'
  if (status === 408) return 'timeout'
  if (status === 412) return 'precondition-failed'
  if (status === 416) return 'range-not-satisfiable'
  if (status === 429 || status === 503) return 'throttled'
  if (status >= 500) return 'server'
  if (status >= 400) return 'invalid-request'
  // 1xx/3xx outside ali-oss's success list: not what GetObject or HeadObject answer.
  return 'protocol'
}

/** urllib/ali-oss error names of failures before or while the response arrived. */
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

/** 'timeout' or 'network' for a failure without an HTTP response, undefined when it is not one. */
export function kindOfConnectionFailure(
  name: string | undefined,
  code: string | undefined,
  status: number | undefined,
): 'timeout' | 'network' | undefined {
  // ali-oss marks network errors with status -1 and timeouts with -2.
  if (status === -2 || (name !== undefined && TIMEOUT_NAMES.has(name))) return 'timeout'
  if (code === 'ETIMEDOUT') return 'timeout'
  if (status === -1 || (name !== undefined && NETWORK_NAMES.has(name))) return 'network'
  if (code !== undefined && NETWORK_CODES.has(code)) return 'network'
  return undefined
}
