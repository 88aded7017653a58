import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { before, describe, it } from 'node:test'
import { isTransportError, type TransportError } from '@resumable/core'
import { createUrlTransport } from '../src/index.node.ts'
import { nodeWire } from '../src/node.ts'

// A proxy that cannot be reached: the error must name the proxy, not read as the store's refusal.

const PASS = 'proxy-passw0rd-never-shown'
let closedPort = 0

before(async () => {
  // A port nothing listens on: listened on, then closed.
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  closedPort = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
})

async function statError(url: string, proxy: string): Promise<TransportError> {
  const transport = createUrlTransport({ url, wire: nodeWire({ proxy }) })
  try {
    await transport.stat()
  } catch (error) {
    assert.ok(isTransportError(error), String(error))
    return error
  }
  assert.fail('expected the stat to fail')
}

describe('nodeWire: a proxy that cannot be reached', () => {
  for (const target of ['http', 'https'] as const) {
    it(`a refused proxy (${target}: target) is named, with its origin and no password; still a retryable network error`, async () => {
      const proxy = `http://alice:${PASS}@127.0.0.1:${closedPort}`
      const error = await statError(`${target}://127.0.0.1:9/bucket/object.bin`, proxy)
      assert.equal(error.kind, 'network')
      assert.equal(error.retryable, true)
      assert.ok(
        error.message.includes(`the proxy http://127.0.0.1:${closedPort} refused the connection`),
        error.message,
      )
      assert.ok(!error.message.includes(PASS), error.message)
      assert.ok(!String(error.cause).includes(PASS))
    })
  }

  it('a proxy host name that does not resolve is named; not retryable, as an unresolved store host', async () => {
    const error = await statError(
      'http://127.0.0.1:9/bucket/object.bin',
      'http://proxy.invalid:3128',
    )
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, false)
    assert.ok(
      error.message.includes('the proxy http://proxy.invalid:3128 does not resolve'),
      error.message,
    )
  })
})
