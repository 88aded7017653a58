import { OptionsError, TransportError } from '@resumable/core'
import {
  alibabaStsCredentials,
  type ExpiringCredentials,
  stsFailure as failure,
  printable,
  renewingCredentials,
} from './sts-credentials.ts'
import type { CredentialsProvider } from './types.ts'

/** Options of {@link ecsRamRoleCredentials}. */
export interface EcsRamRoleOptions {
  /** The instance RAM role; asked from the metadata server (the role attached to the instance) when omitted. */
  readonly roleName?: string
  /** The metadata server. @default 'http://100.100.100.200' */
  readonly endpoint?: string
  /** Go on without a token when the hardened-mode token request fails; false requires hardened mode. @default true */
  readonly imdsV1Fallback?: boolean
  /** Deadline of each request to the metadata server, in ms. @default 2000 */
  readonly timeoutMs?: number
}

const DEFAULT_ENDPOINT = 'http://100.100.100.200'
// The token TTL the credentials SDKs ask for (6 hours, the maximum).
const TOKEN_TTL_SECONDS = 21_600
// Refresh this long before Expiration: the credentials SDKs' shared stale window (15 minutes).
const REFRESH_MARGIN_MS = 15 * 60_000
const CREDENTIALS_PATH = '/latest/meta-data/ram/security-credentials/'

/**
 * Credentials of the RAM role attached to the ECS instance, from its metadata server: a token in
 * hardened mode (`PUT /latest/api/token`), the role's name when not given, then the role's STS
 * credentials. Concurrent callers share one request; the answer is reused until 15 minutes before
 * its `Expiration`, and asked again after a failure. Uses the runtime's global `fetch`.
 *
 * @example
 * ```ts
 * import { createOssTransport, ecsRamRoleCredentials } from '@resumable/transport-fetch'
 * const transport = createOssTransport({ region: 'cn-hangzhou', bucket: 'b', key: 'k', credentials: ecsRamRoleCredentials() })
 * ```
 */
export function ecsRamRoleCredentials(options: EcsRamRoleOptions = {}): CredentialsProvider {
  const endpoint = checkedEndpoint(options.endpoint ?? DEFAULT_ENDPOINT)
  const timeoutMs = options.timeoutMs ?? 2000
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new OptionsError('timeoutMs', 'must be a positive number of milliseconds', {
      received: timeoutMs,
      unit: 'ms',
    })
  const server = new MetadataServer(endpoint, timeoutMs, options.imdsV1Fallback ?? true)
  return renewingCredentials(() => server.roleCredentials(options.roleName), REFRESH_MARGIN_MS)
}

class MetadataServer {
  readonly #endpoint: string
  readonly #timeoutMs: number
  readonly #v1Fallback: boolean

  constructor(endpoint: string, timeoutMs: number, v1Fallback: boolean) {
    this.#endpoint = endpoint
    this.#timeoutMs = timeoutMs
    this.#v1Fallback = v1Fallback
  }

  async roleCredentials(given: string | undefined): Promise<ExpiringCredentials> {
    const headers: Record<string, string> = {}
    const token = await this.#token()
    if (token !== undefined) headers['x-aliyun-ecs-metadata-token'] = token
    const role = given ?? (await this.#attachedRole(headers))
    const response = await this.#send(
      'GET',
      `${CREDENTIALS_PATH}${encodeURIComponent(role)}`,
      headers,
      `the credentials of the RAM role "${role}"`,
    )
    await this.#expectOk(
      response,
      `the credentials of the RAM role "${role}"`,
      `the ECS metadata server has no RAM role "${role}" (status 404): check the role name (ALIBABA_CLOUD_ECS_METADATA) against the role attached to this instance`,
    )
    return parseCredentials(await this.#text(response), role)
  }

  /** The hardened-mode token; undefined when the server refused it and v1 requests are allowed. */
  async #token(): Promise<string | undefined> {
    const what = 'a hardened-mode token (PUT /latest/api/token)'
    try {
      const response = await this.#send(
        'PUT',
        '/latest/api/token',
        {
          'x-aliyun-ecs-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS),
        },
        what,
      )
      await this.#expectOk(response, what)
      const token = (await this.#text(response)).trim()
      if (token === '')
        throw failure(`the ECS metadata server answered ${what} with an empty body`, false)
      return token
    } catch (error) {
      if (this.#v1Fallback) return undefined
      if (error instanceof TransportError)
        throw new TransportError(
          'auth',
          `${error.message}; requests without a token are disabled (imdsV1Fallback: false, ALIBABA_CLOUD_IMDSV1_DISABLED)`,
          { retryable: error.retryable },
        )
      throw error
    }
  }

  async #attachedRole(headers: Record<string, string>): Promise<string> {
    const what = 'the name of the attached RAM role'
    const response = await this.#send('GET', CREDENTIALS_PATH, headers, what)
    await this.#expectOk(
      response,
      what,
      'the ECS metadata server reports no RAM role attached to this instance (status 404): attach one in the ECS console',
    )
    const role = (await this.#text(response)).trim().split(/\s+/)[0] ?? ''
    if (role === '')
      throw failure('the ECS metadata server reports no RAM role attached to this instance', false)
    return role
  }

  async #send(
    method: 'GET' | 'PUT',
    path: string,
    headers: Record<string, string>,
    what: string,
  ): Promise<Response> {
    try {
      return await globalThis.fetch(`${this.#endpoint}${path}`, {
        method,
        headers,
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
      })
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError'
      throw failure(
        `the ECS metadata server at ${this.#endpoint} ${timedOut ? `did not answer within ${this.#timeoutMs} ms` : 'could not be reached'} when asked for ${what}: is this an ECS instance with a RAM role attached?`,
        true,
        // The cause names only the endpoint: fetch's errors carry no header values.
        error,
      )
    }
  }

  async #expectOk(response: Response, what: string, notFound?: string): Promise<void> {
    if (response.ok) return
    await response.body?.cancel()
    if (response.status === 404 && notFound !== undefined) throw failure(notFound, false)
    // A busy or failing server may answer the next time; anything else will not change.
    const retryable = response.status >= 500 || response.status === 429
    throw failure(
      `the ECS metadata server at ${this.#endpoint} refused ${what} (status ${response.status})`,
      retryable,
    )
  }

  async #text(response: Response): Promise<string> {
    try {
      return await response.text()
    } catch (error) {
      throw failure(
        `the ECS metadata server at ${this.#endpoint} broke off its answer`,
        true,
        error,
      )
    }
  }
}

function parseCredentials(body: string, role: string): ExpiringCredentials {
  const whose = `the ECS metadata server's credentials for the RAM role "${role}"`
  let data: Record<string, unknown>
  try {
    data = JSON.parse(body) as Record<string, unknown>
  } catch {
    throw failure(`${whose} are not JSON`, true)
  }
  if (data !== null && typeof data === 'object' && data.Code !== 'Success') {
    const code = typeof data.Code === 'string' ? printable(data.Code) : String(data.Code)
    throw failure(
      `the ECS metadata server answered Code "${code}" (not "Success") for the credentials of the RAM role "${role}"`,
      false,
    )
  }
  return alibabaStsCredentials(data, whose)
}

function checkedEndpoint(endpoint: string): string {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new OptionsError('endpoint', 'must be an http(s) URL such as http://100.100.100.200')
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password)
    throw new OptionsError('endpoint', 'must be an http(s) URL without user:password')
  return url.origin + url.pathname.replace(/\/+$/, '')
}
