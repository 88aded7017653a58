import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { isTransportError } from '@resumable/core'
import { makeBytes } from '@resumable/testkit'
import { type ForwardProxy, startForwardProxy } from '@resumable/testkit/node'
import { createUrlTransport } from '../src/index.node.ts'
import { nodeWire, noProxyMatcher, proxyFromEnv } from '../src/node.ts'
import { connectAnswer } from '../src/wire/http1-connection.ts'
import type { WireResponse } from '../src/wire/wire.ts'
import { selfSigned } from './helpers/self-signed.ts'

// The node wire through an HTTP proxy: absolute form for http:, CONNECT tunnels for https:,
// Basic credentials for the proxy only, NO_PROXY, and the environment defaultNodeWire reads.

const bytes = makeBytes(300 * 1024 + 5)
const USER = 'alice'
const PASS = 'p@ss:w/rd%41'
const BASIC = `Basic ${Buffer.from(`${USER}:${PASS}`).toString('base64')}`

interface Origin {
  readonly url: string
  /** Each request: its target as the origin saw it, and its headers. */
  readonly seen: { path: string; headers: IncomingMessage['headers'] }[]
  close(): Promise<void>
}

function serve(req: IncomingMessage, res: ServerResponse, base: () => string): void {
  if (req.url?.startsWith('/away')) {
    res.statusCode = 302
    res.setHeader('location', `${new URL(req.url, 'http://x').searchParams.get('to')}`)
    res.end()
    return
  }
  const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
  const [start, end] = match ? [Number(match[1]), Number(match[2])] : [0, bytes.length - 1]
  res.statusCode = match ? 206 : 200
  res.setHeader('content-length', end - start + 1)
  res.setHeader('etag', '"P"')
  res.setHeader('x-served-by', base())
  if (match) res.setHeader('content-range', `bytes ${start}-${end}/${bytes.length}`)
  res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1))
}

async function startOrigin(
  make: (handler: Parameters<typeof createServer>[1]) => Server,
  scheme: string,
): Promise<Origin> {
  const seen: Origin['seen'] = []
  const sockets = new Set<Socket>()
  let base = ''
  const server = make((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers })
    serve(req, res, () => base)
  })
  server.on(scheme === 'https' ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    seen,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** The whole body, each chunk copied as it arrives: the wire lends chunks (`chunksLent`). */
async function readBody(response: WireResponse): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) chunks.push(chunk.slice())
  return new Uint8Array(Buffer.concat(chunks))
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof Error, `expected an Error, got ${String(error)}`)
    return error
  }
  assert.fail('expected a rejection')
}

function assertNoSecret(text: string): void {
  assert.ok(!text.includes(PASS), `the password leaked: ${text}`)
  assert.ok(!text.includes(encodeURIComponent(PASS)), `the encoded password leaked: ${text}`)
  assert.ok(!text.includes(BASIC.slice(6)), `the Basic credentials leaked: ${text}`)
}

