import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** One AssumeRoleWithOIDC call the STS server received: its query and its form, decoded. */
export interface StsRequest {
  readonly method: string
  readonly query: Readonly<Record<string, string>>
  readonly form: Readonly<Record<string, string>>
  readonly contentType: string | undefined
}

/** What the loopback STS answers; change the fields between requests. */
export interface StsBehaviour {
  /** The role and identity provider it accepts; anything else is `EntityNotExist.Role` / `.OIDCProvider`. */
  roleArn: string
  oidcProviderArn: string
  /** The only OIDC token accepted; another gets 400 `AuthenticationFail.OIDCToken.Invalid`. */
  oidcToken: string
  /** The keys handed out, valid for the requested `DurationSeconds`. */
  keys: { accessKeyId: string; secretAccessKey: string; sessionToken: string }
  /** Answer this status with STS's error body (Code `fault.code`) instead of credentials. */
  fault: { status: number; code: string } | undefined
}

/** A loopback Alibaba Cloud STS (sts.aliyuncs.com stand-in) that answers `AssumeRoleWithOIDC`. */
export interface StsServer {
  readonly endpoint: string
  readonly requests: StsRequest[]
  readonly behaviour: StsBehaviour
  close(): Promise<void>
}

/**
 * Starts the server on 127.0.0.1 with an ephemeral port. It checks what the real STS checks for an
 * unsigned `AssumeRoleWithOIDC` (POST, `Action`/`Version`/`Format` in the query, the form's
 * `RoleArn`, `OIDCProviderArn`, `OIDCToken`, `RoleSessionName`, `DurationSeconds` ≥ 900) and
 * answers as STS documents it: `{ RequestId, Credentials: { AccessKeyId, AccessKeySecret,
 * SecurityToken, Expiration } }`, or `{ RequestId, HostId, Code, Message }` with a 4xx/5xx. Error
 * messages echo the token, as a careless server might: a client must never repeat them whole.
 */
export async function startAlibabaStsServer(
  behaviour: Omit<StsBehaviour, 'fault'> & Partial<Pick<StsBehaviour, 'fault'>>,
): Promise<StsServer> {
  const state: StsBehaviour = { fault: undefined, ...behaviour }
  const requests: StsRequest[] = []
  const sockets = new Set<Socket>()
  let serial = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://sts.invalid')
      const query = Object.fromEntries(url.searchParams)
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))
      requests.push({
        method: req.method ?? 'GET',
        query,
        form,
        contentType: req.headers['content-type'],
      })
      const requestId = `STS-REQUEST-${++serial}`
      const send = (status: number, body: Record<string, unknown>): void => {
        res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' })
        res.end(JSON.stringify({ RequestId: requestId, ...body }))
      }
      const fail = (status: number, code: string, message: string): void =>
        send(status, { HostId: 'sts.aliyuncs.com', Code: code, Message: message })
      if (state.fault)
        return fail(state.fault.status, state.fault.code, `fault for ${form.OIDCToken}`)
      if (req.method !== 'POST') return fail(405, 'UnsupportedHTTPMethod', 'POST only')
      if (query.Action !== 'AssumeRoleWithOIDC' || query.Version !== '2015-04-01')
        return fail(400, 'InvalidAction.NotFound', `no action ${query.Action} ${query.Version}`)
      if (query.Format !== 'JSON') return fail(400, 'InvalidParameter.Format', 'JSON expected')
      if (!/^[\w.@-]{2,64}$/.test(form.RoleSessionName ?? ''))
        return fail(400, 'InvalidParameter.RoleSessionName', 'RoleSessionName is invalid')
      const duration = Number(form.DurationSeconds ?? '3600')
      if (!Number.isInteger(duration) || duration < 900)
        return fail(400, 'InvalidParameter.DurationSeconds', 'DurationSeconds is invalid')
      if (form.OIDCProviderArn !== state.oidcProviderArn)
        return fail(
          404,
          'EntityNotExist.OIDCProvider',
          'The specified OIDC provider does not exist',
        )
      if (form.RoleArn !== state.roleArn)
        return fail(404, 'EntityNotExist.Role', 'The specified Role not exists')
      if (form.OIDCToken !== state.oidcToken)
        return fail(
          400,
          'AuthenticationFail.OIDCToken.Invalid',
          `The OIDC token ${form.OIDCToken} is invalid`,
        )
      const expiration = new Date(Date.now() + duration * 1000)
      send(200, {
        Credentials: {
          AccessKeyId: state.keys.accessKeyId,
          AccessKeySecret: state.keys.secretAccessKey,
          SecurityToken: state.keys.sessionToken,
          // As STS writes it: UTC, whole seconds.
          Expiration: expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
        AssumedRoleUser: {
          Arn: `${state.roleArn}/${form.RoleSessionName}`,
          AssumedRoleId: `33157794895460****:${form.RoleSessionName}`,
        },
        OIDCTokenInfo: { Issuer: 'https://oidc.invalid', Subject: 'system:serviceaccount:ns:sa' },
      })
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    behaviour: state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
