import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { isTransportError, type ObjectInfo, type TransportError } from '@resumable/core'
import { collect, makeBytes } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { type AliOssClient, createAliOssTransport } from '../src/index.ts'
import {
  assertNoSecrets,
  BUCKET,
  KEY,
  lastRequest,
  makeClient,
  once,
  startOss,
} from './helpers/setup.ts'

const bytes = makeBytes(100_000, 7)
const ETAG = '"9AA9C1783224A1536D3F1E222C9C791B-6"'

function isTransport(error: unknown): error is TransportError {
  assert.ok(isTransportError(error), `expected a TransportError, got ${String(error)}`)
  assertNoSecrets(`${error.message} ${String(error.cause)}`)
  return true
}

async function rejection(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  )
  assert.ok(isTransport(error))
  return error
}

describe('read', () => {
  let server: MockOssServer
  let client: AliOssClient
  let object: ObjectInfo
  before(async () => {
    server = await startOss()
    server.oss.putObject(BUCKET, KEY, { bytes, etag: ETAG })
    client = makeClient(server.url)
    object = await createAliOssTransport(client, KEY).stat()
  })
  after(() => server.close())

  it('reads exactly the range asked for, with the headers OSS needs', async () => {
    const transport = createAliOssTransport(client, KEY, { trafficLimit: 819_200 })
    const response = await transport.read({ start: 10, end: 4009, object })
    assert.deepEqual(response.range, { start: 10, end: 4009 })
    assert.equal(response.etag, ETAG)
    assert.deepEqual(await collect(response.body), bytes.subarray(10, 4010))
    const { headers, query } = lastRequest(server.oss)
    assert.equal(headers.range, 'bytes=10-4009')
    assert.equal(headers['if-match'], ETAG)
    assert.equal(headers['x-oss-range-behavior'], 'standard')
    assert.equal(headers['accept-encoding'], 'identity')
    assert.equal(headers['x-oss-traffic-limit'], '819200')
    assert.equal(query.has('versionId'), false)
  })

  it('reads the first byte, the last byte and the whole object', async () => {
    const transport = createAliOssTransport(client, KEY)
    const first = await transport.read({ start: 0, end: 0, object })
    assert.deepEqual(await collect(first.body), bytes.subarray(0, 1))
    const last = await transport.read({ start: 99_999, end: 99_999, object })
    assert.deepEqual(await collect(last.body), bytes.subarray(99_999))
    const whole = await transport.read({ start: 0, end: 99_999, object })
    assert.deepEqual(await collect(whole.body), bytes)
  })

  it('pins the version stat saw through subres (getStream ignores versionId)', async () => {
    // OSS-like version ids carry '+', '/' and '='.
    server.oss.createBucket('versionedbucket', { versioning: true })
    const { versionId } = server.oss.putObject('versionedbucket', 'v.bin', { bytes, etag: ETAG })
    const versioned = makeClient(server.url, { bucket: 'versionedbucket' })
    const transport = createAliOssTransport(versioned, 'v.bin')
    const info = await transport.stat()
    const response = await transport.read({ start: 0, end: 9, object: info })
    await collect(response.body)
    assert.match(versionId ?? '', /[+/=]/)
    assert.equal(lastRequest(server.oss).query.get('versionId'), versionId)
  })

  it('reads a zero-length object without a Range', async () => {
    server.oss.putObject(BUCKET, 'empty', { bytes: new Uint8Array(0), etag: '"E"' })
    const transport = createAliOssTransport(client, 'empty')
    const info = await transport.stat()
    const response = await transport.read({ start: 0, end: -1, object: info })
    assert.deepEqual(response.range, { start: 0, end: -1 })
    assert.equal((await collect(response.body)).length, 0)
    assert.equal(lastRequest(server.oss).headers.range, undefined)
  })

  it('accepts a 200 only when the range is the whole object', async () => {
    const transport = createAliOssTransport(client, KEY)
    once(server.oss, { type: 'ignore-range' })
    const whole = await transport.read({ start: 0, end: 99_999, object })
    assert.deepEqual(await collect(whole.body), bytes)
    once(server.oss, { type: 'ignore-range' })
    const error = await rejection(transport.read({ start: 5, end: 9, object }))
    assert.equal(error.kind, 'protocol')
    assert.match(error.message, /ignored Range/)
  })

  it('refuses a Content-Range other than the one asked for', async () => {
    once(server.oss, { type: 'wrong-range' })
    const error = await rejection(
      createAliOssTransport(client, KEY).read({ start: 5, end: 9, object }),
    )
    assert.equal(error.kind, 'protocol')
    assert.match(error.message, /bytes 5-9 but the server answered with bytes 6-10/)
  })

  it('refuses a gzip-encoded body', async () => {
    once(server.oss, { type: 'gzip' })
    const error = await rejection(
      createAliOssTransport(client, KEY).read({ start: 0, end: 99_999, object }),
    )
    assert.equal(error.kind, 'protocol')
    assert.equal(error.retryable, false)
  })

  it('maps If-Match and range failures', async () => {
    const transport = createAliOssTransport(client, KEY)
    const changed = await rejection(
      transport.read({ start: 0, end: 9, object: { ...object, etag: '"OTHER"' } }),
    )
    assert.equal(changed.kind, 'precondition-failed')
    assert.equal(changed.status, 412)
    assert.equal(changed.code, 'PreconditionFailed')
    assert.match(changed.requestId ?? '', /^5F[0-9A-F]{22}$/)
    // Without a validator to guard the read, nothing rules out a shorter object.
    const shrunk = await rejection(
      transport.read({ start: 100_000, end: 100_009, object: { size: 200_000 } }),
    )
    assert.equal(shrunk.kind, 'range-not-satisfiable')
    assert.equal(shrunk.status, 416)
    const missing = await rejection(
      createAliOssTransport(client, 'gone').read({ start: 0, end: 9, object }),
    )
    assert.equal(missing.kind, 'not-found')
    assert.equal(missing.code, 'NoSuchKey')
  })

  it('maps 503 throttling with Retry-After, and keeps RequestId and EC', async () => {
    once(server.oss, {
      type: 'error',
      status: 503,
      code: 'DownloadTrafficRateLimitExceeded',
      headers: { 'retry-after': '2' },
    })
    const error = await rejection(
      createAliOssTransport(client, KEY).read({ start: 0, end: 9, object }),
    )
    assert.equal(error.kind, 'throttled')
    assert.equal(error.retryable, true)
    assert.equal(error.retryAfterMs, 2000)
    assert.equal(error.code, 'DownloadTrafficRateLimitExceeded')
    assert.match(error.requestId ?? '', /^5F[0-9A-F]{22}$/)
    assert.equal(error.hostId, lastRequest(server.oss).headers.host)
    assert.equal(error.ec, '0002-00000001')
    once(server.oss, { type: 'error', status: 500, code: 'InternalError' })
    const internal = await rejection(
      createAliOssTransport(client, KEY).read({ start: 0, end: 9, object }),
    )
    assert.equal(internal.kind, 'server')
    assert.equal(internal.retryable, true)
  })

  it('maps a bare 403 on an archived object to archived', async () => {
    once(server.oss, { type: 'error', status: 403, code: 'InvalidObjectState' })
    const error = await rejection(
      createAliOssTransport(client, KEY).read({
        start: 0,
        end: 9,
        object: { ...object, storageClass: 'Archive' },
      }),
    )
    assert.equal(error.kind, 'archived')
    assert.equal(error.retryable, false)
    assert.match(error.message, /restore it first/)
  })

  it('turns a connection reset mid-body into a retryable network error', async () => {
    once(server.oss, { type: 'reset', afterBytes: 3000 })
    const response = await createAliOssTransport(client, KEY).read({
      start: 0,
      end: 99_999,
      object,
    })
    let received = 0
    const error = await (async () => {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) received += chunk.length
    })().then(
      () => assert.fail('the body ended cleanly'),
      (e: unknown) => e,
    )
    assert.ok(isTransport(error))
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    assert.equal(received, 3000)
  })

  it('turns a body that ends short into an error', async () => {
    once(server.oss, { type: 'short', afterBytes: 1000 })
    const response = await createAliOssTransport(client, KEY).read({
      start: 0,
      end: 99_999,
      object,
    })
    const error = await collect(response.body).then(
      () => assert.fail('a short body was accepted'),
      (e: unknown) => e,
    )
    assert.ok(isTransport(error))
    assert.equal(error.kind, 'network')
  })

  it('stops the body when the signal aborts, with the abort reason', async () => {
    once(server.oss, { type: 'stall', afterBytes: 100, ms: 2000 })
    const controller = new AbortController()
    const response = await createAliOssTransport(client, KEY).read({
      start: 0,
      end: 99_999,
      object,
      signal: controller.signal,
    })
    const reason = new Error('paused')
    const started = Date.now()
    setTimeout(() => controller.abort(reason), 50)
    await assert.rejects(collect(response.body), (e) => e === reason)
    assert.ok(Date.now() - started < 1000, 'the abort waited for the stalled body')
  })

  it('releases a stalled body at once when the consumer gives up', async () => {
    once(server.oss, { type: 'stall', afterBytes: 100, ms: 2000 })
    const response = await createAliOssTransport(client, KEY).read({
      start: 0,
      end: 99_999,
      object,
    })
    const iterator = (response.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
    await iterator.next()
    const pending = iterator.next().then(
      () => 'settled',
      () => 'settled',
    )
    const started = Date.now()
    await iterator.return?.()
    assert.equal(await pending, 'settled')
    assert.ok(Date.now() - started < 1000, 'return() waited for the stalled socket')
  })

  it('rejects with the abort reason while waiting for headers', async () => {
    once(server.oss, { type: 'delay-headers', ms: 1000 })
    const controller = new AbortController()
    const reason = new Error('stop')
    setTimeout(() => controller.abort(reason), 30)
    await assert.rejects(
      createAliOssTransport(client, KEY).read({
        start: 0,
        end: 9,
        object,
        signal: controller.signal,
      }),
      (e) => e === reason,
    )
  })

  it("bounds only the wait for headers with the client's timeout, never the body", async () => {
    const quick = makeClient(server.url, { timeout: 500 })
    once(server.oss, { type: 'stall', afterBytes: 100, ms: 1200, resume: true })
    const slow = await createAliOssTransport(quick, KEY).read({ start: 0, end: 99_999, object })
    assert.deepEqual(await collect(slow.body), bytes)
    once(server.oss, { type: 'delay-headers', ms: 1200 })
    const error = await rejection(
      createAliOssTransport(quick, KEY).read({ start: 0, end: 9, object }),
    )
    assert.equal(error.kind, 'timeout')
    assert.equal(error.retryable, true)
    once(server.oss, { type: 'delay-headers', ms: 1200 })
    const perCall = await rejection(
      createAliOssTransport(client, KEY, { timeout: 500 }).read({ start: 0, end: 9, object }),
    )
    assert.equal(perCall.kind, 'timeout')
  })

  it('maps a refused connection to a retryable network error', async () => {
    const closed = await startMockOss()
    const endpoint = closed.url
    await closed.close()
    const error = await rejection(
      createAliOssTransport(makeClient(endpoint), KEY).read({ start: 0, end: 9, object }),
    )
    assert.equal(error.kind, 'network')
    assert.equal(error.retryable, true)
    assert.doesNotMatch(error.message, /headers:|agent status/)
  })

  it('refuses a range outside the object before any request', async () => {
    const count = server.oss.served.requests
    const error = await rejection(
      createAliOssTransport(client, KEY).read({ start: 10, end: 100_000, object }),
    )
    assert.equal(error.kind, 'invalid-request')
    assert.equal(server.oss.served.requests, count)
  })

  it("reads OSS's error body without touching the user's client", async () => {
    const before = (client as { urllib?: unknown }).urllib
    once(server.oss, { type: 'error', status: 403, code: 'AccessDenied', message: 'No right.' })
    const error = await rejection(
      createAliOssTransport(client, KEY).read({ start: 0, end: 9, object }),
    )
    assert.equal(error.code, 'AccessDenied')
    assert.match(error.message, /access denied \(No right\.\)/)
    assert.equal((client as { urllib?: unknown }).urllib, before)
  })
})
