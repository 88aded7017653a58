import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTransportError, statObject, type TransportError } from '@resumable/core'
import { createUrlTransport } from '../src/index.node.ts'
import { nodeWire } from '../src/node.ts'
import { answer, type ProxyFault, startFaultyProxy } from './helpers/faulty-proxy.ts'

// A proxy that was reached and then failed: each fault is named after the proxy and what it did
// (closed, reset, refused the tunnel, asked for credentials, dropped the TLS handshake), never
// worded as the store's, and never with the proxy's password.

const PASS = 'pr0xy-passw0rd-never-shown'
/** Node's own sockets tell a reset from a close mid-handshake; Deno's and Bun's need not. */
const NODE = !('Deno' in globalThis || 'Bun' in globalThis)
const ESTABLISHED = 'HTTP/1.1 200 Connection established\r\n\r\n'

const faults: Record<string, ProxyFault> = {
  close: (socket) => socket.end(),
  reset: (socket) => socket.resetAndDestroy(),
  '407': (socket) =>
    socket.end(
      answer(407, 'Proxy Authentication Required', 'proxy-authenticate: Basic realm="p"\r\n'),
    ),
  '502': (socket) => socket.end(answer(502, 'Bad Gateway')),
  '503': (socket) => socket.end(answer(503, 'Service Unavailable')),
  '403': (socket) => socket.end(answer(403, 'Forbidden')),
  // Another service on the proxy's port: an SSH server's greeting.
  'not http': (socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'),
  // The tunnel opens, then goes when the client's TLS hello arrives.
  'tls close': (socket) => {
    socket.write(ESTABLISHED)
    socket.once('data', () => socket.end())
  },
  'tls reset': (socket) => {
    socket.write(ESTABLISHED)
    socket.once('data', () => socket.resetAndDestroy())
  },
}

/** The TransportError a stat through a proxy with `fault` ends in, and the proxy's origin. */
async function failure(
  target: 'http' | 'https',
  fault: ProxyFault,
): Promise<{ error: TransportError; origin: string }> {
  const proxy = await startFaultyProxy(fault)
  try {
    const wire = nodeWire({ proxy: `http://alice:${PASS}@127.0.0.1:${proxy.port}` })
    const transport = createUrlTransport({ url: `${target}://127.0.0.1:9/bucket/o.bin`, wire })
    try {
      await statObject({ transport, retries: 0 })
    } catch (error) {
      assert.ok(isTransportError(error), String(error))
      return { error, origin: proxy.origin }
    }
    assert.fail('expected the stat to fail')
  } finally {
    await proxy.close()
  }
}

/** Every message and code along the error's cause chain. */
function chainText(error: unknown): string {
  const parts: string[] = []
  for (let link = error; link !== undefined && link !== null; ) {
    parts.push(String(link), JSON.stringify(link))
    link = link instanceof Error ? link.cause : undefined
  }
  return parts.join('\n')
}

describe('nodeWire: a proxy that closes or resets before answering CONNECT (https: target)', () => {
  it('a clean close reads as the proxy closing without answering the CONNECT; retryable network', async () => {
    const { error, origin } = await failure('https', faults.close as ProxyFault)
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    assert.ok(
      error.message.includes(
        `the proxy ${origin} closed the connection without answering the CONNECT`,
      ),
      error.message,
    )
  })

  it('a reset reads as the proxy resetting the connection, not as the store', async () => {
    const { error, origin } = await failure('https', faults.reset as ProxyFault)
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    assert.ok(
      error.message.includes(
        `the proxy ${origin} reset the connection (ECONNRESET) without answering the CONNECT`,
      ),
      error.message,
    )
  })
})

describe('nodeWire: a proxy that refuses the tunnel', () => {
  it('a 407 is the proxy asking for credentials: auth, not retryable, the proxy named', async () => {
    const { error, origin } = await failure('https', faults['407'] as ProxyFault)
    assert.equal(error.kind, 'auth')
    assert.equal(error.retryable, false)
    assert.equal(error.status, 407)
    assert.ok(error.message.includes(`the proxy ${origin} requires authentication`), error.message)
    assert.match(error.message, /407 Proxy Authentication Required/)
  })

  for (const [status, line, why] of [
    ['502', 'HTTP/1.1 502 Bad Gateway', 'it could not reach the store'],
    ['503', 'HTTP/1.1 503 Service Unavailable', 'the proxy is unavailable or overloaded'],
  ] as const) {
    it(`a ${status} to CONNECT is the proxy refusing the tunnel: retryable network, no store status`, async () => {
      const { error, origin } = await failure('https', faults[status] as ProxyFault)
      assert.equal(error.kind, 'network')
      assert.equal(error.retryable, true)
      assert.equal(error.status, undefined, 'the store never answered')
      assert.ok(
        error.message.includes(
          `the proxy ${origin} refused to open a tunnel to the store: it answered CONNECT with ${line} (${why}`,
        ),
        error.message,
      )
    })
  }

  it("a 403 to CONNECT (the proxy's rules) is not retried", async () => {
    const { error, origin } = await failure('https', faults['403'] as ProxyFault)
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, false)
    assert.ok(error.message.includes(`the proxy ${origin} refused to open a tunnel`), error.message)
  })
})