describe('nodeWire through an HTTP proxy, to an http: origin', () => {
  let origin: Origin
  let other: Origin
  let proxy: ForwardProxy
  let guarded: ForwardProxy
  before(async () => {
    origin = await startOrigin((h) => createServer(h), 'http')
    other = await startOrigin((h) => createServer(h), 'http')
    proxy = await startForwardProxy()
    guarded = await startForwardProxy({ credentials: { user: USER, pass: PASS } })
  })
  after(async () => {
    await proxy.close()
    await guarded.close()
    await origin.close()
    await other.close()
  })

  it('a GET goes to the proxy in absolute form and returns the right bytes', async () => {
    const wire = nodeWire({ proxy: proxy.url })
    const seenBefore = origin.seen.length
    const response = await wire.send({
      method: 'GET',
      url: `${origin.url}/object?x=1&y=%20`,
      headers: { range: 'bytes=10-100009' },
    })
    assert.equal(response.status, 206)
    assert.deepEqual(await readBody(response), bytes.subarray(10, 100010))
    assert.equal(proxy.requests.at(-1)?.line, `GET ${origin.url}/object?x=1&y=%20 HTTP/1.1`)
    assert.equal(proxy.requests.at(-1)?.headers.host, origin.url.slice('http://'.length))
    assert.equal(origin.seen.length, seenBefore + 1)
    assert.equal(origin.seen.at(-1)?.path, '/object?x=1&y=%20')
  })

  it('a kept-alive connection to the proxy carries the next request', async () => {
    const wire = nodeWire({ proxy: proxy.url })
    const acceptedBefore = proxy.accepted()
    for (const range of ['bytes=0-9', 'bytes=10-19', 'bytes=20-29']) {
      const response = await wire.send({
        method: 'GET',
        url: `${origin.url}/k`,
        headers: { range },
      })
      assert.equal((await readBody(response)).length, 10)
    }
    assert.equal(
      proxy.accepted() - acceptedBefore,
      1,
      'one connection to the proxy for three requests',
    )
  })

  it('credentials in the proxy URL go to the proxy, percent-decoded, and never to the origin', async () => {
    const wire = nodeWire({ proxy: guarded.url })
    const response = await wire.send({
      method: 'GET',
      url: `${origin.url}/auth`,
      headers: { range: 'bytes=0-99' },
    })
    assert.equal(response.status, 206)
    await readBody(response)
    assert.equal(guarded.requests.at(-1)?.headers['proxy-authorization'], BASIC)
    assert.equal(origin.seen.at(-1)?.path, '/auth')
    assert.equal(origin.seen.at(-1)?.headers['proxy-authorization'], undefined)
  })

  it('without credentials the guarded proxy answers 407, handed back as a response', async () => {
    const wire = nodeWire({ proxy: guarded.hostPort })
    const response = await wire.send({ method: 'GET', url: `${origin.url}/no-auth`, headers: {} })
    assert.equal(response.status, 407)
    await response.discard()
  })

  it('noProxy sends a listed host:port direct and proxies the rest', async () => {
    const port = new URL(origin.url).port
    const wire = nodeWire({ proxy: proxy.url, noProxy: `example.com, 127.0.0.1:${port}` })
    const before = proxy.requests.length
    const response = await wire.send({ method: 'GET', url: `${origin.url}/direct`, headers: {} })
    assert.equal(response.status, 200)
    await readBody(response)
    assert.equal(proxy.requests.length, before, 'the listed origin was reached directly')
    assert.equal(origin.seen.at(-1)?.path, '/direct')
    const proxied = await wire.send({ method: 'GET', url: `${other.url}/proxied`, headers: {} })
    await readBody(proxied)
    assert.equal(proxy.requests.at(-1)?.line, `GET ${other.url}/proxied HTTP/1.1`)
  })

  it("a caller's own proxy-authorization never reaches an origin on a direct connection", async () => {
    const wire = nodeWire()
    const response = await wire.send({
      method: 'GET',
      url: `${origin.url}/own-header`,
      headers: { 'proxy-authorization': BASIC, range: 'bytes=0-0' },
    })
    await readBody(response)
    assert.equal(origin.seen.at(-1)?.path, '/own-header')
    assert.equal(origin.seen.at(-1)?.headers['proxy-authorization'], undefined)
  })

  it('a redirect to a host NO_PROXY lists goes direct, and one back to the proxy is proxied', async () => {
    const otherPort = new URL(other.url).port
    // `other` is bypassed by its port; `origin` is proxied.
    const wire = nodeWire({ proxy: guarded.url, noProxy: `127.0.0.1:${otherPort}` })
    const before = guarded.requests.length
    const target = `${other.url}/landed`
    const response = await wire.send({
      method: 'GET',
      url: `${origin.url}/away?to=${encodeURIComponent(target)}`,
      headers: {},
    })
    assert.equal(response.status, 200)
    assert.equal(response.header('x-served-by'), other.url)
    await readBody(response)
    assert.deepEqual(
      guarded.requests.slice(before).map((r) => r.line),
      [`GET ${origin.url}/away?to=${encodeURIComponent(target)} HTTP/1.1`],
    )
    assert.equal(other.seen.at(-1)?.path, '/landed')
    assert.equal(other.seen.at(-1)?.headers['proxy-authorization'], undefined)

    const back = `${origin.url}/back`
    const second = await wire.send({
      method: 'GET',
      url: `${other.url}/away?to=${encodeURIComponent(back)}`,
      headers: {},
    })
    assert.equal(second.header('x-served-by'), origin.url)
    await readBody(second)
    assert.equal(guarded.requests.at(-1)?.line, `GET ${back} HTTP/1.1`)
    assert.equal(guarded.requests.at(-1)?.headers['proxy-authorization'], BASIC)
  })

  it('through createUrlTransport, a stat and a read arrive intact', async () => {
    const t = createUrlTransport({ url: `${origin.url}/t`, wire: nodeWire({ proxy: proxy.url }) })
    const info = await t.stat()
    assert.equal(info.size, bytes.length)
    assert.ok(proxy.requests.some((r) => r.line.endsWith(` ${origin.url}/t HTTP/1.1`)))
  })
})

