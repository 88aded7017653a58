import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { crc64, download, isTransportError } from '@resumable/core'
import { MemoryCheckpointStore, MemoryTarget } from '@resumable/store-memory'
import { collect, makeBytes } from '@resumable/testkit'
import { createOssTransport, createS3Transport, createUrlTransport } from '../src/index.ts'
import { type Loopback, type LoopbackFault, startLoopback } from './helpers/loopback.ts'
import { checkOssV4, checkSigV4, type ReceivedRequest } from './helpers/verify-signatures.ts'

// Real fetch over 127.0.0.1: exercises each runtime's own header handling (Node rewrites
// Accept-Encoding next to Range), real connection drops, and signatures checked server-side.

const KEY = 'dir/a b+c~ü.bin'
const creds = {
  accessKeyId: 'LOOPBACKAK',
  secretAccessKey: 'loopback/secret+key',
  sessionToken: 'loopback-sts-token',
}
const bytes = makeBytes(300 * 1024 + 17)
const etag = '"LOOPBACK-ETAG"'

describe('loopback: signatures checked by the server', () => {
  let s3: Loopback
  let oss: Loopback
  before(async () => {
    s3 = await startLoopback({ bytes, etag, verify: (r) => checkSigV4(r, creds.secretAccessKey) })
    oss = await startLoopback({
      bytes,
      etag,
      verify: (r) => checkOssV4(r, 'bkt', KEY, creds.secretAccessKey),
    })
  })
  after(async () => {
    await s3.close()
    await oss.close()
  })

  it('S3 mode (SigV4, STS, versionId, odd key) passes the server check on HEAD and ranged GET', async () => {
    const t = createS3Transport({
      bucket: 'bkt',
      key: KEY,
      endpoint: s3.origin,
      region: 'cn-hangzhou',
      credentials: creds,
      versionId: 'v 1+/x',
    })
    const info = await t.stat()
    assert.equal(info.size, bytes.length)
    const r = await t.read({ start: 1000, end: 65535, object: info })
    assert.deepEqual(await collect(r.body), bytes.subarray(1000, 65536))
    const get = s3.requests.at(-1)
    assert.equal(get?.rawPath, '/bkt/dir/a%20b%2Bc~%C3%BC.bin')
    assert.match(String(get?.headers['accept-encoding']), /^identity(, identity)?$/)
  })

  it('a wrong secret is caught by the server check (the check is real)', async () => {
    const t = createS3Transport({
      bucket: 'bkt',
      key: KEY,
      endpoint: s3.origin,
      region: 'cn-hangzhou',
      credentials: { ...creds, secretAccessKey: 'wrong-secret' },
    })
    // The HEAD's bare 403 is classified by the code the GET bytes=0-0 that follows it gets.
    await assert.rejects(t.stat(), {
      name: 'TransportError',
      kind: 'auth',
      code: 'SignatureDoesNotMatch',
    })
    const o = createOssTransport({
      bucket: 'bkt',
      key: KEY,
      endpoint: oss.origin,
      region: 'cn-hangzhou',
      credentials: { ...creds, secretAccessKey: 'wrong-secret' },
    })
    await assert.rejects(
      o.read({ start: 0, end: 9, object: { size: bytes.length } }),
      (e) => isTransportError(e) && e.code === 'SignatureDoesNotMatch',
    )
  })

  it('OSS mode (V4, STS, range-behavior header) passes the server check', async () => {
    const t = createOssTransport({
      bucket: 'bkt',
      key: KEY,
      endpoint: oss.origin,
      region: 'cn-hangzhou',
      credentials: creds,
      versionId: 'CAEQ=/+',
    })
    const info = await t.stat()
    const r = await t.read({ start: 0, end: bytes.length - 1, object: info })
    assert.deepEqual(await collect(r.body), bytes)
    assert.equal(oss.requests.at(-1)?.headers['x-oss-range-behavior'], 'standard')
  })
})

