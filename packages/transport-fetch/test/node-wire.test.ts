import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { makeBytes } from '@resumable/testkit'
import { defaultNodeWire, nodeWire } from '../src/node.ts'
import type { WireResponse } from '../src/wire/wire.ts'

// A real node:http server on 127.0.0.1: real sockets, real drops, real keep-alive.

const bytes = makeBytes(1024 * 1024 + 7)
const gzipped = gzipSync(bytes.subarray(0, 4096))
/** Bytes of `/trickle`, sent 2 KiB at a time. */
const TRICKLE = 512 * 1024

interface TestServer {
  readonly url: string
  /** Every request's headers, in arrival order. */
  readonly seen: { path: string; headers: IncomingMessage['headers'] }[]
  /** Sockets the server has accepted, and how many of them are still open. */
  connections(): { accepted: number; open: number }
  close(): Promise<void>
}

async function startServer(
  route: (req: IncomingMessage, res: ServerResponse, base: string) => boolean,
): Promise<TestServer> {
  const seen: TestServer['seen'] = []
  const sockets = new Set<Socket>()
  let accepted = 0
  let base = ''
  const server: Server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers })
    if (!route(req, res, base)) {
      res.statusCode = 404
      res.end()
    }
  })
  server.on('connection', (socket) => {
    accepted++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    seen,
    connections: () => ({ accepted, open: sockets.size }),
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

function serveRange(req: IncomingMessage, res: ServerResponse): void {
  const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
  const [start, end] = match ? [Number(match[1]), Number(match[2])] : [0, bytes.length - 1]
  res.statusCode = match ? 206 : 200
  res.setHeader('content-length', end - start + 1)
  if (match) res.setHeader('content-range', `bytes ${start}-${end}/${bytes.length}`)
  res.setHeader('etag', '"E"')
  if (req.method === 'HEAD') res.end()
  else res.end(bytes.subarray(start, end + 1))
}

/** The whole body, each chunk copied as it arrives: the wire lends chunks (`chunksLent`). */
async function readBody(response: WireResponse): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) chunks.push(chunk.slice())
  return new Uint8Array(Buffer.concat(chunks))
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  assert.fail(`timed out waiting until ${what}`)
}

