// A tiny HTTP forward proxy on node:net (not node:http's 'connect' event, which Deno and Bun may
// not implement): absolute-form requests forwarded in origin form, CONNECT tunnels, optional
// Basic credentials (407), and a record of everything it saw.
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net'

/** One request head the proxy received. */
export interface ProxiedRequest {
  /** The request line as sent: `GET http://host:port/path HTTP/1.1` or `CONNECT host:port HTTP/1.1`. */
  readonly line: string
  /** Header fields, names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The body its `content-length` announced, as latin1 text (empty without one). */
  readonly body: string
}

/** A running {@link startForwardProxy}. */
export interface ForwardProxy {
  /** `http://127.0.0.1:port`, or with `user:pass@` when asked to. */
  readonly url: string
  /** `127.0.0.1:port`. */
  readonly hostPort: string
  /** Every request head, in arrival order (CONNECTs included). */
  readonly requests: ProxiedRequest[]
  /** Each CONNECT's target, `host:port`. */
  readonly connects: string[]
  /** Client connections accepted. */
  accepted(): number
  /** Every byte a client sent inside its tunnels (after CONNECT), as latin1 text. */
  tunnelled(): string
  close(): Promise<void>
}

/** Options of {@link startForwardProxy}. */
export interface ForwardProxyOptions {
  /** Demand `proxy-authorization: Basic base64(user:pass)`; answer 407 otherwise. */
  readonly credentials?: { readonly user: string; readonly pass: string }
  /** Do not keep the process alive (for a proxy started by a helper with no teardown). */
  readonly unref?: boolean
  /** Write the CONNECT answer's head in two pieces, a moment apart. */
  readonly splitConnectAnswer?: boolean
}

const HEAD_END = '\r\n\r\n'

function parseHead(text: string): Omit<ProxiedRequest, 'body'> {
  const [line = '', ...fields] = text.split('\r\n')
  const headers: Record<string, string> = {}
  for (const field of fields) {
    const colon = field.indexOf(':')
    if (colon > 0)
      headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim()
  }
  return { line, headers }
}

/**
 * Starts a tiny HTTP forward proxy on 127.0.0.1 with an ephemeral port, for tests of a client's
 * proxy support: absolute-form requests (and their bodies) forwarded in origin form, CONNECT
 * tunnels, optional Basic credentials (407), and a record of everything it saw.
 *
 * @example
 * ```ts
 * const proxy = await startForwardProxy()
 * // … a client sends through proxy.url …
 * assert.match(proxy.requests[0]!.line, /^GET http:\/\/127\.0\.0\.1:\d+\//)
 * await proxy.close()
 * ```
 */
export async function startForwardProxy(options: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = []
  const connects: string[] = []
  const sockets = new Set<Socket>()
  let tunnelled = ''
  let accepted = 0
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.pass}`).toString('base64')}`
    : undefined

  const track = (socket: Socket): void => {
    sockets.add(socket)
    if (options.unref) socket.unref()
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }

  const refuse = (client: Socket): void => {
    client.end(
      'HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm="test"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n',
    )
  }

  const server: Server = createServer((client) => {
    accepted++
    track(client)
    let pending = Buffer.alloc(0)
    let upstream: Socket | undefined
    let upstreamTarget = ''
    let tunnel = false

    const onData = (chunk: Buffer): void => {
      if (tunnel) return
      pending = Buffer.concat([pending, chunk])
      for (;;) {
        const end = pending.indexOf(HEAD_END)
        if (end < 0) return
        const head = parseHead(pending.subarray(0, end).toString('latin1'))
        const start = end + HEAD_END.length
        const length = Number(head.headers['content-length'] ?? 0)
        // A request with a body is handled once all of it has arrived.
        if (pending.length < start + length) return
        const body = pending.subarray(start, start + length)
        pending = pending.subarray(start + length)
        const request = { ...head, body: body.toString('latin1') }
        requests.push(request)
        if (expected !== undefined && request.headers['proxy-authorization'] !== expected) {
          refuse(client)
          return
        }
        const [method = '', target = '', version = ''] = request.line.split(' ')
        if (method === 'CONNECT') {
          tunnel = true
          connects.push(target)
          const colon = target.lastIndexOf(':')
          const host = target.slice(0, colon).replace(/^\[|\]$/g, '')
          const origin = connect({ host, port: Number(target.slice(colon + 1)) })
          track(origin)
          const rest = pending
          client.off('data', onData)
          origin.on('connect', () => {
            const answer = 'HTTP/1.1 200 Connection established\r\nvia: test-proxy\r\n\r\n'
            if (options.splitConnectAnswer) {
              client.write(answer.slice(0, 20))
              setTimeout(() => client.write(answer.slice(20)), 20)
            } else client.write(answer)
            if (rest.length > 0) origin.write(rest)
            client.on('data', (bytes: Buffer) => {
              tunnelled += bytes.toString('latin1')
              origin.write(bytes)
            })
            origin.pipe(client)
          })
          origin.on('close', () => client.destroy())
          client.on('close', () => origin.destroy())
          origin.on('error', () =>
            client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n'),
          )
          return
        }
        // Absolute form: forward in origin form to the host it names.
        const url = new URL(target)
        const headers = Object.entries(request.headers)
          .filter(([name]) => name !== 'proxy-authorization' && name !== 'proxy-connection')
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('')
        const forwarded = `${method} ${url.pathname}${url.search} ${version}\r\n${headers}\r\n`
        if (upstream === undefined || upstreamTarget !== url.host || upstream.destroyed) {
          upstream?.destroy()
          const next = connect({
            host: url.hostname.replace(/^\[|\]$/g, ''),
            port: Number(url.port || 80),
          })
          track(next)
          next.pipe(client)
          next.on('close', () => client.destroy())
          upstream = next
          upstreamTarget = url.host
        }
        upstream.write(Buffer.concat([Buffer.from(forwarded, 'latin1'), body]))
      }
    }
    client.on('data', onData)
    client.on('close', () => upstream?.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  if (options.unref) server.unref()
  const port = (server.address() as AddressInfo).port
  const userinfo = options.credentials
    ? `${encodeURIComponent(options.credentials.user)}:${encodeURIComponent(options.credentials.pass)}@`
    : ''
  return {
    url: `http://${userinfo}127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    requests,
    connects,
    accepted: () => accepted,
    tunnelled: () => tunnelled,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
