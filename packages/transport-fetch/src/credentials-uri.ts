import { OptionsError } from '@resumable/core'
import { requireOptionsObject } from './options-object.ts'
import {
  alibabaStsCredentials,
  type ExpiringCredentials,
  printable,
  renewingCredentials,
  stsFailure,
} from './sts-credentials.ts'
import type { CredentialsProvider } from './types.ts'

/** Options of {@link credentialsUriCredentials}. */
export interface CredentialsUriOptions {
  /** The http(s) URL that answers the credentials (`ALIBABA_CLOUD_CREDENTIALS_URI`). */
  readonly uri: string
  /** Deadline of each request, in ms. @default 10000 */
  readonly timeoutMs?: number
}

// The credentials SDKs renew this long before Expiration: a URI's credentials may be short-lived.
const REFRESH_MARGIN_MS = 3 * 60_000

/**
 * Credentials from a URL of your own, as Alibaba Cloud's credentials SDKs read
 * `ALIBABA_CLOUD_CREDENTIALS_URI`: a GET that answers `{ AccessKeyId, AccessKeySecret,
 * SecurityToken, Expiration }` (with `Code: "Success"` when it sends a Code), typically a sidecar
 * on the same host. Reused until 3 minutes before `Expiration`; one request for concurrent
 * callers; stale-but-valid credentials keep signing while a renewal fails. Messages name the URL
 * without its query, and never a key.
 *
 * @example
 * ```ts
 * import { createOssTransport, credentialsUriCredentials } from '@resumable/transport-fetch'
 * const credentials = credentialsUriCredentials({ uri: 'http://127.0.0.1:8765/credentials' })
 * const transport = createOssTransport({ region: 'cn-hangzhou', bucket: 'b', key: 'k', credentials })
 * ```
 */
export function credentialsUriCredentials(options: CredentialsUriOptions): CredentialsProvider {
  requireOptionsObject(options)
  let url: URL
  try {
    url = new URL(options.uri)
  } catch {
    throw new OptionsError('uri', 'must be an http(s) URL', { received: shown(options.uri) })
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password)
    throw new OptionsError('uri', 'must be an http(s) URL without user:password', {
      received: shown(options.uri),
    })
  const timeoutMs = options.timeoutMs ?? 10_000
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new OptionsError('timeoutMs', 'must be a positive number of milliseconds', {
      received: timeoutMs,
      unit: 'ms',
    })
  const where = `the credentials URI ${shown(url.href)}`
  return renewingCredentials(() => fetchCredentials(url.href, where, timeoutMs), REFRESH_MARGIN_MS)
}

async function fetchCredentials(
  uri: string,
  where: string,
  timeoutMs: number,
): Promise<ExpiringCredentials> {
  let response: Response
  try {
    response = await globalThis.fetch(uri, {
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError'
    // The cause is not kept: fetch's errors name the URL, query included.
    throw stsFailure(
      `${where} ${timedOut ? `did not answer within ${timeoutMs} ms` : 'could not be reached'}`,
      true,
    )
  }
  let body: string
  try {
    body = await response.text()
  } catch {
    throw stsFailure(`${where} broke off its answer`, true)
  }
  if (!response.ok)
    throw stsFailure(
      `${where} answered status ${response.status}`,
      response.status >= 500 || response.status === 429,
    )
  let data: unknown
  try {
    data = JSON.parse(body)
  } catch {
    throw stsFailure(`${where} answered something that is not JSON`, true)
  }
  const code = (data as { Code?: unknown } | null)?.Code
  if (code !== undefined && code !== 'Success')
    throw stsFailure(`${where} answered Code "${printable(String(code))}" (not "Success")`, false)
  return alibabaStsCredentials(data, `the credentials of ${where}`)
}

/** The URL without its query: a token may ride in it. */
function shown(uri: string): string {
  return uri.replace(/[?#].*$/s, '?…')
}