describe('nodeWire: a proxy port that does not speak HTTP', () => {
  it('an answer to CONNECT that is not HTTP names the proxy and the setting to check; not retried', async () => {
    const { error, origin } = await failure('https', faults['not http'] as ProxyFault)
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, false, 'another service on that port answers the same next time')
    assert.ok(
      error.message.includes(
        `the proxy ${origin} answered the CONNECT with something other than HTTP: check that the proxy setting names an HTTP proxy`,
      ),
      error.message,
    )
  })
})

describe('nodeWire: a tunnel dropped during the TLS handshake', () => {
  it('a close mid-handshake names the tunnel through the proxy, not the server closing', async () => {
    const { error, origin } = await failure('https', faults['tls close'] as ProxyFault)
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    // Bun's TLS may report the close first, in its own words ("Socket is closed").
    const said = NODE
      ? `the tunnel through the proxy ${origin} was closed during the TLS handshake`
      : `(the tunnel through the proxy ${origin} was closed( or reset)? during the TLS handshake|the TLS handshake through the tunnel of the proxy ${origin} failed)`
    assert.match(error.message, new RegExp(said))
  })

  it('a reset mid-handshake says reset where the runtime tells (Node)', async () => {
    const { error, origin } = await failure('https', faults['tls reset'] as ProxyFault)
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    const said = NODE
      ? `the tunnel through the proxy ${origin} was reset \\(ECONNRESET\\) during the TLS handshake`
      : `(the tunnel through the proxy ${origin} was (reset \\(ECONNRESET\\)|closed)( or reset)? during the TLS handshake|the TLS handshake through the tunnel of the proxy ${origin} failed)`
    assert.match(error.message, new RegExp(said))
  })
})

describe('nodeWire: an HTTP proxy that drops a forwarded request (http: target)', () => {
  it('a clean close reads as the proxy closing without answering the request', async () => {
    const { error, origin } = await failure('http', faults.close as ProxyFault)
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    assert.ok(
      error.message.includes(
        `the proxy ${origin} closed the connection without answering the request`,
      ),
      error.message,
    )
  })

  it('a reset reads as the proxy resetting the connection', async () => {
    const { error, origin } = await failure('http', faults.reset as ProxyFault)
    assert.ok(
      error.message.includes(
        `the proxy ${origin} reset the connection (ECONNRESET) without answering the request`,
      ),
      error.message,
    )
  })
})

describe('nodeWire: proxy failures never print the proxy password', () => {
  it('no message or cause of any proxy fault carries the password from the proxy URL', async () => {
    for (const [name, fault] of Object.entries(faults)) {
      // A tunnel's faults only mean something to CONNECT; to a forwarded request, 200 is an answer.
      const targets = name.startsWith('tls') ? (['https'] as const) : (['http', 'https'] as const)
      for (const target of targets) {
        const { error } = await failure(target, fault)
        const text = chainText(error)
        assert.ok(!text.includes(PASS), `${target} ${name}: the password leaked: ${text}`)
        assert.ok(!text.includes(btoa(`alice:${PASS}`)), `${target} ${name}: Basic leaked`)
      }
    }
  })
})
