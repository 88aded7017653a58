import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net'
import { after, afterEach, before, describe, it } from 'node:test'
import { isTransportError } from '@resumable/core'
import {
  type ForwardProxy,
  type StsServer,
  startAlibabaStsServer,
  startForwardProxy,
} from '@resumable/testkit/node'
import { oidcRoleCredentials as oidcRoleCredentialsOnNode } from '../src/index.node.ts'
import { fetchWire, type OidcRoleOptions, oidcRoleCredentials } from '../src/index.ts'
import { nodeWire } from '../src/node.ts'
import type { Wire } from '../src/wire/wire.ts'

// Calls to STS go through a wire like every other request: on Node through the Node wire, so
// the proxies a user set reach STS too (Node's own fetch ignores https_proxy). Every case runs on
// both wires.
const KEYS = {
  accessKeyId: 'STS.wire-access-key-id',
  secretAccessKey: 'wire-secret-never-shown',
  sessionToken: 'wire-security-token-never-shown',
}
const ROLE_ARN = 'acs:ram::1234567890123456:role/resumable-reader'
const PROVIDER_ARN = 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-wire'
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3aXJlIn0.signature-of-the-wire-test'
const WIRES: readonly (readonly [string, () => Wire])[] = [
  ['fetch', () => fetchWire()],
  ['node', () => nodeWire()],
]
let sts: StsServer
let proxy: ForwardProxy

before(async () => {
  sts = await startAlibabaStsServer({
    roleArn: ROLE_ARN,
    oidcProviderArn: PROVIDER_ARN,
    oidcToken: JWT,
    keys: KEYS,
  })
  proxy = await startForwardProxy()
})
afterEach(() => {
  sts.requests.length = 0
  proxy.requests.length = 0
  sts.behaviour.fault = undefined
})
after(async () => {
  await sts.close()
  await proxy.close()
})

const options = (wire: Wire, more: Partial<OidcRoleOptions> = {}): OidcRoleOptions => ({
  roleArn: ROLE_ARN,
  oidcProviderArn: PROVIDER_ARN,
  oidcToken: () => JWT,
  endpoint: sts.endpoint,
  roleSessionName: 'wire-test',
  wire,
  ...more,
})

/** A server on 127.0.0.1 answering each request with `answer`; closed by the returned function. */
async function serve(
  answer: Parameters<typeof createServer>[1],
): Promise<{ origin: string; hits: IncomingMessage[]; server: Server }> {
  const hits: IncomingMessage[] = []
  const server = createServer((request, response) => {
    hits.push(request)
    answer?.(request, response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server }
}

/** What `provider` rejects with (a provider may also answer synchronously). */
const failure = (provider: () => unknown): Promise<unknown> =>
  Promise.resolve()
    .then(provider)
    .then(
      () => assert.fail('expected a failure'),
      (error: unknown) => error,
    )

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })

for (const [name, makeWire] of WIRES) {
  describe(`STS through the ${name} wire`, () => {
    it('posts AssumeRoleWithOIDC with its form intact and maps the answer', async () => {
      const credentials = await oidcRoleCredentials(options(makeWire()))()
      assert.deepEqual(credentials, KEYS)
      assert.equal(sts.requests.length, 1)
      const [request] = sts.requests
      assert.equal(request?.method, 'POST')
      assert.equal(request?.contentType, 'application/x-www-form-urlencoded')
      assert.equal(request?.query.Action, 'AssumeRoleWithOIDC')
      assert.equal(request?.form.OIDCToken, JWT)
      assert.equal(request?.form.RoleSessionName, 'wire-test')
    })

    it('a refusal keeps STS Code, and the token is never in the message', async () => {
      sts.behaviour.fault = { status: 503, code: 'ServiceUnavailable' }
      const error = await failure(oidcRoleCredentials(options(makeWire())))
      assert.ok(isTransportError(error), String(error))
      assert.equal(error.code, 'ServiceUnavailable')
      assert.equal(error.retryable, true)
      assert.ok(!error.message.includes(JWT), error.message)
    })

    it('a redirect is a refusal, never followed', async () => {
      const elsewhere = await serve((_request, response) => response.end('{}'))
      const redirecting = await serve((_request, response) => {
        response.writeHead(307, { location: `${elsewhere.origin}/` }).end()
      })
      try {
        const provider = oidcRoleCredentials(options(makeWire(), { endpoint: redirecting.origin }))
        const error = await failure(provider)
        assert.ok(isTransportError(error), String(error))
        assert.match(error.message, /refused/)
        assert.equal(redirecting.hits.length, 1)
        assert.equal(elsewhere.hits.length, 0)
      } finally {
        await close(redirecting.server)
        await close(elsewhere.server)
      }
    })

    it('an STS that accepts and never answers times out as a retryable error naming it', async () => {
      const sockets: Socket[] = []
      const silent = createTcpServer((socket) => sockets.push(socket))
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
      const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
      try {
        const provider = oidcRoleCredentials(options(makeWire(), { endpoint, timeoutMs: 200 }))
        const error = await failure(provider)
        assert.ok(isTransportError(error), String(error))
        assert.equal(error.retryable, true)
        assert.match(error.message, /did not answer within 200 ms/)
      } finally {
        for (const socket of sockets) socket.destroy()
        await new Promise((resolve) => silent.close(resolve))
      }
    })

    it('an answer that runs past 256 KiB is not trusted', async () => {
      const flood = await serve((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(`{"Credentials":{},"Padding":"${'x'.repeat(300 * 1024)}"}`)
      })
      try {
        const provider = oidcRoleCredentials(options(makeWire(), { endpoint: flood.origin }))
        const error = await failure(provider)
        assert.ok(isTransportError(error), String(error))
        assert.match(error.message, /broke off its answer/)
      } finally {
        await close(flood.server)
      }
    })
  })
}

