import { OptionsError, TransportError } from '@resumable/core'
import {
  alibabaStsCredentials,
  type ExpiringCredentials,
  printable,
  renewingCredentials,
  stsFailure,
} from './sts-credentials.ts'
import type { CredentialsProvider } from './types.ts'

/** Options of {@link oidcRoleCredentials}. */
export interface OidcRoleOptions {
  /** The RAM role to assume, `acs:ram::<account>:role/<name>` (`ALIBABA_CLOUD_ROLE_ARN`). */
  readonly roleArn: string
  /** The OIDC identity provider, `acs:ram::<account>:oidc-provider/<name>` (`ALIBABA_CLOUD_OIDC_PROVIDER_ARN`). */
  readonly oidcProviderArn: string
  /**
   * Returns the OIDC token (a JWT), asked again before every renewal: Kubernetes rewrites a
   * projected service-account token file (`ALIBABA_CLOUD_OIDC_TOKEN_FILE`) before it expires.
   */
  readonly oidcToken: () => string | Promise<string>
  /** Names the session in ActionTrail; 2–64 of `A–Z a–z 0–9 . @ - _`. @default `resumable-<ms since the epoch>` */
  readonly roleSessionName?: string
  /** How long each set of credentials lasts, from 900 to the role's maximum. @default 3600 */
  readonly durationSeconds?: number
  /** A policy (JSON) that narrows the role's permissions for this session. */
  readonly policy?: string
  /**
   * STS's host (`sts-vpc.cn-hangzhou.aliyuncs.com`, as ACK's RRSA webhook sets
   * `ALIBABA_CLOUD_STS_ENDPOINT`) or origin (`https://…`; `http://` only to a loopback host).
   * @default `sts.<region>.aliyuncs.com` with `region`, else `sts.aliyuncs.com`
   */
  readonly endpoint?: string
  /** STS's region (`ALIBABA_CLOUD_STS_REGION`), when no `endpoint` is given. */
  readonly region?: string
  /** With `region`: the VPC endpoint `sts-vpc.<region>.aliyuncs.com` (`ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED`). @default false */
  readonly vpc?: boolean
  /** Deadline of each request to STS, in ms. @default 10000 */
  readonly timeoutMs?: number
}

// Renew this long before Expiration, at most a quarter of the session: the ECS role's 15 minutes.
const REFRESH_MARGIN_MS = 15 * 60_000
const SESSION_NAME = /^[\w.@-]{2,64}$/
const ARN = /^acs:ram::[^\s:]+:(role|oidc-provider)\/\S+$/

/**
 * Credentials of a RAM role assumed with an OIDC token through STS `AssumeRoleWithOIDC`: RRSA on
 * Alibaba Cloud's Kubernetes (ACK), or any platform that mints OIDC tokens for its jobs. The
 * request needs no signature (the token is the proof). The answer is reused until shortly before
 * its `Expiration`, concurrent callers share one request, and the token is read again for each
 * renewal. Uses the runtime's global `fetch`; errors never show the token or the credentials.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises'
 * import { createOssTransport, oidcRoleCredentials } from '@resumable/transport-fetch'
 * const credentials = oidcRoleCredentials({
 *   roleArn: process.env.ALIBABA_CLOUD_ROLE_ARN!,
 *   oidcProviderArn: process.env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN!,
 *   oidcToken: () => readFile(process.env.ALIBABA_CLOUD_OIDC_TOKEN_FILE!, 'utf8'),
 *   region: 'cn-hangzhou',
 * })
 * const transport = createOssTransport({ region: 'cn-hangzhou', bucket: 'b', key: 'k', credentials })
 * ```
 */
export function oidcRoleCredentials(options: OidcRoleOptions): CredentialsProvider {
  const request = checkedRequest(options)
  const durationMs = request.durationSeconds * 1000
  return renewingCredentials(
    () => assumeRole(request, options.oidcToken),
    Math.min(REFRESH_MARGIN_MS, durationMs / 4),
  )
}

interface AssumeRoleRequest {
  readonly origin: string
  readonly roleArn: string
  readonly oidcProviderArn: string
  readonly roleSessionName: string
  readonly durationSeconds: number
  readonly policy: string | undefined
  readonly timeoutMs: number
}

