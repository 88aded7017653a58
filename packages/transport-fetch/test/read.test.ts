import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTransportError, type ObjectInfo, RANGE_IGNORED_CODE } from '@resumable/core'
import { collect, makeBytes } from '@resumable/testkit'
import { createUrlTransport } from '../src/index.ts'
import { fakeFetch, objectServer, type SeenRequest, streamOf } from './helpers/fake-fetch.ts'

const bytes = makeBytes(1000)
const served = {
  bytes,
  headers: { etag: '"E1"', 'last-modified': 'Tue, 24 Nov 2026 00:00:00 GMT' },
}
const object: ObjectInfo = { size: 1000, etag: '"E1"' }

function transport(handler: (r: SeenRequest) => Response | Promise<Response>) {
  const f = fakeFetch(handler)
  return { f, t: createUrlTransport({ url: 'https://files.example.com/big.bin', fetch: f }) }
}

async function rejectsWith(p: Promise<unknown>, kind: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (e) => {
    assert.ok(isTransportError(e), String(e))
    assert.equal(e.kind, kind, e.message)
    if (pattern) assert.match(e.message, pattern)
    return true
  })
}

function partial(status: number, body: BodyInit | null, headers: Record<string, string>) {
  return () => new Response(body, { status, headers })
}

describe('read: status and Content-Range checks', () => {
  it('returns exactly the requested range as a stream, with the response ETag', async () => {
    const { t, f } = transport(objectServer(served))
    const r = await t.read({ start: 100, end: 299, object })
    assert.deepEqual(r.range, { start: 100, end: 299 })
    assert.equal(r.etag, '"E1"')
    assert.deepEqual(await collect(r.body), bytes.subarray(100, 300))
    const sent = f.calls[0]?.headers
    assert.equal(sent?.get('range'), 'bytes=100-299')
    assert.equal(sent?.get('if-match'), '"E1"')
    assert.equal(sent?.get('accept-encoding'), 'identity')
    assert.equal(
      sent?.has('x-oss-range-behavior'),
      false,
      'never on a URL: it would break an OSS presigned signature',
    )
  })

  it('accepts a 200 only when the whole object was asked for', async () => {
    const whole = partial(200, bytes.slice(), { 'content-length': '1000', etag: '"E1"' })
    const ok = await transport(whole).t.read({ start: 0, end: 999, object })
    assert.deepEqual(ok.range, { start: 0, end: 999 })
    assert.deepEqual(await collect(ok.body), bytes)
    await rejectsWith(
      transport(whole).t.read({ start: 0, end: 99, object }),
      'protocol',
      /ignored Range/,
    )
  })

  it("hands on a 200's Content-MD5 as the object's MD5, and never a 206's", async () => {
    const md5 = 'AAECAwQFBgcICQoLDA0ODw==' // base64 of 16 bytes
    const whole = partial(200, bytes.slice(), { 'content-length': '1000', 'content-md5': md5 })
    const read = await transport(whole).t.read({ start: 0, end: 999, object })
    assert.equal(read.md5Source, 'Content-MD5')
    assert.ok(read.md5 !== undefined && read.md5.length === 32, read.md5)
    const part = partial(206, bytes.slice(0, 100), {
      'content-range': 'bytes 0-99/1000',
      'content-md5': md5,
    })
    const ranged = await transport(part).t.read({ start: 0, end: 99, object })
    assert.equal(ranged.md5, undefined)
  })

  it('refuses a 206 for another range, or without Content-Range', async () => {
    await rejectsWith(
      transport(partial(206, bytes.slice(0, 100), { 'content-range': 'bytes 0-99/1000' })).t.read({
        start: 100,
        end: 199,
        object,
      }),
      'protocol',
      /bytes 0-99/,
    )
    await rejectsWith(
      transport(partial(206, bytes.slice(0, 100), {})).t.read({ start: 0, end: 99, object }),
      'protocol',
    )
    await rejectsWith(
      transport(
        partial(206, bytes.slice(0, 100), {
          'content-range': 'bytes 0-99/1000',
          'content-length': '50',
        }),
      ).t.read({ start: 0, end: 99, object }),
      'protocol',
    )
  })

  it('a changed total size means the object changed', async () => {
    await rejectsWith(
      transport(partial(206, bytes.slice(0, 100), { 'content-range': 'bytes 0-99/2000' })).t.read({
        start: 0,
        end: 99,
        object,
      }),
      'precondition-failed',
    )
  })

  it('refuses a compressed body (the gzip trap)', async () => {
    await rejectsWith(
      transport(
        partial(206, bytes.slice(0, 100), {
          'content-range': 'bytes 0-99/1000',
          'content-encoding': 'gzip',
        }),
      ).t.read({ start: 0, end: 99, object }),
      'protocol',
      /gzip-encoded/,
    )
  })

  it('maps 412 to precondition-failed when the ETag no longer matches', async () => {
    await rejectsWith(
      transport(objectServer(served)).t.read({
        start: 0,
        end: 9,
        object: { size: 1000, etag: '"OLD"' },
      }),
      'precondition-failed',
    )
  })

  it('rejects a range outside the object without a request', async () => {
    const { t, f } = transport(objectServer(served))
    await rejectsWith(t.read({ start: 990, end: 1000, object }), 'invalid-request')
    assert.equal(f.calls.length, 0)
  })

  it('sends no If-Match for a weak ETag, If-Unmodified-Since when there is no ETag', async () => {
    const { t, f } = transport(
      partial(206, bytes.slice(0, 10), { 'content-range': 'bytes 0-9/1000' }),
    )
    await t.read({
      start: 0,
      end: 9,
      object: { size: 1000, etag: 'W/"weak"', lastModified: 'Tue, 24 Nov 2026 00:00:00 GMT' },
    })
    assert.equal(f.calls[0]?.headers.has('if-match'), false)
    assert.equal(f.calls[0]?.headers.get('if-unmodified-since'), 'Tue, 24 Nov 2026 00:00:00 GMT')
  })
})