describe('STS on Node', () => {
  it("goes through the wire's proxy: the proxy forwards the POST and its form", async () => {
    const wire = nodeWire({ proxy: proxy.url })
    assert.deepEqual(await oidcRoleCredentials(options(wire))(), KEYS)
    const posts = proxy.requests.filter((r) => r.line.startsWith('POST '))
    assert.equal(posts.length, 1)
    assert.match(
      posts[0]?.line ?? '',
      /^POST http:\/\/127\.0\.0\.1:\d+\/\?.*Action=AssumeRoleWithOIDC/,
    )
    assert.match(posts[0]?.body ?? '', /OIDCToken=/)
    assert.equal(sts.requests[0]?.form.OIDCToken, JWT)
  })

  it("the Node entry's default is the Node wire, not the global fetch", async () => {
    const original = globalThis.fetch
    globalThis.fetch = () => Promise.reject(new Error('the global fetch was used'))
    try {
      const { wire: _, ...withoutWire } = options(fetchWire())
      assert.deepEqual(await oidcRoleCredentialsOnNode(withoutWire)(), KEYS)
    } finally {
      globalThis.fetch = original
    }
  })
})

describe('a POST on the Node wire', () => {
  let echo: Awaited<ReturnType<typeof serve>>
  const received: { method: string; length: string | undefined; body: Buffer }[] = []
  before(async () => {
    echo = await serve((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        received.push({
          method: request.method ?? '',
          length: request.headers['content-length'],
          body: Buffer.concat(chunks),
        })
        const status = Number(new URL(request.url ?? '/', echo.origin).searchParams.get('status'))
        if (status) response.writeHead(status, { location: '/landed' }).end()
        else response.end('ok')
      })
    })
  })
  afterEach(() => {
    received.length = 0
  })
  after(async () => {
    await close(echo.server)
  })

  const everyByte = Uint8Array.from({ length: 256 * 3 }, (_, i) => i % 256)

  it('sends every byte value of its body as it is, with its content-length', async () => {
    const response = await nodeWire().send({
      method: 'POST',
      url: `${echo.origin}/`,
      headers: { 'content-type': 'application/octet-stream', 'content-length': '1' },
      body: everyByte,
    })
    await response.discard()
    assert.equal(response.status, 200)
    assert.equal(received[0]?.length, String(everyByte.length))
    assert.deepEqual(new Uint8Array(received[0]?.body ?? []), everyByte)
  })

  it('refuses a body on a GET, as fetch does, before anything is sent', async () => {
    await assert.rejects(
      nodeWire().send({ method: 'GET', url: `${echo.origin}/`, headers: {}, body: everyByte }),
      TypeError,
    )
    assert.equal(received.length, 0)
  })

  for (const [status, method, bodyBytes] of [
    [303, 'GET', 0],
    [302, 'GET', 0],
    [307, 'POST', everyByte.length],
  ] as const)
    it(`follows a ${status} as fetch does: with a ${method}${bodyBytes ? ' and the body again' : ' without the body'}`, async () => {
      const response = await nodeWire().send({
        method: 'POST',
        url: `${echo.origin}/?status=${status}`,
        headers: { 'content-type': 'application/octet-stream' },
        body: everyByte,
      })
      await response.discard()
      assert.equal(received.length, 2)
      assert.equal(received[1]?.method, method)
      assert.equal(received[1]?.body.length, bodyBytes)
    })
})
