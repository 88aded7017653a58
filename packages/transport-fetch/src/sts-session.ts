import { OptionsError, TransportError } from '@resumable/core'
import { readWholeBody } from '@resumable/core/http'
import { encodeQuery, encodeRfc3986 } from './encode.ts'
import { requireOptionsObject } from './options-object.ts'
import {
  alibabaStsCredentials,
  type ExpiringCredentials,
  printable,
  stsFailure,
} from './sts-credentials.ts'
import { fetchWire } from './wire/fetch-wire.ts'
import type { Wire, WireResponse } from './wire/wire.ts'

/** What every STS role assumption takes: the role, the session, and where STS is. */
export interface StsSessionOptions {
  /** The RAM role to assume, `acs:ram::<account>:role/<name>` (`ALIBABA_CLOUD_ROLE_ARN`). */
  readonly roleArn: string
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
  /**
   * How the calls reach STS. @default on Node, the Node wire every transport shares (through the
   * proxies the environment names, as the download goes); elsewhere `fetchWire()`, the runtime's
   * `fetch`, which Deno and Bun send through those proxies themselves
   */
  readonly wire?: Wire
}

/** The options checked: a session ready to be asked for. */
export interface StsSession {
  readonly origin: string
  readonly roleArn: string
  readonly roleSessionName: string
  readonly durationSeconds: number
  readonly policy: string | undefined
  readonly timeoutMs: number
  readonly wire: Wire
  /** When to renew: 15 minutes before the end, at most a quarter of the session (the ECS role's margin). */
  readonly refreshMarginMs: number
}

const SESSION_NAME = /^[\w.@-]{2,64}$/
const ARN = /^acs:ram::[^\s:]+:(role|oidc-provider)\/\S+$/

/** Checks an ARN of `kind` (`role`, `oidc-provider`), throwing an OptionsError for `option`. */
export function checkedArn(option: string, value: unknown, kind: string): string {
  const match = typeof value === 'string' ? ARN.exec(value.trim()) : null
  if (match?.[1] !== kind)
    throw new OptionsError(option, `must be an ARN such as acs:ram::<account id>:${kind}/<name>`, {
      received: value,
    })
  return (value as string).trim()
}

/** The options checked, every refusal an OptionsError before anything is sent. */
export function checkedSession(options: StsSessionOptions): StsSession {
  requireOptionsObject(options)
  const roleArn = checkedArn('roleArn', options.roleArn, 'role')
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
    roleArn,
    roleSessionName,
    durationSeconds,
    policy: options.policy,
    timeoutMs,
    wire: options.wire ?? fetchWire(),
    refreshMarginMs: Math.min(15 * 60_000, (durationSeconds * 1000) / 4),
  }
}

/** The STS origin: the endpoint given (a host means https), else the region's, else the central one. */
export function stsOrigin({ endpoint, region, vpc }: StsSessionOptions): string {
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
      { received: endpoint },
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
      'must be a host or an https:// origin without path or user:password (http:// only to a loopback host: what goes to STS and comes back is secret)',
      { received: endpoint },
    )
  return url.origin
}

/** The common query of an STS call (an RPC-style API): action, version, format, UTC time. */
export function stsQuery(action: string): Record<string, string> {
  return {
    Action: action,
    Format: 'JSON',
    Version: '2015-04-01',
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  }
}

/** The session's part of the form: the role, the session's name and length, the policy. */
export function sessionForm(session: StsSession): Record<string, string> {
  return {
    RoleArn: session.roleArn,
    RoleSessionName: session.roleSessionName,
    DurationSeconds: String(session.durationSeconds),
    ...(session.policy === undefined ? {} : { Policy: session.policy }),
  }
}

/** STS answers a few KiB of JSON; one that runs past this is not STS's. */
const ANSWER_LIMIT = 256 * 1024

/**
 * POSTs one STS call (`query` in the URL, `form` as the body) and returns the `Credentials` it
 * answers. `what` completes "STS at … refused to …"; `secrets` are cut out of STS's own message.
 */
export async function postSts(
  session: StsSession,
  query: Readonly<Record<string, string>>,
  form: Readonly<Record<string, string>>,
  what: string,
  secrets: readonly string[],
): Promise<ExpiringCredentials> {
  const where = `STS at ${session.origin}`
  const action = query.Action ?? 'the call'
  const signal = AbortSignal.timeout(session.timeoutMs)
  let response: WireResponse
  try {
    response = await session.wire.send({
      method: 'POST',
      url: `${session.origin}/?${encodeQuery(Object.entries(query))}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new TextEncoder().encode(encodeQuery(Object.entries(form))),
      // An answer from elsewhere is not STS's: a redirect is a refusal, never followed.
      redirect: 'manual',
      signal,
    })
  } catch (error) {
    throw stsFailure(
      `${where} ${signal.aborted ? `did not answer within ${session.timeoutMs} ms` : 'could not be reached'} when asked (${action}) to ${what}`,
      true,
      // Only the cause's message is kept: a wire's error may name the URL, whose query may be signed.
      new Error(error instanceof Error ? error.message.split('?')[0] : 'the request failed'),
    )
  }
  let body: string
  try {
    body = new TextDecoder().decode(await readWholeBody(response.body, ANSWER_LIMIT))
  } catch (error) {
    await response.discard()
    throw stsFailure(
      `${where} ${signal.aborted ? `did not finish its answer within ${session.timeoutMs} ms` : 'broke off its answer'} to ${action}`,
      true,
      error,
    )
  }
  const data = parseJson(body)
  if (response.status < 200 || response.status > 299)
    throw refusal(response.status, data, `${where} refused to ${what}`, secrets)
  const credentials = isObject(data) ? data.Credentials : undefined
  if (credentials === undefined)
    throw stsFailure(
      `${where} answered ${action} (status ${response.status}) without Credentials`,
      true,
    )
  return alibabaStsCredentials(credentials, `the credentials ${where} gave to ${what}`)
}

/** STS's error answer (`Code`, `Message`, `RequestId`, `HostId`) as a typed error without secrets. */
function refusal(
  status: number,
  data: unknown,
  message: string,
  secrets: readonly string[],
): TransportError {
  const fields = isObject(data) ? data : {}
  const text = (name: string): string | undefined => {
    const value = fields[name]
    return typeof value === 'string' && value !== '' ? printable(value, 300) : undefined
  }
  const code = text('Code')
  // STS answers SignatureDoesNotMatch with its string to sign, which holds the signer's token
  // percent-encoded twice: that part is dropped, and each secret is cut in all three spellings.
  let said = text('Message')?.replace(/\s*server string to sign is:.*$/is, '')
  for (const secret of secrets.filter((s) => s !== ''))
    for (const spelling of [secret, encodeRfc3986(secret), encodeRfc3986(encodeRfc3986(secret))])
      said = said?.split(spelling).join('***')
  const throttled = status === 429 || /^Throttling/.test(code ?? '')
  const retryable = throttled || status >= 500 || /^ServiceUnavailable/.test(code ?? '')
  return new TransportError(
    throttled ? 'throttled' : 'auth',
    `${message}${said ? `: ${said}` : ''}`,
    {
      retryable,
      status,
      ...(code ? { code } : {}),
      ...optional('requestId', text('RequestId')),
      ...optional('hostId', text('HostId')),
    },
  )
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
