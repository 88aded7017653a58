import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net'
import { after, afterEach, before, describe, it } from 'node:test'
import { isTransportError, OptionsError } from '@resumable/core'
import { withClockAhead } from '@resumable/testkit'
import {
  type ForwardProxy,
  type StsServer,
  startAlibabaStsServer,
  startForwardProxy,
} from '@resumable/testkit/node'
import { oidcRoleCredentials as oidcRoleCredentialsOnNode } from '../src/index.node.ts'
import { fetchWire, type OidcRoleOptions, oidcRoleCredentials } from '../src/index.ts'
import { nodeWire } from '../src/node.ts'
import { stsOrigin } from '../src/sts-session.ts'
import type { Wire } from '../src/wire/wire.ts'
import { downloadSignedWith, refusalHiding } from './helpers/role-credentials.ts'

// A RAM role assumed with an OIDC token (RRSA), against a loopback STS standing in for sts.aliyuncs.com.
const KEYS = {
  accessKeyId: 'STS.oidc-access-key-id',
  secretAccessKey: 'oidc-secret-never-shown',
  sessionToken: 'oidc-security-token-never-shown',
}
const ROLE_ARN = 'acs:ram::1234567890123456:role/resumable-reader'
const PROVIDER_ARN = 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-c0ffee'
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.signature-of-the-test'
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
  Object.assign(sts.behaviour, { oidcToken: JWT, keys: KEYS, fault: undefined })
})
after(async () => {
  await sts.close()
  await proxy.close()
})

const options = (more: Partial<OidcRoleOptions> = {}): OidcRoleOptions => ({
  roleArn: ROLE_ARN,
  oidcProviderArn: PROVIDER_ARN,
  oidcToken: () => JWT,
  endpoint: sts.endpoint,
  ...more,
})

const refusal = (promise: unknown) =>
  refusalHiding(promise, [JWT, KEYS.secretAccessKey, KEYS.sessionToken])