describe('loopback: failures on the wire', () => {
  let server: Loopback
  let fault: ((r: ReceivedRequest, n: number) => LoopbackFault | undefined) | undefined
  before(async () => {
    server = await startLoopback({ bytes, etag, fault: (r, n) => fault?.(r, n) })
  })
  after(async () => {
    fault = undefined
    await server.close()
  })

  it('a connection cut mid-body rejects the body with a retryable network TransportError', async () => {
    fault = () => ({ type: 'drop', afterBytes: 5000 })
    const t = createUrlTransport({ url: `${server.origin}/obj` })
    const r = await t.read({ start: 0, end: 99_999, object: { size: bytes.length, etag } })
    await assert.rejects(collect(r.body), (e) => {
      assert.ok(isTransportError(e), String(e))
      assert.equal(e.kind, 'network')
      assert.equal(e.retryable, true)
      return true
    })
    fault = undefined
  })

  it('503 SlowDown with Retry-After and a 200 to a ranged GET are reported, not misread', async () => {
    fault = () => ({
      type: 'status',
      status: 503,
      code: 'SlowDown',
      headers: { 'retry-after': '1' },
    })
    const t = createUrlTransport({ url: `${server.origin}/obj` })
    await assert.rejects(t.read({ start: 0, end: 9, object: { size: bytes.length } }), (e) => {
      assert.ok(isTransportError(e))
      assert.equal(e.kind, 'throttled')
      assert.equal(e.retryAfterMs, 1000)
      return true
    })
    fault = () => ({ type: 'whole' })
    await assert.rejects(t.read({ start: 0, end: 9, object: { size: bytes.length } }), {
      name: 'TransportError',
      kind: 'protocol',
    })
    fault = undefined
  })

  it("the caller's abort mid-body rejects with the caller's reason", async () => {
    fault = () => ({ type: 'drop', afterBytes: 1000 })
    const controller = new AbortController()
    const reason = new Error('pause')
    const t = createUrlTransport({ url: `${server.origin}/obj` })
    const r = await t.read({
      start: 0,
      end: 99_999,
      object: { size: bytes.length },
      signal: controller.signal,
    })
    const chunks = (r.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
    await chunks.next()
    controller.abort(reason)
    await assert.rejects(
      (async () => {
        for (;;) if ((await chunks.next()).done) break
      })(),
      (e) => e === reason,
    )
    fault = undefined
  })
})

describe('loopback: download() end to end with faults', () => {
  let server: Loopback
  const crc = crc64('crc64xz', bytes)
  before(async () => {
    server = await startLoopback({
      bytes,
      etag,
      headers: { 'x-oss-hash-crc64ecma': crc.toString() },
      verify: (r) => checkOssV4(r, 'bkt', KEY, creds.secretAccessKey),
      fault: (r, n) => {
        if (r.method === 'HEAD')
          return n === 0
            ? {
                type: 'status',
                status: 503,
                code: 'TotalQpsLimitExceeded',
                headers: { 'retry-after': '0' },
              }
            : undefined
        if (n % 5 === 2) return { type: 'drop', afterBytes: 3000 }
        if (n % 7 === 3) return { type: 'status', status: 500, code: 'InternalError' }
        return undefined
      },
    })
  })
  after(async () => {
    await server.close()
  })

  it('OSS mode: byte-identical, CRC-64 verified, despite drops, 5xx and throttling', async () => {
    const target = new MemoryTarget('loopback.bin')
    const result = await download({
      transport: createOssTransport({
        bucket: 'bkt',
        key: KEY,
        endpoint: server.origin,
        region: 'cn-hangzhou',
        credentials: creds,
      }),
      target,
      checkpoint: new MemoryCheckpointStore(),
      partSize: 100 * 1024,
      concurrency: 3,
      retries: 8,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
    })
    assert.deepEqual(target.committed, bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: crc })
    assert.ok(result.retries > 0, 'faults were hit')
  })
})
