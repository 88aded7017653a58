import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { isTransportError, type TransportError } from '@resumable/core'
import { createUrlTransport, fetchWire, type Wire } from '@resumable/transport-fetch'
import { nodeWire } from '@resumable/transport-fetch/node'

// Real faults on loopback, through both wires, on whichever runtime runs this file (CI runs it on
// Node, Deno and Bun): each fault ends in one message, kind and retryable everywhere, naming the
// fault once. Before, Deno's and Node's fetch nested the runtime's words in "fetch failed (…)", and
// Bun's and the Node wire each said it their own way.

const SIZE = 100_000
let server: Server
let origin: string
let closedPort: number

async function listen(s: Server): Promise<number> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  return (s.address() as AddressInfo).port
}

before(async () => {
  // A port that was just listened on and closed: nothing listens there, so connecting is refused.
  const closed = createServer()
  closedPort = await listen(closed)
  await new Promise((resolve) => closed.close(resolve))
  server = createServer((req, res) => {
    const head = { etag: '"F"', 'accept-ranges': 'bytes', 'content-length': String(SIZE) }
    if (req.method === 'HEAD') return void res.writeHead(200, head).end()
    res.writeHead(206, { ...head, 'content-range': `bytes 0-${SIZE - 1}/${SIZE}` })
    // Some bytes, then the socket is destroyed mid-body.
    res.write(new Uint8Array(1000), () => setTimeout(() => req.socket.destroy(), 20))
  })
  origin = `http://127.0.0.1:${await listen(server)}`
})
after(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => assert.fail('the request succeeded'),
    (e: unknown) => e,
  )
  assert.ok(isTransportError(error), String(error))
  assert.doesNotMatch(error.message, /fetch failed \(/)
  return error
}

const wires: readonly (readonly [string, () => Wire])[] = [
  ['fetch wire', () => fetchWire()],
  ['node wire', () => nodeWire()],
]

describe('network faults read the same on every runtime and wire', () => {
  for (const [name, makeWire] of wires) {
    it(`${name}: a refused connection is a retryable network error saying it was refused`, async () => {
      const url = `http://127.0.0.1:${closedPort}/o.bin`
      const error = await failure(createUrlTransport({ url, wire: makeWire() }).stat())
      assert.equal(error.kind, 'network')
      assert.equal(error.retryable, true)
      assert.equal(error.message, `HEAD ${url}: the connection was refused (ECONNREFUSED)`)
    })

    it(`${name}: a connection reset mid-body is a retryable network error saying how far it got`, async () => {
      const transport = createUrlTransport({ url: `${origin}/o.bin`, wire: makeWire() })
      const object = await transport.stat()
      assert.equal(object.size, SIZE)
      const response = await transport.read({ start: 0, end: SIZE - 1, object })
      const error = await failure(
        (async () => {
          for await (const _ of response.body) {
            // Read to the drop.
          }
        })(),
      )
      assert.equal(error.kind, 'network')
      assert.equal(error.retryable, true)
      // How many of the bytes sent before the drop were read first is up to timing.
      const reset = `the connection was reset after \\d+ of ${SIZE} bytes \\(ECONNRESET\\)`
      assert.match(
        error.message,
        new RegExp(`^GET ${origin}/o\\.bin bytes 0-${SIZE - 1}: ${reset}$`),
      )
    })

    it(`${name}: a host name that does not resolve is a network error, not retried, naming the host`, async () => {
      const url = 'http://resumable-test.invalid/o.bin'
      const error = await failure(createUrlTransport({ url, wire: makeWire() }).stat())
      assert.equal(error.kind, 'network')
      assert.equal(error.retryable, false)
      assert.equal(
        error.message,
        `HEAD ${url}: the host name resumable-test.invalid does not resolve (ENOTFOUND): check the endpoint, region or URL`,
      )
    })
  }
})
