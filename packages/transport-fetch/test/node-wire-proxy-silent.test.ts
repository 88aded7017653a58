import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { describe, it } from 'node:test'
import { isTransportError, statObject, type TransportError } from '@resumable/core'
import { StallWatch } from '@resumable/core/http'
import { createUrlTransport } from '../src/index.node.ts'
import { nodeWire } from '../src/node.ts'
import { type ProxyFault, startFaultyProxy } from './helpers/faulty-proxy.ts'
import { startUnacceptingListener } from './helpers/unaccepting-listener.ts'

// A proxy that goes silent: the stall deadline's timeout names the proxy and what it did not do,
// rather than reading as the store's silence. One-second deadlines keep these tests short.

const PASS = 'silent-pr0xy-passw0rd'
const STALL_MS = 1000

/** The TransportError a stat through `proxyPort` ends in, under a one-second stall deadline. */
async function stallError(target: 'http' | 'https', proxyPort: number): Promise<TransportError> {
  const wire = nodeWire({ proxy: `http://alice:${PASS}@127.0.0.1:${proxyPort}` })
  const transport = createUrlTransport({ url: `${target}://127.0.0.1:9/bucket/o.bin`, wire })
  try {
    await statObject({ transport, retries: 0, stallTimeoutMs: STALL_MS })
  } catch (error) {
    assert.ok(isTransportError(error), String(error))
    assert.ok(!error.message.includes(PASS), error.message)
    return error
  }
  assert.fail('expected the stat to time out')
}

async function withProxy(
  fault: ProxyFault,
  run: (origin: string, port: number) => Promise<void>,
): Promise<void> {
  const proxy = await startFaultyProxy(fault)
  try {
    await run(proxy.origin, proxy.port)
  } finally {
    await proxy.close()
  }
}

describe('nodeWire: a proxy that never answers is named in the stall timeout', () => {
  it('a CONNECT never answered: the proxy accepted the connection but did not answer the CONNECT within 1 s', async () => {
    await withProxy(
      () => {},
      async (origin, port) => {
        const error = await stallError('https', port)
        assert.equal(error.kind, 'timeout')
        assert.equal(error.retryable, true)
        assert.ok(
          error.message.includes(
            `the proxy ${origin} accepted the connection but did not answer the CONNECT within 1 s: check the proxy`,
          ),
          error.message,
        )
      },
    )
  })

  it('a forwarded request never answered (http: target): the proxy did not answer the request within 1 s', async () => {
    await withProxy(
      () => {},
      async (origin, port) => {
        const error = await stallError('http', port)
        assert.equal(error.kind, 'timeout')
        assert.equal(error.retryable, true)
        assert.ok(
          error.message.includes(
            `the proxy ${origin} accepted the connection but did not answer the request`,
          ),
          error.message,
        )
        assert.ok(error.message.includes('within 1 s'), error.message)
      },
    )
  })

  it('a tunnel opened and then silent: the TLS handshake through the proxy did not complete within 1 s', async () => {
    await withProxy(
      (socket) => socket.write('HTTP/1.1 200 Connection established\r\n\r\n'),
      async (origin, port) => {
        const error = await stallError('https', port)
        assert.equal(error.kind, 'timeout')
        assert.ok(
          error.message.includes(
            `the proxy ${origin} opened the tunnel but the TLS handshake with the server behind it did not complete within 1 s`,
          ),
          error.message,
        )
      },
    )
  })

  for (const target of ['http', 'https'] as const) {
    it(`a connect to the proxy that never completes (${target}: target): the proxy did not accept the connection within 1 s`, async () => {
      const listener = await startUnacceptingListener()
      try {
        const error = await stallError(target, listener.port)
        assert.equal(error.kind, 'timeout')
        assert.equal(error.retryable, true)
        assert.ok(
          error.message.includes(
            `the proxy http://127.0.0.1:${listener.port} did not accept the connection within 1 s`,
          ),
          error.message,
        )
      } finally {
        listener.close()
      }
    })
  }

  it("a body that stalls after the answer began is the store's silence: no proxy named", async () => {
    // HEAD: a whole answer (and a close, so the GET takes a new connection); GET: a head, no body.
    const headOnly = (socket: Socket, head: string): void => {
      const common = 'etag: "e"\r\ncontent-length: 10\r\n'
      if (head.startsWith('HEAD '))
        socket.end(`HTTP/1.1 200 OK\r\n${common}connection: close\r\n\r\n`)
      else
        socket.write(`HTTP/1.1 206 Partial Content\r\n${common}content-range: bytes 0-9/10\r\n\r\n`)
    }
    await withProxy(headOnly, async (_origin, port) => {
      const wire = nodeWire({ proxy: `http://127.0.0.1:${port}` })
      const transport = createUrlTransport({ url: 'http://127.0.0.1:9/bucket/o.bin', wire })
      const object = await statObject({ transport, retries: 0, stallTimeoutMs: STALL_MS })
      const attempt = new AbortController()
      const watch = new StallWatch(STALL_MS, attempt, 'read')
      try {
        const response = await watch.guard(() =>
          transport.read({ start: 0, end: 9, object, signal: attempt.signal }),
        )
        const chunks = (response.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        const stalled = await watch
          .guard(() => chunks.next())
          .then(
            () => assert.fail('expected the body to stall'),
            (error: unknown) => error as Error,
          )
        assert.equal(stalled.message, `read: no data received for ${STALL_MS} ms`)
      } finally {
        watch.stop()
      }
    })
  })
})
