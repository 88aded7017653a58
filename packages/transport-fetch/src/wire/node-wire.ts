import { reportProxyWait } from '@resumable/core/http'
import { ConnectionPool } from './connection-pool.ts'
import type { ListedWireResponse } from './fetch-wire.ts'
import type { Endpoint } from './http1-connection.ts'
import { Http1Exchange } from './http1-exchange.ts'
import { type NodeWireProxies, type ProxyEndpoint, type ProxyRoute, proxyRoute } from './proxy.ts'
import { followRedirects } from './redirects.ts'
import type { Wire, WireRequest } from './wire.ts'

/** Options of {@link nodeWire}. */
export interface NodeWireOptions {
  /**
   * Most connections kept open per origin. Must be at least the download's concurrency, or parts
   * wait for a connection.
   * @default 64
   */
  readonly maxSockets?: number
  /**
   * The HTTP proxy to go through: one URL for `http:` and `https:` targets, or one per protocol
   * (`{ http, https }`); `false` or absent: direct. `http://[user:pass@]host[:port]` (port 80 by
   * default; a bare `host:port` means `http://`); credentials, percent-decoded, are sent to the
   * proxy only, as `proxy-authorization: Basic …`. An `http:` request goes to the proxy in
   * absolute form (`GET http://host/path HTTP/1.1`); an `https:` one through a `CONNECT host:port`
   * tunnel, TLS end to end with the origin. Only `http://` proxies: another scheme is a TypeError.
   * The wire never reads the environment itself: {@link proxyFromEnv} does, and
   * `defaultNodeWire()` uses it.
   *
   * @example
   * ```ts
   * nodeWire({ proxy: 'http://alice:s3cret@proxy.corp:3128', noProxy: '.corp.example,10.0.0.0/8' })
   * nodeWire({ proxy: { https: 'http://proxy.corp:3128' } }) // http: URLs go direct
   * ```
   */
  readonly proxy?: string | false | NodeWireProxies | undefined
  /**
   * Hosts reached without the proxy, in `NO_PROXY` syntax as curl reads it: entries separated by
   * commas or spaces; `*` alone: every host; `example.com` or `.example.com`: that host and its
   * subdomains; `host:port`: that port only; IP addresses and CIDR blocks (`10.0.0.0/8`) match
   * addresses exactly; case-insensitive. `localhost` and loopback addresses are proxied unless
   * listed. Each redirect hop is decided afresh.
   */
  readonly noProxy?: string | undefined
  /**
   * Certificates (PEM) trusted for `https:` origins instead of the runtime's roots (as
   * `tls.connect`'s `ca`): a private CA, or a proxy that intercepts TLS. Without it, Node's roots
   * plus `NODE_EXTRA_CA_CERTS`.
   */
  readonly ca?: string | readonly string[] | undefined
}

/**
 * A {@link Wire} speaking HTTP/1.1 over `node:net` / `node:tls` with keep-alive connections. The
 * kernel reads each socket straight into reused memory (`onread`) and body chunks are lent to the
 * reader (`chunksLent`): no allocation per chunk, no web stream, no `Readable`, no parser copy
 * (on loopback nginx about 0.3× the user CPU per byte of undici's dispatcher; see BENCHMARKS.md).
 * Follows redirects like fetch (unless the request says `redirect: 'manual'`, as signed requests
 * do), dropping credentials and `x-amz-*`/`x-oss-*` headers across origins; never decompresses.
 * Goes through an HTTP proxy when told to (`proxy`, `noProxy`); keeps connections per origin and
 * proxy. Runs on Node (its default there), Bun and Deno.
 *
 * @example
 * ```ts
 * import { nodeWire } from '@resumable/transport-fetch/node'
 * const wire = nodeWire({ maxSockets: 16 })
 * const response = await wire.send({ method: 'GET', url, headers: { range: 'bytes=0-99' } })
 * // Its body is an async iterable whose chunks are lent: copy any chunk you keep.
 * for await (const chunk of response.body as AsyncIterable<Uint8Array>) consume(chunk)
 * ```
 */
export function nodeWire(options: NodeWireOptions = {}): Wire {
  const pool = new ConnectionPool(options.maxSockets ?? 64, { ca: options.ca })
  const route = proxyRoute(options)
  return {
    async send(request: WireRequest): Promise<ListedWireResponse> {
      if (request.body !== undefined && request.method !== 'POST')
        throw new TypeError(`a ${request.method} has no body`)
      // Every hop picks its proxy afresh: a redirect may leave (or enter) NO_PROXY's hosts.
      const sendHop = (hop: WireRequest) => sendOnce(pool, route, hop, new URL(hop.url))
      if (request.redirect === 'manual') return sendHop(request)
      return followRedirects(sendHop, request)
    },
  }
}

/** Idle connections close after this unless the server asks for less (`Keep-Alive: timeout=N`). */
const IDLE_MS = 4000

