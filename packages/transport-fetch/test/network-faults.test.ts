import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Server as NetServer,
  type Socket,
} from 'node:net'
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

async function listen(s: NetServer): Promise<number> {
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
    // Some bytes, then the socket is closed mid-body: cleanly (a FIN) or with an RST.
    const cut =
      req.url === '/reset.bin' ? () => req.socket.resetAndDestroy() : () => req.socket.end()
    res.write(new Uint8Array(1000), () => setTimeout(cut, 20))
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

    /** Reads `path` to the cut the server makes after 1000 bytes; returns the error. */
    async function readToCut(path: string): Promise<TransportError> {
      const transport = createUrlTransport({ url: `${origin}${path}`, wire: makeWire() })
      const object = await transport.stat()
      assert.equal(object.size, SIZE)
      const response = await transport.read({ start: 0, end: SIZE - 1, object })
      const error = await failure(
        (async () => {
          for await (const _ of response.body) {
            // Read to the cut.
          }
        })(),
      )
      assert.equal(error.kind, 'network')
      assert.equal(error.retryable, true)
      return error
    }

    // Deno's and Bun's fetch word a clean close and an RST alike: there, neither is claimed.
    const tells = name === 'node wire' || !('Deno' in globalThis || 'Bun' in globalThis)
    // How many of the bytes sent before the cut were read first is up to timing.
    const after = `after \\d+ of ${SIZE} bytes`
    const unsaid = `the connection was closed or reset ${after}`

    it(`${name}: a server that closes the connection cleanly mid-body is said to have closed it early, not reset it`, async () => {
      const error = await readToCut('/closed.bin')
      const closed = tells ? `the server closed the connection early, ${after}` : unsaid
      assert.match(
        error.message,
        new RegExp(`^GET ${origin}/closed\\.bin bytes 0-${SIZE - 1}: ${closed}$`),
      )
    })

    it(`${name}: a connection reset mid-body is a retryable network error saying how far it got`, async () => {
      const error = await readToCut('/reset.bin')
      const reset = tells ? `the connection was reset ${after} \\(ECONNRESET\\)` : unsaid
      assert.match(
        error.message,
        new RegExp(`^GET ${origin}/reset\\.bin bytes 0-${SIZE - 1}: ${reset}$`),
      )
    })

    /** HEADs a loopback server that takes the request and then `cut`s the socket unanswered. */
    async function statCut(cut: (socket: Socket) => void): Promise<[string, TransportError]> {
      const tcp = createTcpServer((socket) => socket.once('data', () => cut(socket)))
      const url = `http://127.0.0.1:${await listen(tcp)}/o.bin`
      try {
        const error = await failure(createUrlTransport({ url, wire: makeWire() }).stat())
        assert.equal(error.kind, 'network')
        assert.equal(error.retryable, true)
        return [url, error]
      } finally {
        await new Promise((resolve) => tcp.close(resolve))
      }
    }

    // Bun's fetch words a clean close and an RST alike before the head too; Deno's tells them apart.
    const tellsUnanswered = name === 'node wire' || !('Bun' in globalThis)

    it(`${name}: a server that closes the connection cleanly without answering is said to have, not to have reset it`, async () => {
      const [url, error] = await statCut((socket) => socket.end())
      const said = tellsUnanswered
        ? 'the server closed the connection without answering'
        : 'the connection was closed or reset before the server answered'
      assert.equal(error.message, `HEAD ${url}: ${said}`)
    })

    it(`${name}: a connection reset before any answer is said to be reset where the runtime tells`, async () => {
      const [url, error] = await statCut((socket) => socket.resetAndDestroy())
      const said = tellsUnanswered
        ? 'the connection was reset (ECONNRESET)'
        : 'the connection was closed or reset before the server answered'
      assert.equal(error.message, `HEAD ${url}: ${said}`)
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
