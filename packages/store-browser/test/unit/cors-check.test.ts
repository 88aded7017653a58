import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ReadResponse, TransportError } from '@resumable/core'
import { CorsHeaderError, corsChecked, type FetchFunction } from '@resumable/store-browser'
import { createUrlTransport } from '@resumable/transport-fetch'

const URL_ = 'https://bucket.example.com/model.bin'
const SIZE = 10

/** A fetch answering like a store, as a browser shows it: `type` is 'cors' and `hidden` headers are gone. */
function storeFetch(type: 'cors' | 'basic', hidden: readonly string[] = []): FetchFunction {
  return async (_input, init) => {
    const range = /bytes=(\d+)-(\d+)/.exec(new Headers(init.headers).get('range') ?? '')
    const headers = new Headers({ etag: '"abc"', 'content-length': String(SIZE) })
    let status = 200
    let body: Uint8Array<ArrayBuffer> | null = null
    if (range && init.method === 'GET') {
      const [start, end] = [Number(range[1]), Number(range[2])]
      status = 206
      headers.set('content-range', `bytes ${start}-${end}/${SIZE}`)
      headers.set('content-length', String(end - start + 1))
      body = new Uint8Array(end - start + 1).fill(7)
    }
    for (const name of hidden) headers.delete(name)
    const response = new Response(body, { status, headers })
    Object.defineProperty(response, 'type', { value: type })
    return response
  }
}

const object = { size: SIZE, etag: '"abc"' }
const read = (fetch: FetchFunction): Promise<ReadResponse> =>
  corsChecked((f) => createUrlTransport({ url: URL_, fetch: f }), { fetch }).read({
    start: 0,
    end: 3,
    object,
  })

describe('corsChecked', () => {
  it('a cross-origin 206 whose Content-Range is hidden fails with a non-retryable CorsHeaderError naming it and the rule to fix', async () => {
    const error = await read(storeFetch('cors', ['content-range'])).then(
      () => assert.fail('read resolved'),
      (e: unknown) => e,
    )
    assert.ok(error instanceof CorsHeaderError)
    assert.ok(error instanceof TransportError)
    assert.equal(error.header, 'Content-Range')
    assert.equal(error.kind, 'protocol')
    assert.equal(error.retryable, false)
    assert.match(error.message, /hides the Content-Range header/)
    assert.match(error.message, /Access-Control-Expose-Headers/)
    assert.match(error.message, /bucket\.example\.com\/model\.bin bytes 0-3/)
  })

  it('a cross-origin HEAD whose ETag is hidden fails stat with a CorsHeaderError for ETag', async () => {
    const fetch = storeFetch('cors', ['etag'])
    const transport = corsChecked((f) => createUrlTransport({ url: URL_, fetch: f }), { fetch })
    await assert.rejects(
      transport.stat(),
      (e: unknown) => e instanceof CorsHeaderError && e.header === 'ETag',
    )
  })

  it('headers added to require are checked too, and not-required ones are not', async () => {
    const fetch = storeFetch('cors')
    const strict = corsChecked((f) => createUrlTransport({ url: URL_, fetch: f }), {
      fetch,
      require: ['ETag', 'x-oss-hash-crc64ecma'],
    })
    await assert.rejects(
      strict.stat(),
      (e: unknown) => e instanceof CorsHeaderError && e.header === 'x-oss-hash-crc64ecma',
    )
    const lax = corsChecked((f) => createUrlTransport({ url: URL_, fetch: f }), {
      fetch: storeFetch('cors', ['etag']),
      require: [],
    })
    assert.equal((await lax.stat()).size, SIZE)
  })

  it('same-origin responses are not checked: a missing ETag there is the server, not CORS', async () => {
    const fetch = storeFetch('basic', ['etag'])
    const transport = corsChecked((f) => createUrlTransport({ url: URL_, fetch: f }), { fetch })
    const info = await transport.stat()
    assert.equal(info.size, SIZE)
    assert.equal(info.etag, undefined)
  })

  it('a cross-origin response that exposes everything reads through unchanged', async () => {
    const response = await read(storeFetch('cors'))
    assert.deepEqual(response.range, { start: 0, end: 3 })
    const chunks: number[] = []
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) chunks.push(...chunk)
    assert.deepEqual(chunks, [7, 7, 7, 7])
  })
})
