import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import { listenOnLoopback } from './loopback-listen.ts'

/** One request the metadata server received. */
export interface EcsMetadataRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
}

/** What the loopback ECS metadata server answers; change the fields between requests. */
export interface EcsMetadataBehaviour {
  /** Status of the token PUT (200 hands out `token`). */
  tokenStatus: number
  token: string
  /** The attached role, answered at `/latest/meta-data/ram/security-credentials/`. */
  role: string
  /** The JSON answered for `<role>`; any other role gets a 404. */
  credentials: Record<string, unknown>
  /** Status of the credentials request (200 answers `credentials`, anything else its body as text). */
  credentialsStatus: number
  /** Accept connections and never answer. */
  silent: boolean
}

/** A loopback ECS metadata server (100.100.100.200 stand-in). */
export interface EcsMetadataServer {
  readonly endpoint: string
  readonly requests: EcsMetadataRequest[]
  readonly behaviour: EcsMetadataBehaviour
  close(): Promise<void>
}

const CREDENTIALS_PATH = '/latest/meta-data/ram/security-credentials/'

/** STS credentials as the metadata server answers them, expiring `validForMs` from now. */
export function ecsRoleCredentials(
  keys: { accessKeyId: string; secretAccessKey: string; sessionToken: string },
  validForMs: number,
): Record<string, unknown> {
  return {
    Code: 'Success',
    AccessKeyId: keys.accessKeyId,
    AccessKeySecret: keys.secretAccessKey,
    SecurityToken: keys.sessionToken,
    // As the server writes it: UTC, whole seconds.
    Expiration: new Date(Date.now() + validForMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    LastUpdated: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  }
}

/** Starts the server on 127.0.0.1 with an ephemeral port. */
export async function startEcsMetadataServer(
  behaviour: Partial<EcsMetadataBehaviour> & Pick<EcsMetadataBehaviour, 'credentials'>,
): Promise<EcsMetadataServer> {
  const state: EcsMetadataBehaviour = {
    tokenStatus: 200,
    token: 'imds-token-of-the-test',
    role: 'EcsRoleOfTheTest',
    credentialsStatus: 200,
    silent: false,
    ...behaviour,
  }
  const requests: EcsMetadataRequest[] = []
  const server = createServer((req, res) => {
    const path = req.url ?? '/'
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers })
    if (state.silent) return
    const send = (status: number, body: string, type = 'text/plain'): void => {
      res.writeHead(status, { 'content-type': type }).end(body)
    }
    if (path === '/latest/api/token' && req.method === 'PUT')
      return state.tokenStatus === 200 ? send(200, state.token) : send(state.tokenStatus, 'refused')
    if (req.method !== 'GET') return send(405, 'method not allowed')
    if (path === CREDENTIALS_PATH) return send(200, state.role)
    if (path === `${CREDENTIALS_PATH}${encodeURIComponent(state.role)}`) {
      // A failing answer echoes the credentials: a client must never repeat a body in a message.
      if (state.credentialsStatus !== 200)
        return send(state.credentialsStatus, JSON.stringify(state.credentials))
      return send(200, JSON.stringify(state.credentials), 'application/json')
    }
    notFound(res)
  })
  const { endpoint, close } = await listenOnLoopback(server)
  return { endpoint, requests, behaviour: state, close }
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
}