describe('oidcRoleCredentials', () => {
  it('posts an unsigned AssumeRoleWithOIDC (action in the query, token in the form) and maps the answer', async () => {
    const credentials = await oidcRoleCredentials(options({ roleSessionName: 'job-7' }))()
    assert.deepEqual(credentials, KEYS)
    assert.equal(sts.requests.length, 1)
    const [request] = sts.requests
    assert.equal(request?.method, 'POST')
    assert.equal(request?.contentType, 'application/x-www-form-urlencoded')
    assert.deepEqual(Object.keys(request?.query ?? {}).sort(), [
      'Action',
      'Format',
      'Timestamp',
      'Version',
    ])
    assert.match(request?.query.Timestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.deepEqual(request?.form, {
      RoleArn: ROLE_ARN,
      OIDCProviderArn: PROVIDER_ARN,
      OIDCToken: JWT,
      RoleSessionName: 'job-7',
      DurationSeconds: '3600',
    })
    for (const name of ['Signature', 'SignatureMethod', 'AccessKeyId'])
      assert.equal(request?.query[name], undefined)
  })

  it('names the session resumable-<ms> unless told, and sends a Policy only when given', async () => {
    await oidcRoleCredentials(options())()
    await oidcRoleCredentials(options({ policy: '{"Version":"1","Statement":[]}' }))()
    assert.match(sts.requests[0]?.form.RoleSessionName ?? '', /^resumable-\d{13}$/)
    assert.equal(sts.requests[0]?.form.Policy, undefined)
    assert.equal(sts.requests[1]?.form.Policy, '{"Version":"1","Statement":[]}')
  })

  it('fresh credentials are reused, concurrent callers share one request', async () => {
    const provider = oidcRoleCredentials(options())
    await Promise.all([provider(), provider(), provider()])
    await provider()
    assert.equal(sts.requests.length, 1)
  })

  it('renews 15 minutes before Expiration, reading the rotated token again', async () => {
    let token = JWT
    const provider = oidcRoleCredentials(options({ oidcToken: () => token }))
    await provider()
    // Kubernetes rewrote the projected token; STS now takes only the new one.
    token = `${JWT}-rotated`
    sts.behaviour.oidcToken = token
    sts.behaviour.keys = { ...KEYS, accessKeyId: 'STS.renewed' }
    assert.equal(
      (await withClockAhead(44 * 60_000, async () => provider())).accessKeyId,
      KEYS.accessKeyId,
    )
    assert.equal(
      (await withClockAhead(46 * 60_000, async () => provider())).accessKeyId,
      'STS.renewed',
    )
    assert.deepEqual(
      sts.requests.map((r) => r.form.OIDCToken),
      [JWT, token],
    )
  })

  it('a short session renews a quarter of its length before it ends', async () => {
    const provider = oidcRoleCredentials(options({ durationSeconds: 900 }))
    await provider()
    await withClockAhead(10 * 60_000, async () => provider())
    assert.equal(sts.requests.length, 1)
    await withClockAhead(12 * 60_000, async () => provider())
    assert.equal(sts.requests.length, 2)
    assert.equal(sts.requests[1]?.form.DurationSeconds, '900')
  })

  it('a refused token is a non-retryable auth error with STS Code and RequestId, the token hidden', async () => {
    const provider = oidcRoleCredentials(options({ oidcToken: () => `${JWT}x` }))
    sts.behaviour.oidcToken = 'another'
    const error = await refusal(provider())
    assert.equal(error.kind, 'auth')
    assert.equal(error.retryable, false)
    assert.equal(error.status, 400)
    assert.equal(error.code, 'AuthenticationFail.OIDCToken.Invalid')
    assert.match(error.requestId ?? '', /^STS-REQUEST-\d+$/)
    assert.match(error.message, /acs:ram::1234567890123456:role\/resumable-reader/)
    assert.match(error.message, /The OIDC token \*\*\* is invalid/)
  })

  it('an unknown role is named with its Code', async () => {
    const error = await refusal(
      oidcRoleCredentials(options({ roleArn: 'acs:ram::1234567890123456:role/other' }))(),
    )
    assert.equal(error.code, 'EntityNotExist.Role')
    assert.equal(error.retryable, false)
  })

  for (const [status, code, kind] of [
    [503, 'ServiceUnavailable', 'auth'],
    [400, 'Throttling.User', 'throttled'],
    [500, 'InternalError', 'auth'],
  ] as const)
    it(`${status} ${code} is retryable (${kind}), and the next call asks again`, async () => {
      sts.behaviour.fault = { status, code }
      const provider = oidcRoleCredentials(options())
      const error = await refusal(provider())
      assert.equal(error.kind, kind)
      assert.equal(error.retryable, true)
      assert.equal(error.code, code)
      sts.behaviour.fault = undefined
      assert.deepEqual(await provider(), KEYS)
      assert.equal(sts.requests.length, 2)
    })

  it('a failed renewal keeps the stale but unexpired credentials', async () => {
    const provider = oidcRoleCredentials(options())
    await provider()
    sts.behaviour.fault = { status: 503, code: 'ServiceUnavailable' }
    assert.deepEqual(await withClockAhead(50 * 60_000, async () => provider()), KEYS)
    await refusal(withClockAhead(61 * 60_000, async () => provider()))
    assert.equal(sts.requests.length, 3)
  })

  it('a token that cannot be read is a retryable auth error naming the role, and nothing is sent', async () => {
    const provider = oidcRoleCredentials(
      options({
        oidcToken: () => {
          throw new Error("ENOENT: no such file or directory, open '/var/run/token'")
        },
      }),
    )
    const error = await refusal(provider())
    assert.equal(error.kind, 'auth')
    assert.equal(error.retryable, true)
    assert.match(error.message, /OIDC token for the RAM role .* could not be read: ENOENT/)
    assert.equal(sts.requests.length, 0)
  })

  it('an STS that cannot be reached is a retryable error naming it', async () => {
    const closed = await startAlibabaStsServer({ ...sts.behaviour })
    await closed.close()
    const error = await refusal(oidcRoleCredentials(options({ endpoint: closed.endpoint }))())
    assert.equal(error.retryable, true)
    assert.match(error.message, /STS at http:\/\/127\.0\.0\.1:\d+ could not be reached/)
  })

  for (const [name, more] of [
    ['a role ARN that is not one', { roleArn: 'resumable-reader' }],
    ['a provider ARN given as the role', { oidcProviderArn: ROLE_ARN }],
    ['a session shorter than 900 s', { durationSeconds: 600 }],
    ['a session name with a space', { roleSessionName: 'my job' }],
    ['plain http to a remote STS', { endpoint: 'http://sts.aliyuncs.com' }],
    ['an endpoint with a path', { endpoint: 'https://sts.aliyuncs.com/x' }],
    ['a region that is not an id', { endpoint: undefined, region: 'cn-hangzhou.evil.example/' }],
  ] as const)
    it(`refuses ${name} before any request (OptionsError)`, () => {
      assert.throws(
        () => oidcRoleCredentials(options(more as Partial<OidcRoleOptions>)),
        (e: unknown) => e instanceof OptionsError,
      )
      assert.equal(sts.requests.length, 0)
    })

  it('finds STS from the endpoint host, else the region (VPC or not), else the central one', () => {
    const base = { roleArn: ROLE_ARN, oidcProviderArn: PROVIDER_ARN, oidcToken: () => JWT }
    assert.equal(stsOrigin(base), 'https://sts.aliyuncs.com')
    assert.equal(
      stsOrigin({ ...base, region: 'cn-hangzhou' }),
      'https://sts.cn-hangzhou.aliyuncs.com',
    )
    assert.equal(
      stsOrigin({ ...base, region: 'cn-hangzhou', vpc: true }),
      'https://sts-vpc.cn-hangzhou.aliyuncs.com',
    )
    assert.equal(
      stsOrigin({ ...base, region: 'cn-beijing', endpoint: 'sts-vpc.cn-hangzhou.aliyuncs.com' }),
      'https://sts-vpc.cn-hangzhou.aliyuncs.com',
    )
    assert.equal(
      stsOrigin({ ...base, endpoint: 'http://localhost:9000/' }),
      'http://localhost:9000',
    )
  })

  it('signs every request of an OSS download with the role and its token, asking STS once', async () => {
    await downloadSignedWith(oidcRoleCredentials(options()), KEYS)
    assert.equal(sts.requests.length, 1)
  })
})

// Calls to STS go through a wire like every other request: on Node through the Node wire, so the
// proxies a user set reach STS too (Node's own fetch ignores https_proxy). Every case runs on both
// wires.
const WIRES: readonly (readonly [string, () => Wire])[] = [
  ['fetch', () => fetchWire()],
  ['node', () => nodeWire()],
]

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
  describe(`oidcRoleCredentials: STS through the ${name} wire`, () => {
    it('posts AssumeRoleWithOIDC with its form intact and maps the answer', async () => {
      const credentials = await oidcRoleCredentials(
        options({ wire: makeWire(), roleSessionName: 'wire-test' }),
      )()
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
      const error = await failure(
        oidcRoleCredentials(options({ wire: makeWire(), roleSessionName: 'wire-test' })),
      )
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
        const provider = oidcRoleCredentials(
          options({ wire: makeWire(), endpoint: redirecting.origin }),
        )
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
        const provider = oidcRoleCredentials(
          options({ wire: makeWire(), endpoint, timeoutMs: 200 }),
        )
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
        const provider = oidcRoleCredentials(options({ wire: makeWire(), endpoint: flood.origin }))
        const error = await failure(provider)
        assert.ok(isTransportError(error), String(error))
        assert.match(error.message, /broke off its answer/)
      } finally {
        await close(flood.server)
      }
    })
  })
}

describe('oidcRoleCredentials on Node', () => {
  it("goes through the wire's proxy: the proxy forwards the POST and its form", async () => {
    const wire = nodeWire({ proxy: proxy.url })
    assert.deepEqual(await oidcRoleCredentials(options({ wire }))(), KEYS)
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
      assert.deepEqual(await oidcRoleCredentialsOnNode(options())(), KEYS)
    } finally {
      globalThis.fetch = original
    }
  })
})