describe('nodeWire against a loopback node:http server', () => {
  let server: TestServer
  let other: TestServer
  before(async () => {
    other = await startServer((req, res) => {
      res.setHeader('content-length', 2)
      res.end(req.url === '/echo' ? 'ok' : 'no')
      return true
    })
    server = await startServer((req, res, base) => {
      const path = req.url ?? ''
      if (path === '/data') serveRange(req, res)
      else if (path === '/chunked') {
        res.write(bytes.subarray(0, 100_000))
        setTimeout(() => res.end(bytes.subarray(100_000, 200_000)), 5)
      } else if (path === '/gzip') {
        res.setHeader('content-encoding', 'gzip')
        res.setHeader('content-length', gzipped.length)
        res.end(gzipped)
      } else if (path === '/hop') {
        res.statusCode = 302
        res.setHeader('location', '/data')
        res.end('moved')
      } else if (path === '/away') {
        res.statusCode = 307
        res.setHeader('location', `${other.url}/echo`)
        res.end()
      } else if (path === '/loop') {
        res.statusCode = 301
        res.setHeader('location', `${base}/loop`)
        res.end()
      } else if (path === '/trickle') {
        // Small writes with pauses between: the client reads the body a few KiB at a time.
        res.setHeader('content-length', TRICKLE)
        req.socket.setNoDelay(true)
        const send = (at: number): void => {
          if (at >= TRICKLE || res.destroyed) return void res.end()
          res.write(bytes.subarray(at, at + 2048))
          setTimeout(() => send(at + 2048), 1)
        }
        send(0)
      } else if (path === '/drop' || path === '/hold') {
        res.setHeader('content-length', bytes.length)
        res.write(bytes.subarray(0, 65536))
        if (path === '/drop') setTimeout(() => req.socket.destroy(), 20)
      } else return false
      return true
    })
  })
  after(async () => {
    await server.close()
    await other.close()
  })

  it('a ranged GET returns exactly the bytes of the range, with status and headers', async () => {
    const wire = nodeWire()
    const response = await wire.send({
      method: 'GET',
      url: `${server.url}/data`,
      headers: { range: 'bytes=1000-300999' },
    })
    assert.equal(response.status, 206)
    assert.equal(response.header('content-range'), `bytes 1000-300999/${bytes.length}`)
    assert.equal(response.header('x-missing'), undefined)
    assert.deepEqual(await readBody(response), bytes.subarray(1000, 301000))
  })

  it('keep() holds a lent chunk in shared memory: its bytes survive the rest of the body, read into other memory', async () => {
    const response = await nodeWire().send({
      method: 'GET',
      url: `${server.url}/data`,
      headers: {},
    })
    const reader = (response.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
    const first = (await reader.next()).value as Uint8Array
    const copy = first.slice()
    assert.ok(response.keep, 'the Node wire offers keep()')
    const release = response.keep(first.subarray(10))
    assert.ok(first.buffer instanceof SharedArrayBuffer)
    let length = first.length
    for (let read = await reader.next(); !read.done; read = await reader.next()) {
      const { buffer, byteOffset, length: n } = read.value
      const overlaps =
        buffer === first.buffer &&
        byteOffset < first.byteOffset + first.length &&
        first.byteOffset < byteOffset + n
      assert.ok(!overlaps, 'a later piece was read into the kept memory')
      length += n
    }
    assert.equal(length, bytes.length)
    assert.deepEqual(first, copy)
    release()
    release()
  })

  it('pieces kept from a body read a few KiB at a time share slabs (one per 96 KiB or more kept), and stay intact', async () => {
    const response = await nodeWire().send({
      method: 'GET',
      url: `${server.url}/trickle`,
      headers: {},
    })
    const keep = response.keep
    assert.ok(keep, 'the Node wire offers keep()')
    const reader = (response.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
    const held: Uint8Array[] = []
    const releases: (() => void)[] = []
    // As the engine does with a gather Target: every piece kept until the write buffer is full.
    for (let read = await reader.next(); !read.done; read = await reader.next()) {
      held.push(read.value)
      releases.push(keep(read.value))
    }
    assert.deepEqual(new Uint8Array(Buffer.concat(held)), bytes.subarray(0, TRICKLE))
    assert.ok(held.length >= 16, `the body came in small reads (${held.length} pieces)`)
    // 128 KiB slabs, each filled to at least 96 KiB before the next is taken: 512 KiB fit in 6.
    const slabs = new Set(held.map((piece) => piece.buffer)).size
    assert.ok(slabs <= 6, `${slabs} slabs pinned by ${held.length} kept pieces of ${TRICKLE} bytes`)
    for (const release of releases) release()
  })

  it('keep() refuses a chunk other than the piece last handed out', async () => {
    const response = await nodeWire().send({
      method: 'GET',
      url: `${server.url}/data`,
      headers: {},
    })
    const reader = (response.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
    const first = (await reader.next()).value as Uint8Array
    await reader.next()
    assert.throws(() => response.keep?.(first), /the piece last handed out/)
    await response.discard()
  })

  it('HEAD resolves with headers and an empty body', async () => {
    const response = await nodeWire().send({
      method: 'HEAD',
      url: `${server.url}/data`,
      headers: {},
    })
    assert.equal(response.status, 200)
    assert.equal(response.header('content-length'), String(bytes.length))
    assert.equal((await readBody(response)).length, 0)
  })

  it('ten sequential reads open at most two connections (kept alive and reused)', async () => {
    const before = server.connections().accepted
    const wire = nodeWire()
    for (let i = 0; i < 10; i++) {
      const response = await wire.send({
        method: 'GET',
        url: `${server.url}/data`,
        headers: { range: 'bytes=0-99' },
      })
      assert.equal((await readBody(response)).length, 100)
    }
    assert.equal(server.connections().accepted - before, 1)
  })

  it('decodes a chunked body', async () => {
    const response = await nodeWire().send({
      method: 'GET',
      url: `${server.url}/chunked`,
      headers: {},
    })
    assert.equal(response.header('transfer-encoding'), 'chunked')
    assert.deepEqual(await readBody(response), bytes.subarray(0, 200_000))
  })

  it('sends a request again on a new connection when the kept-alive one was closed by the server', async () => {
    // A server that answers one request per connection and drops the connection at the next.
    let accepted = 0
    const stale = createNetServer((socket) => {
      accepted++
      let answered = false
      socket.on('data', () => {
        if (answered) socket.destroy()
        else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
        answered = true
      })
    })
    await new Promise<void>((resolve) => stale.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(stale.address() as AddressInfo).port}/`
    try {
      const wire = nodeWire()
      for (let i = 0; i < 2; i++) {
        const response = await wire.send({ method: 'GET', url, headers: {} })
        assert.equal(new TextDecoder().decode(await readBody(response)), 'ok')
      }
      assert.equal(accepted, 2)
    } finally {
      stale.close()
    }
  })

  it('refuses a header value that would split the request', async () => {
    await assert.rejects(
      nodeWire().send({
        method: 'GET',
        url: `${server.url}/data`,
        headers: { 'x-a': 'b\r\nx-evil: 1' },
      }),
      TypeError,
    )
  })

  it('aborting mid-body rejects the read with signal.reason and closes the socket', async () => {
    const wire = nodeWire()
    const controller = new AbortController()
    const response = await wire.send({
      method: 'GET',
      url: `${server.url}/hold`,
      headers: {},
      signal: controller.signal,
    })
    const iterator = (response.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
    assert.equal((await iterator.next()).done, false)
    const openBefore = server.connections().open
    const reason = new Error('stop now')
    const pending = (async () => {
      for (;;) if ((await iterator.next()).done) return
    })()
    controller.abort(reason)
    await assert.rejects(pending, (error) => error === reason)
    await until(() => server.connections().open < openBefore, 'the server saw the socket close')
  })

  it('a signal aborted before headers rejects send with signal.reason', async () => {
    const controller = new AbortController()
    const reason = new Error('too late')
    controller.abort(reason)
    await assert.rejects(
      nodeWire().send({
        method: 'GET',
        url: `${server.url}/data`,
        headers: {},
        signal: controller.signal,
      }),
      (error) => error === reason,
    )
  })

  it('a server dropping the socket mid-body rejects the body iteration', async () => {
    const response = await nodeWire().send({
      method: 'GET',
      url: `${server.url}/drop`,
      headers: {},
    })
    assert.equal(response.status, 200)
    await assert.rejects(readBody(response))
  })

  it('discard frees the connection without reading the body and is harmless twice', async () => {
    const response = await nodeWire().send({
      method: 'GET',
      url: `${server.url}/hold`,
      headers: {},
    })
    const openBefore = server.connections().open
    await response.discard()
    await response.discard()
    await until(() => server.connections().open < openBefore, 'the server saw the socket close')
  })

  it('follows a same-origin redirect and keeps authorization', async () => {
    const response = await nodeWire().send({
      method: 'GET',
      url: `${server.url}/hop`,
      headers: { range: 'bytes=5-9', authorization: 'Bearer same-origin' },
    })
    assert.equal(response.status, 206)
    assert.deepEqual(await readBody(response), bytes.subarray(5, 10))
    assert.equal(server.seen.at(-1)?.headers.authorization, 'Bearer same-origin')
  })

  it('drops authorization and cookie when a redirect changes origin', async () => {
    const response = await nodeWire().send({
      method: 'GET',
      url: `${server.url}/away`,
      headers: { authorization: 'Bearer secret', cookie: 'a=b', 'x-kept': 'yes' },
    })
    assert.equal(response.status, 200)
    assert.equal(new TextDecoder().decode(await readBody(response)), 'ok')
    const received = other.seen.at(-1)?.headers
    assert.equal(received?.authorization, undefined)
    assert.equal(received?.cookie, undefined)
    assert.equal(received?.['x-kept'], 'yes')
  })

  it('gives up after 20 redirects', async () => {
    await assert.rejects(
      nodeWire().send({ method: 'GET', url: `${server.url}/loop`, headers: {} }),
      /redirect count exceeded/,
    )
  })

  it('passes a gzip body through raw and sends no accept-encoding of its own', async () => {
    const response = await nodeWire().send({
      method: 'GET',
      url: `${server.url}/gzip`,
      headers: {},
    })
    assert.equal(response.header('content-encoding'), 'gzip')
    assert.deepEqual(await readBody(response), new Uint8Array(gzipped))
    assert.equal(server.seen.at(-1)?.headers['accept-encoding'], undefined)
  })
})

describe('defaultNodeWire', () => {
  it('is one shared wire per process', () => {
    assert.equal(defaultNodeWire(), defaultNodeWire())
  })
})
