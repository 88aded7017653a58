import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import { listenOnLoopback } from './loopback-listen.ts'

/** One call the STS server received: its query and its form, decoded. */
export interface StsRequest {
  readonly method: string
  readonly query: Readonly<Record<string, string>>
  readonly form: Readonly<Record<string, string>>
  readonly contentType: string | undefined
}

/** What the loopback STS answers; change the fields between requests. */
export interface StsBehaviour {
  /** The role it lets be assumed; any other is 404 `EntityNotExist.Role`. */
  roleArn: string
  /** The OIDC provider `AssumeRoleWithOIDC` must name; another is 404 `EntityNotExist.OIDCProvider`. */
  oidcProviderArn: string
  /** The only OIDC token accepted; another gets 400 `AuthenticationFail.OIDCToken.Invalid`. */
  oidcToken: string
  /**
   * The AccessKey allowed to sign `AssumeRole` (RPC signature V1, recomputed here): another id is
   * 404 `InvalidAccessKeyId.NotFound`, another signature 400 `SignatureDoesNotMatch`.
   */
  signer: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined
  /** The `ExternalId` `AssumeRole` must carry, when the role's trust policy requires one. */
  externalId: string | undefined
  /** The keys handed out, valid for the requested `DurationSeconds`. */
  keys: { accessKeyId: string; secretAccessKey: string; sessionToken: string }
  /** Answer this status with STS's error body (Code `fault.code`) instead of credentials. */
  fault: { status: number; code: string } | undefined
}

/** A loopback Alibaba Cloud STS (sts.aliyuncs.com stand-in): `AssumeRoleWithOIDC` and `AssumeRole`. */
export interface StsServer {
  readonly endpoint: string
  readonly requests: StsRequest[]
  readonly behaviour: StsBehaviour
  close(): Promise<void>
}

type Refusal = readonly [status: number, code: string, message: string]

/**
 * Starts the server on 127.0.0.1 with an ephemeral port. It checks what the real STS checks: POST,
 * `Action`/`Version`/`Format` in the query, the form's `RoleArn`, `RoleSessionName` and
 * `DurationSeconds` ≥ 900; for the unsigned `AssumeRoleWithOIDC` its `OIDCProviderArn` and
 * `OIDCToken`; for `AssumeRole` the signature over query and form, the signer's token and the
 * external ID. It answers as STS documents: `{ RequestId, Credentials: { AccessKeyId,
 * AccessKeySecret, SecurityToken, Expiration } }`, or `{ RequestId, HostId, Code, Message }` with
 * a 4xx/5xx. Error messages echo the OIDC token, as a careless server might: a client must never
 * repeat them whole.
 */
export async function startAlibabaStsServer(
  behaviour: Pick<StsBehaviour, 'roleArn' | 'keys'> & Partial<StsBehaviour>,
): Promise<StsServer> {
  const state: StsBehaviour = {
    oidcProviderArn: '',
    oidcToken: '',
    signer: undefined,
    externalId: undefined,
    fault: undefined,
    ...behaviour,
  }
  const requests: StsRequest[] = []
  let serial = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://sts.invalid')
      const query = Object.fromEntries(url.searchParams)
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))
      const method = req.method ?? 'GET'
      requests.push({ method, query, form, contentType: req.headers['content-type'] })
      const requestId = `STS-REQUEST-${++serial}`
      const send = (status: number, body: Record<string, unknown>): void => {
        res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' })
        res.end(JSON.stringify({ RequestId: requestId, ...body }))
      }
      const refused: Refusal | undefined = state.fault
        ? [state.fault.status, state.fault.code, `fault for ${form.OIDCToken}`]
        : refusal(method, query, form, state)
      if (refused) {
        const [status, code, message] = refused
        return send(status, { HostId: 'sts.aliyuncs.com', Code: code, Message: message })
      }
      const duration = Number(form.DurationSeconds ?? '3600')
      send(200, {
        Credentials: {
          AccessKeyId: state.keys.accessKeyId,
          AccessKeySecret: state.keys.secretAccessKey,
          SecurityToken: state.keys.sessionToken,
          // As STS writes it: UTC, whole seconds.
          Expiration: new Date(Date.now() + duration * 1000)
            .toISOString()
            .replace(/\.\d{3}Z$/, 'Z'),
        },
        AssumedRoleUser: {
          Arn: `${state.roleArn}/${form.RoleSessionName}`,
          AssumedRoleId: `33157794895460****:${form.RoleSessionName}`,
        },
      })
    })
  })
  const { endpoint, close } = await listenOnLoopback(server)
  return { endpoint, requests, behaviour: state, close }
}