describe('nodeWire through an HTTP proxy, to an https: origin (CONNECT)', () => {
  let ca: string | undefined
  let origin: Origin | undefined
  let proxy: ForwardProxy
  let guarded: ForwardProxy
  let split: ForwardProxy
  before(async () => {
    proxy = await startForwardProxy()
    guarded = await startForwardProxy({ credentials: { user: USER, pass: PASS } })
    split = await startForwardProxy({ splitConnectAnswer: true })
    const tls = selfSigned({ ipSan: true })
    if (tls) {
      ca = tls.cert
      origin = await startOrigin((h) => createHttpsServer(tls, h), 'https')
    }
  })
  after(async () => {
    await proxy.close()
    await guarded.close()
    await split.close()
    await origin?.close()
  })

  const NO_OPENSSL = 'openssl is not installed: no certificate to test with'

  it('a GET goes through CONNECT; the proxy sees only ciphertext; the bytes arrive intact', async (t) => {
    if (!origin || !ca) return t.skip(NO_OPENSSL)
    const wire = nodeWire({ proxy: proxy.url, ca })
    const host = origin.url.slice('https://'.length)
    const response = await wire.send({
      method: 'GET',
      url: `${origin.url}/secret-path?token=plaintext-marker`,
      headers: { range: 'bytes=5-200004' },
    })
    assert.equal(response.status, 206)
    assert.deepEqual(await readBody(response), bytes.subarray(5, 200005))
    assert.deepEqual(proxy.connects, [host])
    assert.equal(proxy.requests[0]?.line, `CONNECT ${host} HTTP/1.1`)
    assert.equal(proxy.requests[0]?.headers.host, host)
    assert.equal(proxy.requests.length, 1, 'the request itself went inside the tunnel')
    assert.ok(proxy.tunnelled().length > 0, 'bytes went through the tunnel')
    assert.ok(!proxy.tunnelled().includes('plaintext-marker'), 'the proxy saw the request in clear')
    assert.ok(!proxy.tunnelled().includes('bytes=5-'), 'the proxy saw the range in clear')
    assert.equal(origin.seen.at(-1)?.path, '/secret-path?token=plaintext-marker')
  })

  it('the tunnel is kept alive: a second request reuses it, with no second CONNECT', async (t) => {
    if (!origin || !ca) return t.skip(NO_OPENSSL)
    const wire = nodeWire({ proxy: proxy.url, ca })
    const connectsBefore = proxy.connects.length
    for (const range of ['bytes=0-65535', 'bytes=65536-300000']) {
      const response = await wire.send({
        method: 'GET',
        url: `${origin.url}/again`,
        headers: { range },
      })
      const [start = 0, end = 0] = range.slice(6).split('-').map(Number)
      assert.deepEqual(await readBody(response), bytes.subarray(start, end + 1))
    }
    assert.equal(proxy.connects.length - connectsBefore, 1)
  })

  it('credentials go on the CONNECT only, never inside the tunnel to the origin', async (t) => {
    if (!origin || !ca) return t.skip(NO_OPENSSL)
    const wire = nodeWire({ proxy: { https: guarded.url }, ca })
    const response = await wire.send({
      method: 'GET',
      url: `${origin.url}/tunnel-auth`,
      // A caller's own proxy-authorization must not go into the tunnel either.
      headers: { range: 'bytes=0-9', 'proxy-authorization': 'Basic b3duOmhlYWRlcg==' },
    })
    assert.equal(response.status, 206)
    await readBody(response)
    assert.equal(guarded.requests.at(-1)?.line.startsWith('CONNECT '), true)
    assert.equal(guarded.requests.at(-1)?.headers['proxy-authorization'], BASIC)
    assert.equal(origin.seen.at(-1)?.path, '/tunnel-auth')
    assert.equal(origin.seen.at(-1)?.headers['proxy-authorization'], undefined)
  })

  it('a 407 to CONNECT rejects, naming the proxy and the status line, never the credentials', async (t) => {
    if (!origin) return t.skip(NO_OPENSSL)
    const wrong = guarded.url.replace(encodeURIComponent(PASS), 'nope')
    const wire = nodeWire({ proxy: wrong, ...(ca ? { ca } : {}) })
    const error = await rejection(
      wire.send({ method: 'GET', url: `${origin.url}/refused`, headers: {} }),
    )
    assert.match(error.message, new RegExp(guarded.hostPort.replace(/\./g, '\\.')))
    assert.match(error.message, /HTTP\/1\.1 407 Proxy Authentication Required/)
    assert.ok(!error.message.includes('nope'))
    assertNoSecret(error.message)

    // And through a transport: a TransportError whose message names the proxy.
    const anonymous = nodeWire({ proxy: guarded.hostPort, ...(ca ? { ca } : {}) })
    const refused = await rejection(
      createUrlTransport({ url: `${origin.url}/refused`, wire: anonymous }).stat(),
    )
    assert.ok(isTransportError(refused))
    assert.equal(refused.kind, 'auth')
    assert.equal(refused.retryable, false, 'the same credentials would be refused again')
    assert.match(refused.message, /407/)
    assert.ok(refused.message.includes(guarded.hostPort))
    assertNoSecret(refused.message)
    assertNoSecret(String((refused as { cause?: unknown }).cause))
  })

  it('a CONNECT answer split across packets is read whole before TLS starts', async (t) => {
    if (!origin || !ca) return t.skip(NO_OPENSSL)
    const wire = nodeWire({ proxy: split.url, ca })
    const response = await wire.send({
      method: 'GET',
      url: `${origin.url}/split`,
      headers: { range: 'bytes=0-999' },
    })
    assert.deepEqual(await readBody(response), bytes.subarray(0, 1000))
    assert.equal(split.connects.length, 1)
  })

  it('an https: origin NO_PROXY lists goes direct: no CONNECT', async (t) => {
    if (!origin || !ca) return t.skip(NO_OPENSSL)
    const before = proxy.connects.length
    const wire = nodeWire({ proxy: proxy.url, noProxy: '.0.0.1,127.0.0.1', ca })
    const response = await wire.send({ method: 'GET', url: `${origin.url}/direct`, headers: {} })
    assert.equal(response.status, 200)
    await readBody(response)
    assert.equal(proxy.connects.length, before)
  })
})

