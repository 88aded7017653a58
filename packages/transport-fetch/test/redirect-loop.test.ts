import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { isTransportError, type TransportError } from '@resumable/core'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { createUrlTransport, fetchWire } from '@resumable/transport-fetch'
import { nodeWire } from '@resumable/transport-fetch/node'

// A redirect that no retry can cure: a loop, and a hop to a scheme that is not HTTP(S). Each is a
// final error on every wire, over a real loopback socket, so a download fails at once instead of
// retrying the same loop until its attempts run out.

let server: MockOssServer

before(async () => {
  server = await startMockOss({
    routes: (request) => {
      const { pathname } = new URL(request.url)
      if (pathname === '/loop/a' || pathname === '/loop/b')
        return new Response(null, {
          status: 302,
          headers: { location: pathname === '/loop/a' ? '/loop/b' : '/loop/a' },
        })
      if (pathname === '/nowhere') return new Response(null, { status: 302 })
      if (pathname === '/to-ftp')
        return new Response(null, { status: 302, headers: { location: 'ftp://127.0.0.1/f.bin' } })
      return undefined
    },
  })
})
after(() => server.close())

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => assert.fail('the request succeeded'),
    (e: unknown) => e,
  )
  assert.ok(isTransportError(error), String(error))
  return error
}

describe('URL mode: redirects no retry can cure', () => {
  for (const [name, wire] of [
    ['fetch wire', fetchWire()],
    ['node wire', nodeWire()],
  ] as const) {
    it(`${name}: a redirect loop is a protocol error that is not retried, and says the server kept redirecting`, async () => {
      const error = await failure(createUrlTransport({ url: `${server.url}/loop/a`, wire }).stat())
      assert.equal(error.kind, 'protocol')
      assert.equal(error.retryable, false)
      assert.match(error.message, /kept redirecting the request/)
    })

    it(`${name}: a redirect to ftp: is a protocol error that is not retried`, async () => {
      const error = await failure(createUrlTransport({ url: `${server.url}/to-ftp`, wire }).stat())
      assert.equal(error.kind, 'protocol')
      assert.equal(error.retryable, false)
      assert.match(error.message, /redirected the request away from HTTP\(S\)/)
    })

    it(`${name}: a redirect with no Location says to check the URL, not a region or endpoint a URL does not have`, async () => {
      const error = await failure(createUrlTransport({ url: `${server.url}/nowhere`, wire }).stat())
      assert.equal(error.status, 302)
      assert.match(error.message, /it redirected the request: check the URL/)
      assert.doesNotMatch(error.message, /region or endpoint/)
    })
  }
})
