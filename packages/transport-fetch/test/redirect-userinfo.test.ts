import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { isTransportError } from '@resumable/core'
import { createUrlTransport, fetchWire, type Wire } from '@resumable/transport-fetch'
import { nodeWire } from '@resumable/transport-fetch/node'

// A server that redirects to `http://user:password@elsewhere/…` chooses credentials for the
// client. Every wire, on Node, Deno and Bun alike, refuses to follow it with one error, and the
// other server never sees a request, let alone one carrying those credentials as Authorization.
// Before, the fetch wire left it to the runtime: Deno followed and sent them, Bun followed.

let home: Server
let elsewhere: Server
let homeUrl: string
const seenElsewhere: IncomingHttpHeaders[] = []

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

before(async () => {
  elsewhere = createServer((req, res) => {
    seenElsewhere.push(req.headers)
    res.writeHead(200, { 'content-length': '5', etag: '"E"' }).end('hello')
  })
  const elsewherePort = await listen(elsewhere)
  home = createServer((_req, res) => {
    res
      .writeHead(302, { location: `http://eve:planted-secret@127.0.0.1:${elsewherePort}/o.bin` })
      .end()
  })
  homeUrl = `http://127.0.0.1:${await listen(home)}`
})
after(async () => {
  for (const server of [home, elsewhere]) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

const wires: readonly (readonly [string, () => Wire])[] = [
  ['fetch wire', () => fetchWire()],
  ['node wire', () => nodeWire()],
]

describe('a redirect to a URL with a user name and password', () => {
  for (const [name, makeWire] of wires) {
    it(`${name}: is refused as a final protocol error naming the refusal, and the other server sees no request`, async () => {
      seenElsewhere.length = 0
      const transport = createUrlTransport({ url: `${homeUrl}/o.bin`, wire: makeWire() })
      const error = await transport.stat().then(
        () => assert.fail('the redirect was followed'),
        (e: unknown) => e,
      )
      assert.ok(isTransportError(error), String(error))
      assert.equal(error.kind, 'protocol')
      assert.equal(error.retryable, false)
      assert.equal(
        error.message,
        `HEAD ${homeUrl}/o.bin: the server redirected the request to an address with a user name and password in it, which is not followed (redirect to a URL with a user name or password)`,
      )
      assert.deepEqual(seenElsewhere, [])
    })

    it(`${name}: the wire itself rejects with the same TypeError for a GET`, async () => {
      seenElsewhere.length = 0
      const error = await makeWire()
        .send({ method: 'GET', url: `${homeUrl}/o.bin`, headers: {} })
        .then(
          () => assert.fail('the redirect was followed'),
          (e: unknown) => e,
        )
      assert.ok(error instanceof TypeError, String(error))
      assert.equal(error.message, 'redirect to a URL with a user name or password')
      assert.deepEqual(seenElsewhere, [])
    })
  }
})