describe('read: the body stream', () => {
  const head206 = { 'content-range': 'bytes 0-299/1000', 'content-length': '300' }

  it('a body that ends short errors as a retryable network failure', async () => {
    const { t } = transport(partial(206, streamOf([bytes.slice(0, 100)]), head206))
    const r = await t.read({ start: 0, end: 299, object })
    await assert.rejects(collect(r.body), (e) => {
      assert.ok(isTransportError(e))
      assert.equal(e.kind, 'network')
      assert.equal(e.retryable, true)
      assert.match(e.message, /100 of 300 bytes/)
      return true
    })
  })

  it('a body that runs long errors as a protocol failure', async () => {
    const { t } = transport(
      partial(206, streamOf([bytes.slice(0, 200), bytes.slice(200, 400)]), {
        'content-range': 'bytes 0-299/1000',
      }),
    )
    const r = await t.read({ start: 0, end: 299, object })
    await rejectsWith(collect(r.body), 'protocol', /longer/)
  })

  it('a connection drop mid-body surfaces as a retryable network TransportError', async () => {
    const { t } = transport(
      partial(
        206,
        streamOf([bytes.slice(0, 100)], { error: new TypeError('terminated') }),
        head206,
      ),
    )
    const r = await t.read({ start: 0, end: 299, object })
    await assert.rejects(collect(r.body), (e) => {
      assert.ok(isTransportError(e))
      assert.equal(e.kind, 'network')
      assert.equal(e.retryable, true)
      assert.match(e.message, /after 100 of 300 bytes/)
      return true
    })
  })

  it("the caller's abort mid-body rejects with the abort reason", async () => {
    const controller = new AbortController()
    const reason = new Error('paused')
    let pulls = 0
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulls++ === 0) c.enqueue(bytes.slice(0, 100))
        else {
          controller.abort(reason)
          c.error(new DOMException('The operation was aborted', 'AbortError'))
        }
      },
    })
    const { t } = transport(partial(206, body, head206))
    const r = await t.read({ start: 0, end: 299, object, signal: controller.signal })
    await assert.rejects(collect(r.body), (e) => e === reason)
  })

  it('returning the body iterator early cancels the response body', async () => {
    let cancelled = false
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(bytes.slice(0, 10))
      },
      cancel() {
        cancelled = true
      },
    })
    const { t } = transport(partial(206, body, head206))
    const r = await t.read({ start: 0, end: 299, object })
    const chunks = (r.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
    await chunks.next()
    await chunks.return?.()
    assert.equal(cancelled, true)
  })
})

describe('read: to the end of an object of unknown length (toEnd)', () => {
  const unknown: ObjectInfo = { size: 0, sizeKnown: false, etag: '"E1"' }

  it('sends no Range from 0 and passes the whole body through, whatever its length', async () => {
    const { t, f } = transport(
      partial(200, streamOf([bytes.subarray(0, 400), bytes.subarray(400)]), {}),
    )
    const r = await t.read({ start: 0, end: 0, object: unknown, toEnd: true })
    assert.equal(f.calls[0]?.headers.get('range'), null)
    assert.equal(r.range.start, 0)
    assert.deepEqual(await collect(r.body), bytes)
  })

  it('asks for bytes=N- from an offset and accepts a 206 that starts there', async () => {
    const { t, f } = transport(
      partial(206, bytes.slice(600), { 'content-range': 'bytes 600-999/*' }),
    )
    const r = await t.read({ start: 600, end: 0, object: unknown, toEnd: true })
    assert.equal(f.calls[0]?.headers.get('range'), 'bytes=600-')
    assert.deepEqual(r.range, { start: 600, end: 999 })
    assert.deepEqual(await collect(r.body), bytes.subarray(600))
  })

  it('reports a 200 to a read from an offset as an ignored Range, not retryable', async () => {
    const { t } = transport(partial(200, bytes.slice(), {}))
    await assert.rejects(t.read({ start: 600, end: 0, object: unknown, toEnd: true }), (e) => {
      assert.ok(isTransportError(e))
      assert.equal(e.code, RANGE_IGNORED_CODE)
      assert.equal(e.retryable, false)
      return true
    })
  })
})