/** Why STS refuses the call, or undefined when it would hand out credentials. */
function refusal(
  method: string,
  query: Readonly<Record<string, string>>,
  form: Readonly<Record<string, string>>,
  state: StsBehaviour,
): Refusal | undefined {
  if (method !== 'POST') return [405, 'UnsupportedHTTPMethod', 'POST only']
  const action = query.Action
  if (
    (action !== 'AssumeRoleWithOIDC' && action !== 'AssumeRole') ||
    query.Version !== '2015-04-01'
  )
    return [400, 'InvalidAction.NotFound', `no action ${action} ${query.Version}`]
  if (query.Format !== 'JSON') return [400, 'InvalidParameter.Format', 'JSON expected']
  if (!/^[\w.@-]{2,64}$/.test(form.RoleSessionName ?? ''))
    return [400, 'InvalidParameter.RoleSessionName', 'RoleSessionName is invalid']
  const duration = Number(form.DurationSeconds ?? '3600')
  if (!Number.isInteger(duration) || duration < 900)
    return [400, 'InvalidParameter.DurationSeconds', 'DurationSeconds is invalid']
  if (action === 'AssumeRole') {
    const unsigned = signatureRefusal(query, form, state)
    if (unsigned) return unsigned
    if (state.externalId !== undefined && form.ExternalId !== state.externalId)
      return [403, 'NoPermission', 'You are not authorized to assume this role']
  } else {
    if (form.OIDCProviderArn !== state.oidcProviderArn)
      return [404, 'EntityNotExist.OIDCProvider', 'The specified OIDC provider does not exist']
    if (form.OIDCToken !== state.oidcToken)
      return [
        400,
        'AuthenticationFail.OIDCToken.Invalid',
        `The OIDC token ${form.OIDCToken} is invalid`,
      ]
  }
  if (form.RoleArn !== state.roleArn)
    return [404, 'EntityNotExist.Role', 'The specified Role not exists']
  return undefined
}

/** Checks an `AssumeRole` signature as STS does: the signer, its token, then the HMAC-SHA1. */
function signatureRefusal(
  query: Readonly<Record<string, string>>,
  form: Readonly<Record<string, string>>,
  state: StsBehaviour,
): Refusal | undefined {
  const signer = state.signer
  if (!signer || query.AccessKeyId !== signer.accessKeyId)
    return [404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.']
  if (query.SignatureMethod !== 'HMAC-SHA1' || query.SignatureVersion !== '1.0')
    return [400, 'InvalidParameter.SignatureMethod', 'HMAC-SHA1 and version 1.0 expected']
  if (!query.SignatureNonce) return [400, 'MissingSignatureNonce', 'SignatureNonce is mandatory']
  if (query.SecurityToken !== signer.sessionToken)
    return [400, 'InvalidSecurityToken.Mismatch', 'Specified SecurityToken mismatch the AccessKey']
  const { Signature: given, ...signed } = query
  const params: Record<string, string> = { ...signed, ...form }
  const canonical = Object.keys(params)
    .sort()
    .map((name) => `${rfc3986(name)}=${rfc3986(params[name] ?? '')}`)
    .join('&')
  const stringToSign = `POST&%2F&${rfc3986(canonical)}`
  const expected = createHmac('sha1', `${signer.secretAccessKey}&`)
    .update(stringToSign)
    .digest('base64')
  // As STS answers: with its string to sign, the signer's token in it encoded twice.
  if (given !== expected)
    return [
      400,
      'SignatureDoesNotMatch',
      `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
    ]
  return undefined
}

/** Percent-encoding as Alibaba Cloud's RPC signature wants it: all but `A–Z a–z 0–9 - _ . ~`. */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}
