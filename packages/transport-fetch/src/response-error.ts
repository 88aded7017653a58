import { TransportError, type TransportErrorKind } from '@resumable/core'
import { CLOCK_SKEW_CODES, classifyStatus, EXPIRED_TOKEN_CODES } from './classify-status.ts'
import { storeErrorFields } from './parse-error.ts'
import { redactText } from './redact.ts'
import { parseRetryAfter } from './retry-after.ts'

/** How a failed response is to be read and reported. */
export interface ResponseErrorContext {
  /** `GET oss://bucket/key bytes 0-99`: credential-free. */
  readonly describe: string
  /** Strings to mask in the store's message. */
  readonly secrets: readonly string[]
  /** An expired token is retryable when credentials come from a provider. */
  readonly rotatingCredentials: boolean
  /** Signed with our clock: a skew can be measured and corrected. */
  readonly signed: boolean
  /** Local clock with the current correction applied, in ms. */
  readonly now: number
}

/** The error plus, when the server's clock disagrees with ours, the correction to apply. */
export interface ResponseErrorResult {
  /** The error to throw. */
  readonly error: TransportError
  /** How far the server's clock is ahead of our (corrected) clock, in ms, when a skew was detected. */
  readonly clockSkewMs?: number
}

const SKEW_LIMIT_MS = 15 * 60 * 1000

const DEFAULT_MESSAGES: Record<TransportErrorKind, string> = {
  'not-found': 'the object does not exist',
  forbidden: 'access denied',
  auth: 'the request was not authenticated',
  archived: 'the object is archived and not restored',
  'precondition-failed': 'the object changed (If-Match failed)',
  'range-not-satisfiable': 'the requested range is not satisfiable',
  throttled: 'the store is throttling requests',
  server: 'the store failed',
  network: 'the connection failed',
  timeout: 'the store timed out',
  protocol: 'the store answered unexpectedly',
  'invalid-request': 'the store rejected the request',
}

const ARCHIVE_HINT =
  'restore it first (OSS: RestoreObject / `ossutil restore`; S3: RestoreObject), wait until the restore finishes, then download'

/** Reads a non-2xx response (body, or `x-oss-err` on HEAD) into a TransportError; the body is consumed. */
export async function responseError(
  response: Response,
  context: ResponseErrorContext,
): Promise<ResponseErrorResult> {
  let body = ''
  try {
    body = await response.text()
  } catch {
    // An error body that cannot be read still has a status and headers worth reporting.
  }
  const { headers, status } = response
  const fields = storeErrorFields(headers, body)
  let { kind, retryable } = classifyStatus(status, fields.code)
  let note = ''
  let clockSkewMs: number | undefined
  const serverDate = Date.parse(headers.get('date') ?? '')
  const skew = Number.isNaN(serverDate) ? 0 : serverDate - context.now
  const skewCode = fields.code !== undefined && CLOCK_SKEW_CODES.has(fields.code)
  if (context.signed && (skewCode || (status === 403 && Math.abs(skew) > SKEW_LIMIT_MS))) {
    // The signature carried our clock; the next attempt signs with the server's (Go SDK: ClockOffset).
    kind = 'auth'
    retryable = true
    if (!Number.isNaN(serverDate)) {
      clockSkewMs = skew
      note = ` (local clock is off by ${Math.round(skew / 1000)} s; corrected for the next attempt)`
    }
  } else if (fields.code && EXPIRED_TOKEN_CODES.has(fields.code)) {
    retryable = context.rotatingCredentials
  } else if (status === 0 || (status >= 300 && status < 400)) {
    // 0 is a browser's opaque redirect under `redirect: 'manual'`.
    note = ' (the store redirected the request: check the region or endpoint)'
  }
  const storeMessage = fields.message ? redactText(fields.message, context.secrets) : undefined
  let message = `${context.describe} failed: ${storeMessage ?? DEFAULT_MESSAGES[kind]}${note}`
  if (kind === 'archived') message += `; ${ARCHIVE_HINT}`
  const retryAfterMs = parseRetryAfter(headers, context.now)
  const error = new TransportError(kind, message, {
    status,
    ...(retryable === undefined ? {} : { retryable }),
    ...(fields.code ? { code: fields.code } : {}),
    ...(fields.requestId ? { requestId: fields.requestId } : {}),
    ...(fields.hostId ? { hostId: fields.hostId } : {}),
    ...(fields.ec ? { ec: fields.ec } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  })
  return clockSkewMs === undefined ? { error } : { error, clockSkewMs }
}

/** The fail-fast error for an archived object that has not been restored. */
export function archivedError(describe: string, storageClass: string | undefined): TransportError {
  return new TransportError(
    'archived',
    `${describe}: the object is in storage class ${storageClass ?? 'archive'} and not restored; ${ARCHIVE_HINT}`,
    { retryable: false },
  )
}