/** An idle time safely inside what the server announced. */
function idleMsFor(keepAlive: string | undefined): number {
  const announced = keepAlive ? /(?:^|,)\s*timeout\s*=\s*(\d+)/i.exec(keepAlive) : null
  if (!announced) return IDLE_MS
  return Math.max(0, Math.min(IDLE_MS, Number(announced[1]) * 1000 - 1000))
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// Field values are bytes 0x20–0xFF and tabs: no CR, LF or NUL can end a line early (RFC 9110 §5.5).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

function endpointOf(url: URL, route: ProxyRoute | undefined): Endpoint {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`unsupported protocol ${url.protocol}`)
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
  const proxy = route === undefined ? undefined : route(url, port)
  return { protocol: url.protocol, hostname: url.hostname, port, proxy }
}

/**
 * The request line and header block, refusing a header that could split the request. Through a
 * proxy an `http:` request names its whole URL (absolute form) and carries the proxy's
 * credentials; `proxy-authorization` otherwise never leaves: not to an origin, not into a tunnel.
 */
function requestHead(
  method: string,
  url: URL,
  headers: Readonly<Record<string, string>>,
  proxy: ProxyEndpoint | undefined,
  body: Uint8Array | undefined,
): string {
  const toProxy = proxy !== undefined && url.protocol === 'http:'
  const target = toProxy
    ? `${url.origin}${url.pathname}${url.search}`
    : `${url.pathname}${url.search}`
  let head = `${method} ${target} HTTP/1.1\r\n`
  if (!('host' in headers)) head += `host: ${url.host}\r\n`
  // The proxy URL's credentials win; without any, a caller's own header may go to the proxy.
  const ownProxyAuthorization = toProxy && proxy.authorization === undefined
  if (toProxy && proxy.authorization !== undefined) {
    head += `proxy-authorization: ${proxy.authorization}\r\n`
  }
  if (body !== undefined) head += `content-length: ${body.length}\r\n`
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'proxy-authorization' && !ownProxyAuthorization) continue
    if (name === 'content-length' && body !== undefined) continue
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`)
    if (!FIELD_VALUE.test(value)) throw new TypeError(`invalid value for header ${name}`)
    head += `${name}: ${value}\r\n`
  }
  return `${head}\r\n${body === undefined ? '' : latin1(body)}`
}

/** Bytes as a string of one code unit each, which the socket writes back as the same bytes. */
function latin1(bytes: Uint8Array): string {
  let text = ''
  for (let at = 0; at < bytes.length; at += 8192) {
    text += String.fromCharCode(...bytes.subarray(at, at + 8192))
  }
  return text
}

/**
 * Sends one request on a pooled connection and resolves with its head. A kept-alive connection
 * the server closed while idle fails before any byte of an answer: the request is sent once more
 * on a new connection (GET and HEAD are safe to repeat; a POST is only sent when it is too).
 */
async function sendOnce(
  pool: ConnectionPool,
  route: ProxyRoute | undefined,
  request: WireRequest,
  url: URL,
): Promise<ListedWireResponse> {
  const { signal, method } = request
  if (signal?.aborted) throw signal.reason
  const endpoint = endpointOf(url, route)
  const head = requestHead(method, url, request.headers, endpoint.proxy, request.body)
  for (let attempt = 0; ; attempt++) {
    const connection = await pool.acquire(endpoint, signal, attempt > 0)
    // A stall deadline on `signal` can then say which proxy went silent, and at what.
    if (signal !== undefined && endpoint.proxy !== undefined)
      connection.watchStage((wait) => reportProxyWait(signal, wait))
    const exchange: Http1Exchange = new Http1Exchange(connection, method, (outcome) => {
      connection.watchStage(undefined)
      signal?.removeEventListener('abort', onAbort)
      const idleMs = idleMsFor(exchange.head?.headers.get('keep-alive'))
      if (outcome === 'reusable') pool.release(endpoint, connection, idleMs)
    })
    const onAbort = (): void => exchange.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    let answer: Awaited<ReturnType<Http1Exchange['send']>>
    try {
      answer = await exchange.send(head)
    } catch (error) {
      if (attempt === 0 && connection.uses > 1 && !exchange.answered && !signal?.aborted) continue
      throw error
    }
    const { status, headers: responseHeaders } = answer
    const body: AsyncIterableIterator<Uint8Array> = {
      [Symbol.asyncIterator]: () => body,
      next: () => exchange.next(),
      async return() {
        exchange.discard()
        return { done: true, value: undefined }
      },
    }
    return {
      status,
      header: (name) => responseHeaders.get(name),
      headerNames: () => responseHeaders.keys(),
      body,
      chunksLent: true,
      keep: (chunk) => exchange.keep(chunk),
      async discard() {
        exchange.discard()
      },
    }
  }
}
