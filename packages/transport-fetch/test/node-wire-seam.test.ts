import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { isTransportError, type TransportError } from '@resumable/core'
import { collect, makeBytes } from '@resumable/testkit'
import {
  createOssTransport,
  createS3Transport,
  createUrlTransport,
  fetchWire,
  type Wire,
} from '../src/index.node.ts'
import { nodeWire } from '../src/node.ts'
import { selfSigned } from './helpers/self-signed.ts'

// The seam between the shared HTTP layer and the Node wire, over real loopback sockets: signed
// requests never follow redirects, user metadata survives, real network faults are classified.

const bytes = makeBytes(256 * 1024 + 3)
const creds = {
  accessKeyId: 'SEAMAK',
  secretAccessKey: 'seam/secret',
  sessionToken: 'sts-SEAM-1234',
}

interface Recorder {
  readonly url: string
  readonly seen: IncomingMessage['headers'][]
  close(): Promise<void>
}

async function listen(
  server: Server,
  seen: IncomingMessage['headers'][],
  scheme = 'http',
): Promise<Recorder> {
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

async function record(
  route: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Recorder> {
  const seen: IncomingMessage['headers'][] = []
  const server = createServer((req, res) => {
    seen.push(req.headers)
    route(req, res)
  })
  return listen(server, seen)
}

function serveObject(req: IncomingMessage, res: ServerResponse): void {
  const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
  const [start, end] = match ? [Number(match[1]), Number(match[2])] : [0, bytes.length - 1]
  res.statusCode = match ? 206 : 200
  res.setHeader('etag', '"SEAM"')
  res.setHeader('content-length', end - start + 1)
  res.setHeader('x-oss-meta-owner', 'team-a')
  res.setHeader('x-oss-meta-build', '42')
  if (match) res.setHeader('content-range', `bytes ${start}-${end}/${bytes.length}`)
  res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1))
}

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  try {
    await promise
  } catch (error) {
    assert.ok(isTransportError(error), `expected a TransportError, got ${String(error)}`)
    return error
  }
  assert.fail('expected a failure')
}

describe('signed requests never follow a redirect', () => {
  let elsewhere: Recorder
  let store: Recorder
  before(async () => {
    elsewhere = await record(serveObject)
    store = await record((req, res) => {
      res.statusCode = 307
      res.setHeader('location', `${elsewhere.url}${req.url}`)
      res.end()
    })
  })
  after(async () => {
    await store.close()
    await elsewhere.close()
  })

  const wires: [string, () => Wire][] = [
    ['the node wire', () => nodeWire()],
    ["a caller's fetchWire left on 'follow'", () => fetchWire()],
  ]
  for (const [name, makeWire] of wires) {
    it(`OSS with an STS token, through ${name}: the 307 fails the request and the other host sees nothing`, async () => {
      const before = elsewhere.seen.length
      const t = createOssTransport({
        bucket: 'bkt',
        key: 'k',
        region: 'cn-hangzhou',
        endpoint: store.url,
        credentials: creds,
        wire: makeWire(),
      })
      await failure(t.stat())
      assert.equal(elsewhere.seen.length, before)
      assert.ok(store.seen.at(-1)?.['x-oss-security-token'], 'the store got the signed request')
    })

    it(`S3 with an STS token, through ${name}: the 307 fails the request and the other host sees nothing`, async () => {
      const before = elsewhere.seen.length
      const t = createS3Transport({
        bucket: 'bkt',
        key: 'k',
        region: 'us-east-1',
        endpoint: store.url,
        credentials: creds,
        wire: makeWire(),
      })
      await failure(t.stat())
      assert.equal(elsewhere.seen.length, before)
      assert.ok(store.seen.at(-1)?.['x-amz-security-token'], 'the store got the signed request')
    })
  }

  it('a URL (unsigned) through the node wire follows the same 307 to the object', async () => {
    const t = createUrlTransport({ url: `${store.url}/object`, stat: 'head' })
    const info = await t.stat()
    assert.equal(info.size, bytes.length)
  })

  it('the node wire, told to follow, drops authorization and every x-oss-/x-amz- header across origins and keeps the rest', async () => {
    const before = elsewhere.seen.length
    const response = await nodeWire().send({
      method: 'GET',
      url: `${store.url}/object`,
      headers: {
        authorization: 'OSS4-HMAC-SHA256 Credential=SEAMAK/secret-sig',
        'x-oss-security-token': 'sts-SEAM-1234',
        'x-oss-date': '20261202T000000Z',
        'x-amz-security-token': 'sts-SEAM-1234',
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
        cookie: 'session=1',
        range: 'bytes=0-9',
      },
    })
    assert.equal(response.status, 206)
    await response.discard()
    assert.equal(elsewhere.seen.length, before + 1)
    const got = elsewhere.seen.at(-1) ?? {}
    for (const name of Object.keys(got)) {
      assert.doesNotMatch(name, /^(authorization|cookie|x-oss-|x-amz-)/, `${name} crossed origins`)
    }
    assert.equal(got.range, 'bytes=0-9')
  })
})