async function assumeRole(
  request: AssumeRoleRequest,
  oidcToken: OidcRoleOptions['oidcToken'],
): Promise<ExpiringCredentials> {
  const role = `the RAM role "${request.roleArn}"`
  const token = (await readToken(oidcToken, role)).trim()
  if (token.length < 4)
    throw stsFailure(`the OIDC token for ${role} is empty: nothing to send to STS`, false)
  const query = new URLSearchParams({
    Action: 'AssumeRoleWithOIDC',
    Format: 'JSON',
    Version: '2015-04-01',
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  })
  const form = new URLSearchParams({
    RoleArn: request.roleArn,
    OIDCProviderArn: request.oidcProviderArn,
    OIDCToken: token,
    RoleSessionName: request.roleSessionName,
    DurationSeconds: String(request.durationSeconds),
  })
  if (request.policy !== undefined) form.set('Policy', request.policy)
  const where = `STS at ${request.origin}`
  let response: Response
  try {
    response = await globalThis.fetch(`${request.origin}/?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(request.timeoutMs),
    })
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError'
    throw stsFailure(
      `${where} ${timedOut ? `did not answer within ${request.timeoutMs} ms` : 'could not be reached'} when asked to assume ${role} with an OIDC token`,
      true,
      // fetch's errors name the URL, whose query holds no secret; the token travels in the body.
      error,
    )
  }
  let body: string
  try {
    body = await response.text()
  } catch (error) {
    throw stsFailure(`${where} broke off its answer`, true, error)
  }
  const data = parseJson(body)
  if (!response.ok) throw refusal(response.status, data, role, where, token)
  const credentials = isObject(data) ? data.Credentials : undefined
  if (credentials === undefined)
    throw stsFailure(`${where} answered status ${response.status} without Credentials`, true)
  return alibabaStsCredentials(credentials, `the credentials ${where} gave for ${role}`)
}

async function readToken(oidcToken: OidcRoleOptions['oidcToken'], role: string): Promise<string> {
  try {
    return await oidcToken()
  } catch (error) {
    // A missing file today (the volume not yet mounted) may be there on the next attempt.
    throw stsFailure(
      `the OIDC token for ${role} could not be read: ${error instanceof Error ? error.message : String(error)}`,
      true,
      error,
    )
  }
}

/** STS's error answer (`Code`, `Message`, `RequestId`, `HostId`) as a typed error without the token. */
function refusal(
  status: number,
  data: unknown,
  role: string,
  where: string,
  token: string,
): TransportError {
  const fields = isObject(data) ? data : {}
  const text = (name: string): string | undefined => {
    const value = fields[name]
    return typeof value === 'string' && value !== '' ? printable(value, 300) : undefined
  }
  const code = text('Code')
  const said = text('Message')?.split(token).join('***')
  const throttled = status === 429 || /^Throttling/.test(code ?? '')
  const retryable = throttled || status >= 500 || /^ServiceUnavailable/.test(code ?? '')
  return new TransportError(
    throttled ? 'throttled' : 'auth',
    `${where} refused to let ${role} be assumed with the OIDC token${said ? `: ${said}` : ''}`,
    {
      retryable,
      status,
      ...(code ? { code } : {}),
      ...optional('requestId', text('RequestId')),
      ...optional('hostId', text('HostId')),
    },
  )
}

function checkedRequest(options: OidcRoleOptions): AssumeRoleRequest {
  for (const [name, kind] of [
    ['roleArn', 'role'],
    ['oidcProviderArn', 'oidc-provider'],
  ] as const) {
    const value = options[name]
    const match = typeof value === 'string' ? ARN.exec(value.trim()) : null
    if (match?.[1] !== kind)
      throw new OptionsError(name, `must be an ARN such as acs:ram::<account id>:${kind}/<name>`, {
        received: value,
      })
  }
  if (typeof options.oidcToken !== 'function')
    throw new OptionsError('oidcToken', 'must be a function that returns the OIDC token')
  const durationSeconds = options.durationSeconds ?? 3600
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43_200)
    throw new OptionsError(
      'durationSeconds',
      'must be a whole number of seconds from 900 to 43200',
      {
        received: durationSeconds,
        unit: 's',
      },
    )
  const roleSessionName = options.roleSessionName ?? `resumable-${Date.now()}`
  if (!SESSION_NAME.test(roleSessionName))
    throw new OptionsError(
      'roleSessionName',
      'must be 2 to 64 characters of letters, digits, ".", "@", "-" and "_"',
      { received: roleSessionName },
    )
  const timeoutMs = options.timeoutMs ?? 10_000
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new OptionsError('timeoutMs', 'must be a positive number of milliseconds', {
      received: timeoutMs,
      unit: 'ms',
    })
  return {
    origin: stsOrigin(options),
    roleArn: options.roleArn.trim(),
    oidcProviderArn: options.oidcProviderArn.trim(),
    roleSessionName,
    durationSeconds,
    policy: options.policy,
    timeoutMs,
  }
}

/** The STS origin: the endpoint given (a host means https), else the region's, else the central one. */
export function stsOrigin({ endpoint, region, vpc }: OidcRoleOptions): string {
  if (endpoint === undefined || endpoint.trim() === '') {
    if (region === undefined || region.trim() === '') return 'https://sts.aliyuncs.com'
    if (!/^[a-z0-9-]+$/.test(region.trim()))
      throw new OptionsError('region', 'must be a region id such as cn-hangzhou', {
        received: region,
      })
    return `https://${vpc ? 'sts-vpc' : 'sts'}.${region.trim()}.aliyuncs.com`
  }
  const given = endpoint.trim()
  let url: URL
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `https://${given}`)
  } catch {
    throw new OptionsError(
      'endpoint',
      'must be a host such as sts.cn-hangzhou.aliyuncs.com or an https:// origin',
      {
        received: endpoint,
      },
    )
  }
  const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname)
  if (
    (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) ||
    url.username ||
    url.password ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search
  )
    throw new OptionsError(
      'endpoint',
      'must be a host or an https:// origin without path or user:password (http:// only to a loopback host: the OIDC token and the answer are secrets)',
      { received: endpoint },
    )
  return url.origin
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object'
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string }
}
