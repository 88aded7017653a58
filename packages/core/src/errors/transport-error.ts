import { ResumableError } from './resumable-error.ts'

/** Categories of remote failure; each decides whether a retry can help. */
export type TransportErrorKind =
  | 'not-found'
  | 'forbidden'
  | 'auth'
  | 'archived'
  | 'precondition-failed'
  | 'range-not-satisfiable'
  | 'throttled'
  | 'server'
  | 'network'
  | 'timeout'
  | 'protocol'
  | 'invalid-request'

/** Kinds a retry can cure unless the caller says otherwise. */
const RETRYABLE_KINDS: ReadonlySet<TransportErrorKind> = new Set<TransportErrorKind>([
  'throttled',
  'server',
  'network',
  'timeout',
  'protocol',
])

/** Details a Transport attaches to a failure. */
export interface TransportErrorDetails {
  /** Overrides the default retryability of `kind`. */
  readonly retryable?: boolean
  /** HTTP status, when there was a response. */
  readonly status?: number
  /** The store's error code (`NoSuchKey`, `SlowDown`, …). */
  readonly code?: string
  /** The store's request id (`x-oss-request-id`, `x-amz-request-id`). */
  readonly requestId?: string
  /** The store's host id (`HostId` in the error body, `x-amz-id-2`). */
  readonly hostId?: string
  /** OSS's detailed error code (`EC`, `x-oss-ec`). */
  readonly ec?: string
  /** How long the server asked us to wait (`Retry-After`), in milliseconds. */
  readonly retryAfterMs?: number
  /** The underlying error. */
  readonly cause?: unknown
}

/** A failure reading the remote object, carrying the store's Code, RequestId and HostId. */
export class TransportError extends ResumableError {
  override name = 'TransportError'
  declare readonly kind: TransportErrorKind
  /** Whether retrying the same request may succeed. */
  readonly retryable: boolean
  /** HTTP status, when there was a response. */
  readonly status: number | undefined
  /** The store's error code. */
  readonly code: string | undefined
  /** The store's request id. */
  readonly requestId: string | undefined
  /** The store's host id. */
  readonly hostId: string | undefined
  /** OSS's detailed error code (EC). */
  readonly ec: string | undefined
  /** Server-requested delay before a retry, in milliseconds. */
  readonly retryAfterMs: number | undefined

  constructor(kind: TransportErrorKind, message: string, details: TransportErrorDetails = {}) {
    super(kind, withStoreDetails(message, details), { cause: details.cause })
    this.retryable = details.retryable ?? RETRYABLE_KINDS.has(kind)
    this.status = details.status
    this.code = details.code
    this.requestId = details.requestId
    this.hostId = details.hostId
    this.ec = details.ec
    this.retryAfterMs = details.retryAfterMs
  }
}

function withStoreDetails(message: string, d: TransportErrorDetails): string {
  const parts: string[] = []
  if (d.status !== undefined) parts.push(`status ${d.status}`)
  if (d.code) parts.push(`Code ${d.code}`)
  if (d.requestId) parts.push(`RequestId ${d.requestId}`)
  if (d.hostId) parts.push(`HostId ${d.hostId}`)
  if (d.ec) parts.push(`EC ${d.ec}`)
  return parts.length > 0 ? `${message} (${parts.join(', ')})` : message
}

/** True when `error` is a TransportError, also across realms. */
export function isTransportError(error: unknown): error is TransportError {
  return (
    error instanceof TransportError ||
    (error instanceof Error && error.name === 'TransportError' && 'retryable' in error)
  )
}