describe('the Node build of the main entry', () => {
  let server: Recorder
  const realFetch = globalThis.fetch
  let fetchCalls = 0
  before(async () => {
    server = await record(serveObject)
    globalThis.fetch = ((...args: Parameters<typeof fetch>) => {
      fetchCalls++
      return realFetch(...args)
    }) as typeof fetch
  })
  after(async () => {
    globalThis.fetch = realFetch
    await server.close()
  })

  it('createUrlTransport without wire or fetch reads through the node wire, never globalThis.fetch', async () => {
    fetchCalls = 0
    const t = createUrlTransport({ url: `${server.url}/object` })
    const info = await t.stat()
    const r = await t.read({ start: 5, end: 99, object: info })
    assert.deepEqual(await collect(r.body), bytes.subarray(5, 100))
    assert.equal(fetchCalls, 0)
  })

  it('a caller-given fetch is used as before', async () => {
    fetchCalls = 0
    let mine = 0
    const t = createUrlTransport({
      url: `${server.url}/object`,
      fetch: (input, init) => {
        mine++
        return realFetch(input, init)
      },
    })
    await t.stat()
    assert.equal(mine, 1)
    assert.equal(fetchCalls, 0)
  })

  it('stat through the node wire returns x-oss-meta-* user metadata', async () => {
    const t = createOssTransport({
      bucket: 'bkt',
      key: 'k',
      region: 'cn-hangzhou',
      endpoint: server.url,
      credentials: creds,
    })
    const info = await t.stat()
    assert.deepEqual(info.metadata, { owner: 'team-a', build: '42' })
  })
})

describe('real network faults through the node wire are classified', () => {
  let dropper: Recorder
  let https: Recorder | undefined
  before(async () => {
    dropper = await record((req, res) => {
      if (req.url === '/before-headers') {
        req.socket.destroy()
        return
      }
      res.setHeader('etag', '"SEAM"')
      res.setHeader('content-length', bytes.length)
      res.statusCode = 200
      res.write(bytes.subarray(0, 65536))
      setTimeout(() => req.socket.destroy(), 20)
    })
    const tls = selfSigned()
    if (tls) {
      const seen: IncomingMessage['headers'][] = []
      const server = createHttpsServer(tls, (req, res) => {
        seen.push(req.headers)
        serveObject(req, res)
      })
      https = await listen(server, seen, 'https')
    }
  })
  after(async () => {
    await dropper.close()
    await https?.close()
  })

  it('a refused port is a retryable network error', async () => {
    const closed = await record(() => undefined)
    const url = `${closed.url}/object`
    await closed.close()
    const error = await failure(createUrlTransport({ url, wire: nodeWire() }).stat())
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    assert.match(error.message, /the connection was refused \(ECONNREFUSED\)$/)
  })

  it('a socket dropped before the headers is a retryable network error', async () => {
    const url = `${dropper.url}/before-headers`
    const error = await failure(createUrlTransport({ url, wire: nodeWire(), stat: 'head' }).stat())
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
  })

  it('a socket dropped mid-body is a retryable network error naming the bytes received', async () => {
    const t = createUrlTransport({ url: `${dropper.url}/mid-body`, wire: nodeWire() })
    const object = { size: bytes.length, etag: '"SEAM"' }
    const error = await failure(
      (async () => {
        const r = await t.read({ start: 0, end: bytes.length - 1, object })
        await collect(r.body)
      })(),
    )
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    assert.match(error.message, /after \d+ of \d+ bytes/)
  })

  it('a host name that does not resolve is not retryable and says so', async () => {
    const t = createUrlTransport({ url: 'http://no-such-host.invalid/object', wire: nodeWire() })
    const error = await failure(t.stat())
    assert.equal(error.retryable, false)
    assert.match(error.message, /does not resolve/)
  })

  it('a self-signed TLS certificate is not retryable and names NODE_EXTRA_CA_CERTS', async (t) => {
    if (!https) {
      t.skip('openssl is not installed: no certificate to test with')
      return
    }
    const error = await failure(
      createUrlTransport({ url: `${https.url}/object`, wire: nodeWire() }).stat(),
    )
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, false)
    assert.match(error.message, /not trusted/)
    assert.match(error.message, /NODE_EXTRA_CA_CERTS/)
  })
})
