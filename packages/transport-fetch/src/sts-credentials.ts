import { TransportError } from '@resumable/core'
import type { Credentials, CredentialsProvider } from './types.ts'

/** Temporary credentials and the instant (ms since the epoch) they stop signing. */
export interface ExpiringCredentials {
  readonly credentials: Credentials
  readonly expiresAt: number
}

/**
 * A provider over `fetchFresh` that reuses its answer until `marginMs` before it expires.
 * Concurrent callers share one request; after a failure the next call asks again, and credentials
 * that are stale but not yet expired are handed out meanwhile: one failed refresh must not stop a
 * download that can still sign.
 */
export function renewingCredentials(
  fetchFresh: () => Promise<ExpiringCredentials>,
  marginMs: number,
): CredentialsProvider {
  let cached: ExpiringCredentials | undefined
  let pending: Promise<Credentials> | undefined
  return () => {
    if (cached && Date.now() < cached.expiresAt - marginMs) return cached.credentials
    pending ??= fetchFresh()
      .then(
        (fresh) => {
          cached = fresh
          return fresh.credentials
        },
        (error: unknown) => {
          if (cached && Date.now() < cached.expiresAt) return cached.credentials
          throw error
        },
      )
      .finally(() => {
        pending = undefined
      })
    return pending
  }
}

/**
 * Alibaba Cloud's STS credentials as its services write them (`AccessKeyId`, `AccessKeySecret`,
 * `SecurityToken`, `Expiration` in UTC), from the ECS metadata server's answer or STS's
 * `Credentials` object. `whose` ends each message ("the ECS metadata server's credentials for …").
 */
export function alibabaStsCredentials(data: unknown, whose: string): ExpiringCredentials {
  if (data === null || typeof data !== 'object')
    throw stsFailure(`${whose} are not a JSON object`, true)
  const { AccessKeyId, AccessKeySecret, SecurityToken, Expiration } = data as Record<
    string,
    unknown
  >
  for (const [name, value] of [
    ['AccessKeyId', AccessKeyId],
    ['AccessKeySecret', AccessKeySecret],
    ['SecurityToken', SecurityToken],
  ] as const)
    if (typeof value !== 'string' || value === '') throw stsFailure(`${whose} lack ${name}`, false)
  const expiresAt = typeof Expiration === 'string' ? Date.parse(Expiration) : Number.NaN
  if (Number.isNaN(expiresAt)) throw stsFailure(`${whose} have no valid Expiration`, false)
  return {
    credentials: {
      accessKeyId: AccessKeyId as string,
      secretAccessKey: AccessKeySecret as string,
      sessionToken: SecurityToken as string,
    },
    expiresAt,
  }
}

/** A credentials failure: always `auth`, retryable when asking again may help. */
export function stsFailure(message: string, retryable: boolean, cause?: unknown): TransportError {
  return new TransportError(
    'auth',
    message,
    cause === undefined ? { retryable } : { retryable, cause },
  )
}

/** At most `max` printable ASCII characters of a server-chosen string. */
export function printable(text: string, max = 64): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, max)
}
