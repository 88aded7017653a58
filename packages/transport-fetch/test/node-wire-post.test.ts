import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, afterEach, before, describe, it } from 'node:test'
import { nodeWire } from '../src/node.ts'

// A POST (an STS call) on the Node wire: its body goes whole with its content-length, and its
// redirects are followed as fetch follows them.

describe('a POST on the Node wire', () => {
  let server: Server
  let origin = ''
  const received: { method: string; length: string | undefined; body: Buffer }[] = []
  before(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        received.push({
          method: request.method ?? '',
          length: request.headers['content-length'],
          body: Buffer.concat(chunks),
        })
        const status = Number(new URL(request.url ?? '/', origin).searchParams.get('status'))
        if (status) response.writeHead(status, { location: '/landed' }).end()
        else response.end('ok')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterEach(() => {
    received.length = 0
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  const everyByte = Uint8Array.from({ length: 256 * 3 }, (_, i) => i % 256)

  it('sends every byte value of its body as it is, with its content-length', async () => {
    const response = await nodeWire().send({
      method: 'POST',
      url: `${origin}/`,
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
      nodeWire().send({ method: 'GET', url: `${origin}/`, headers: {}, body: everyByte }),
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
        url: `${origin}/?status=${status}`,
        headers: { 'content-type': 'application/octet-stream' },
        body: everyByte,
      })
      await response.discard()
      assert.equal(received.length, 2)
      assert.equal(received[1]?.method, method)
      assert.equal(received[1]?.body.length, bodyBytes)
    })
})