describe('proxy options', () => {
  it('only http:// proxies: another scheme is a TypeError that does not echo the URL', () => {
    for (const url of ['https://u:hunter2@proxy:443', 'socks5://u:hunter2@proxy:1080']) {
      assert.throws(
        () => nodeWire({ proxy: url }),
        (error: unknown) =>
          error instanceof TypeError &&
          /only http:\/\/ proxies/.test(error.message) &&
          !error.message.includes('hunter2'),
      )
    }
    assert.throws(() => nodeWire({ proxy: { https: 'http://[bad' } }), TypeError)
  })

  it('a bare host:port is an http:// proxy; false and empty mean direct', () => {
    nodeWire({ proxy: '127.0.0.1:3128' })
    nodeWire({ proxy: false })
    nodeWire({ proxy: { http: '', https: false } })
  })
})

describe('noProxyMatcher (curl NO_PROXY rules)', () => {
  it('a name matches itself and its subdomains, with or without a leading dot', () => {
    for (const list of ['example.com', '.example.com']) {
      const direct = noProxyMatcher(list)
      assert.equal(direct('example.com', 443), true, list)
      assert.equal(direct('a.example.com', 443), true, list)
      assert.equal(direct('a.b.example.com', 80), true, list)
      assert.equal(direct('badexample.com', 443), false, list)
      assert.equal(direct('example.com.evil', 443), false, list)
    }
  })

  it('entries split on commas and white space; case does not matter', () => {
    const direct = noProxyMatcher(' Foo.EXAMPLE ,bar.test\tbaz.test  ')
    assert.equal(direct('foo.example', 80), true)
    assert.equal(direct('x.FOO.example', 80), true)
    assert.equal(direct('bar.test', 80), true)
    assert.equal(direct('baz.test', 80), true)
    assert.equal(direct('qux.test', 80), false)
    assert.equal(direct('example.com.', 80), false)
    assert.equal(noProxyMatcher('example.com')('EXAMPLE.com.', 80), true)
  })

  it('an entry with a port matches that port only', () => {
    const direct = noProxyMatcher('example.com:8080,[::1]:9000,10.1.2.3:81')
    assert.equal(direct('example.com', 8080), true)
    assert.equal(direct('a.example.com', 8080), true)
    assert.equal(direct('example.com', 443), false)
    assert.equal(direct('[::1]', 9000), true)
    assert.equal(direct('[::1]', 9001), false)
    assert.equal(direct('10.1.2.3', 81), true)
    assert.equal(direct('10.1.2.3', 80), false)
  })

  it('* alone bypasses every host; an empty list none', () => {
    assert.equal(noProxyMatcher('*')('anything.example', 1), true)
    assert.equal(noProxyMatcher('*')('10.0.0.1', 1), true)
    assert.equal(noProxyMatcher('')('example.com', 80), false)
    assert.equal(noProxyMatcher(' , ')('example.com', 80), false)
  })

  it('IP addresses match exactly, never as a name suffix; CIDR blocks match their range', () => {
    const direct = noProxyMatcher('10.0.0.1, ::1, 192.168.0.0/16, fd00::/8, 0.0.1')
    assert.equal(direct('10.0.0.1', 80), true)
    assert.equal(direct('110.0.0.1', 80), false)
    assert.equal(direct('10.0.0.10', 80), false)
    assert.equal(direct('[::1]', 80), true)
    assert.equal(direct('[0:0:0:0:0:0:0:1]', 80), true)
    assert.equal(direct('192.168.44.5', 80), true)
    assert.equal(direct('192.169.0.1', 80), false)
    assert.equal(direct('[fd12:3456::1]', 80), true)
    assert.equal(direct('[fe80::1]', 80), false)
    // `0.0.1` is not an address: it must not match 10.0.0.1 by suffix.
    assert.equal(noProxyMatcher('0.0.1')('10.0.0.1', 80), false)
  })

  it('localhost and loopback are proxied unless listed', () => {
    const direct = noProxyMatcher('example.com')
    assert.equal(direct('localhost', 80), false)
    assert.equal(direct('127.0.0.1', 80), false)
    assert.equal(direct('[::1]', 80), false)
    assert.equal(noProxyMatcher('localhost')('localhost', 3000), true)
  })
})

