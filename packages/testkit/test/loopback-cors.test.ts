import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EXPOSED_HEADERS, startMockOss } from '@resumable/testkit/node'

const preflight = {
  method: 'OPTIONS',
  headers: {
    origin: 'http://127.0.0.1:1',
    'access-control-request-method': 'GET',
    'access-control-request-headers': 'range,if-match',
  },
}

describe('loopback server CORS', () => {
  it('answers a preflight with the asked headers and exposes what the engine reads on GET', async () => {
    const server = await startMockOss({ cors: true })
    try {
      server.oss.putObject('b', 'k', { bytes: new Uint8Array(10) })
      const answer = await fetch(`${server.url}/b/k`, preflight)
      assert.equal(answer.status, 204)
      assert.equal(answer.headers.get('access-control-allow-origin'), '*')
      assert.equal(answer.headers.get('access-control-allow-headers'), 'range,if-match')
      assert.match(answer.headers.get('access-control-allow-methods') ?? '', /GET, HEAD/)
      const get = await fetch(`${server.url}/b/k`, { headers: { range: 'bytes=0-3' } })
      await get.arrayBuffer()
      assert.equal(get.status, 206)
      const exposed = get.headers.get('access-control-expose-headers')?.split(', ')
      assert.deepEqual(exposed, EXPOSED_HEADERS)
      for (const name of [
        'ETag',
        'Content-Range',
        'x-oss-hash-crc64ecma',
        'x-amz-checksum-crc64nvme',
      ])
        assert.ok(exposed?.includes(name), name)
    } finally {
      await server.close()
    }
  })

  it('hideExposedHeaders leaves those names out, case-insensitively, and nothing else', async () => {
    const server = await startMockOss({ cors: { hideExposedHeaders: ['content-range'] } })
    try {
      server.oss.putObject('b', 'k', { bytes: new Uint8Array(10) })
      const get = await fetch(`${server.url}/b/k`, { headers: { range: 'bytes=0-3' } })
      await get.arrayBuffer()
      const exposed = get.headers.get('access-control-expose-headers')?.split(', ')
      assert.deepEqual(
        exposed,
        EXPOSED_HEADERS.filter((h) => h !== 'Content-Range'),
      )
    } finally {
      await server.close()
    }
  })

  it('without cors, OPTIONS is refused with 405 and no CORS header is sent', async () => {
    const server = await startMockOss()
    try {
      server.oss.putObject('b', 'k', { bytes: new Uint8Array(10) })
      const answer = await fetch(`${server.url}/b/k`, preflight)
      await answer.arrayBuffer()
      assert.equal(answer.status, 405)
      assert.equal(answer.headers.get('access-control-allow-origin'), null)
    } finally {
      await server.close()
    }
  })

  it('routes answer first and fall through to the mock when they return undefined', async () => {
    const server = await startMockOss({
      routes: (request) =>
        new URL(request.url).pathname === '/page' ? new Response('hello') : undefined,
    })
    try {
      server.oss.putObject('b', 'k', { bytes: new Uint8Array(10) })
      assert.equal(await (await fetch(`${server.url}/page`)).text(), 'hello')
      const object = await fetch(`${server.url}/b/k`)
      assert.equal((await object.arrayBuffer()).byteLength, 10)
    } finally {
      await server.close()
    }
  })
})