describe('proxyFromEnv (what defaultNodeWire reads)', () => {
  it('lower case first, then upper case, per protocol', () => {
    assert.deepEqual(
      proxyFromEnv({
        http_proxy: 'http://lower-http:1',
        HTTP_PROXY: 'http://upper-http:1',
        https_proxy: 'http://lower-https:1',
        HTTPS_PROXY: 'http://upper-https:1',
      }).proxy,
      { http: 'http://lower-http:1', https: 'http://lower-https:1' },
    )
    assert.deepEqual(
      proxyFromEnv({ HTTP_PROXY: 'http://upper-http:1', HTTPS_PROXY: 'http://upper-https:1' })
        .proxy,
      { http: 'http://upper-http:1', https: 'http://upper-https:1' },
    )
  })

  it('all_proxy, then ALL_PROXY, serve a protocol with none of its own; empty counts as unset', () => {
    assert.deepEqual(
      proxyFromEnv({ https_proxy: 'http://s:1', all_proxy: 'http://a:1', ALL_PROXY: 'http://A:1' })
        .proxy,
      { http: 'http://a:1', https: 'http://s:1' },
    )
    assert.deepEqual(proxyFromEnv({ ALL_PROXY: 'http://A:1', http_proxy: '' }).proxy, {
      http: 'http://A:1',
      https: 'http://A:1',
    })
    assert.deepEqual(proxyFromEnv({}), { proxy: { http: false, https: false }, noProxy: undefined })
  })

  it('no_proxy, then NO_PROXY', () => {
    assert.equal(proxyFromEnv({ no_proxy: 'a.test', NO_PROXY: 'b.test' }).noProxy, 'a.test')
    assert.equal(proxyFromEnv({ NO_PROXY: 'b.test' }).noProxy, 'b.test')
  })

  it('under CGI (REQUEST_METHOD set) HTTP_PROXY is ignored: httpoxy', () => {
    const cgi = { REQUEST_METHOD: 'GET', HTTP_PROXY: 'http://attacker:1' }
    assert.equal(proxyFromEnv(cgi).proxy.http, false)
    assert.equal(proxyFromEnv({ ...cgi, http_proxy: 'http://mine:1' }).proxy.http, 'http://mine:1')
    assert.equal(proxyFromEnv({ ...cgi, ALL_PROXY: 'http://all:1' }).proxy.http, 'http://all:1')
    // HTTPS_PROXY cannot be set by a request header (there is no HTTPS_ prefix in CGI).
    assert.equal(proxyFromEnv({ ...cgi, HTTPS_PROXY: 'http://s:1' }).proxy.https, 'http://s:1')
  })

  it('its result configures a wire', () => {
    nodeWire(proxyFromEnv({ HTTPS_PROXY: 'proxy.corp:3128', NO_PROXY: '*.corp,localhost' }))
  })
})

describe('connectAnswer (the head of a proxy answer to CONNECT)', () => {
  const encode = (text: string): Uint8Array => new TextEncoder().encode(text)

  it('waits for the empty line, and ends exactly there: bytes after it are the tunnel', () => {
    assert.equal(connectAnswer(encode('HTTP/1.1 200 Connection established\r\n')), undefined)
    const head = 'HTTP/1.1 200 Connection established\r\nvia: p\r\n\r\n'
    const answer = connectAnswer(encode(`${head}\x16\x03\x01rest`))
    assert.deepEqual(answer, {
      status: 200,
      line: 'HTTP/1.1 200 Connection established',
      end: head.length,
    })
    assert.equal(connectAnswer(encode('HTTP/1.0 200\n\n'))?.end, 14)
  })

  it('a non-HTTP answer throws', () => {
    assert.throws(() => connectAnswer(encode('SSH-2.0-OpenSSH\r\n\r\n')), /not an HTTP answer/)
  })
})
