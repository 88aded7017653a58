import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { bytesToBase64, isTransportError } from '@resumable/core'
import {
  CONTRACT_CREDENTIALS,
  collect,
  createMockFetch,
  MockOss,
  makeBytes,
} from '@resumable/testkit'
import { createOssTransport, createS3Transport } from '../src/index.ts'
import { rejectsWithStatus } from './helpers/presign-s3.ts'

const ENDPOINT = 'http://127.0.0.1:9000'

function s3(oss: MockOss, key: string, extra: Parameters<typeof createS3Transport>[0] | object) {
  return createS3Transport({
    bucket: 'bkt',
    key,
    endpoint: ENDPOINT,
    region: 'us-east-1',
    credentials: CONTRACT_CREDENTIALS,
    fetch: createMockFetch(oss),
    ...extra,
  })
}

function ossMode(oss: MockOss, extra: object) {
  return createOssTransport({
    bucket: 'bkt',
    key: 'o.bin',
    endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
    region: 'cn-hangzhou',
    credentials: CONTRACT_CREDENTIALS,
    fetch: createMockFetch(oss),
    ...extra,
  })
}

describe('requester pays', () => {
  const oss = new MockOss({ credentials: CONTRACT_CREDENTIALS })
  oss.createBucket('bkt', { requesterPays: true })
  const bytes = makeBytes(4096)
  oss.putObject('bkt', 'o.bin', { bytes })

  it('S3 mode: refused with 403 AccessDenied without requestPayer, read with it (header signed)', async () => {
    const t = s3(oss, 'o.bin', { requestPayer: true })
    const info = await t.stat()
    // S3 answers a HEAD error with its status alone; stat asks a GET for the code.
    await rejectsWithStatus(s3(oss, 'o.bin', {}).stat(), 403, 'AccessDenied')
    const refused = s3(oss, 'o.bin', {}).read({ start: 0, end: 9, object: info })
    await rejectsWithStatus(refused, 403, 'AccessDenied')
    oss.resetCounters()
    const r = await t.read({ start: 10, end: 99, object: info })
    assert.deepEqual(await collect(r.body), bytes.subarray(10, 100))
    for (const seen of oss.served.log) {
      assert.equal(seen.headers['x-amz-request-payer'], 'requester', seen.method)
      assert.match(seen.headers.authorization ?? '', /SignedHeaders=[^,]*x-amz-request-payer/)
    }
  })

  it('OSS mode: refused without requestPayer, read with it on HEAD and GET (x-oss-* is signed)', async () => {
    await rejectsWithStatus(ossMode(oss, {}).stat(), 403, 'AccessDenied')
    oss.resetCounters()
    const t = ossMode(oss, { requestPayer: true })
    const info = await t.stat()
    const r = await t.read({ start: 0, end: 4095, object: info })
    assert.deepEqual(await collect(r.body), bytes)
    assert.deepEqual(
      oss.served.log.map((s) => [s.method, s.headers['x-oss-request-payer']]),
      [
        ['HEAD', 'requester'],
        ['GET', 'requester'],
      ],
    )
  })

  it('is refused with anonymous access, before any request', () => {
    assert.throws(() => ossMode(oss, { anonymous: true, requestPayer: true }), {
      name: 'OptionsError',
    })
    assert.throws(() => s3(oss, 'o.bin', { anonymous: true, requestPayer: true }), {
      name: 'OptionsError',
    })
  })
})

describe('SSE-C (S3 mode)', () => {
  const key = new Uint8Array(randomBytes(32))
  const keyB64 = bytesToBase64(key)
  const keyMd5 = createHash('md5').update(key).digest('base64')
  const oss = new MockOss({ credentials: CONTRACT_CREDENTIALS })
  const bytes = makeBytes(10_000)
  oss.putObject('bkt', 'secret.bin', { bytes, sseCustomerKey: { key: keyB64, keyMd5 } })
  oss.putObject('bkt', 'plain.bin', { bytes })

  it('reads an SSE-C object with the key given as bytes or base64, all three headers signed', async () => {
    for (const sseCustomerKey of [key, keyB64]) {
      oss.resetCounters()
      const t = s3(oss, 'secret.bin', { sseCustomerKey })
      const info = await t.stat()
      const r = await t.read({ start: 5000, end: 9999, object: info })
      assert.deepEqual(await collect(r.body), bytes.subarray(5000))
      for (const seen of oss.served.log) {
        assert.equal(seen.headers['x-amz-server-side-encryption-customer-algorithm'], 'AES256')
        assert.equal(seen.headers['x-amz-server-side-encryption-customer-key'], keyB64)
        assert.equal(seen.headers['x-amz-server-side-encryption-customer-key-md5'], keyMd5)
      }
    }
  })

  it('without the key: 400 InvalidRequest; with another key: 403 AccessDenied, never echoing a key', async () => {
    // S3 answers a HEAD error with its status alone; stat asks a GET for the code.
    await rejectsWithStatus(s3(oss, 'secret.bin', {}).stat(), 400, 'InvalidRequest')
    const info = await s3(oss, 'secret.bin', { sseCustomerKey: key }).stat()
    const keyless = s3(oss, 'secret.bin', {}).read({ start: 0, end: 9, object: info })
    await rejectsWithStatus(keyless, 400, 'InvalidRequest')
    const wrong = bytesToBase64(new Uint8Array(randomBytes(32)))
    await assert.rejects(s3(oss, 'secret.bin', { sseCustomerKey: wrong }).stat(), (e) => {
      assert.ok(isTransportError(e))
      assert.equal(e.status, 403)
      assert.equal(e.code, 'AccessDenied')
      const shown = `${e.message} ${JSON.stringify(e)} ${String(e.cause ?? '')}`
      assert.ok(!shown.includes(wrong) && !shown.includes(keyB64), shown)
      return true
    })
  })

  it('refuses a key that is not 32 bytes, or plain http to a non-loopback host, without echoing it', () => {
    const short = bytesToBase64(new Uint8Array(16).fill(7))
    assert.throws(
      () => s3(oss, 'secret.bin', { sseCustomerKey: short }),
      (e: Error) => e.name === 'OptionsError' && !e.message.includes(short),
    )
    assert.throws(() => s3(oss, 'secret.bin', { sseCustomerKey: 'not base64!!' }), {
      name: 'OptionsError',
    })
    assert.throws(
      () => s3(oss, 'secret.bin', { sseCustomerKey: key, endpoint: 'http://minio.internal:9000' }),
      { name: 'OptionsError', message: /https/ },
    )
  })

  it('a plain object refuses SSE-C headers with 400 InvalidRequest (the mock checks, too)', async () => {
    await rejectsWithStatus(
      s3(oss, 'plain.bin', { sseCustomerKey: key }).stat(),
      400,
      'InvalidRequest',
    )
    const info = await s3(oss, 'plain.bin', {}).stat()
    const keyed = s3(oss, 'plain.bin', { sseCustomerKey: key }).read({
      start: 0,
      end: 9,
      object: info,
    })
    await rejectsWithStatus(keyed, 400, 'InvalidRequest')
  })
})

describe('traffic limit (OSS mode)', () => {
  const oss = new MockOss({ credentials: CONTRACT_CREDENTIALS })
  oss.putObject('bkt', 'o.bin', { bytes: makeBytes(100) })

  it('sends x-oss-traffic-limit (signed) on GET only, as transport-ali-oss does', async () => {
    const t = ossMode(oss, { trafficLimit: 819_200 })
    const info = await t.stat()
    await collect((await t.read({ start: 0, end: 99, object: info })).body)
    assert.deepEqual(
      oss.served.log.map((s) => [s.method, s.headers['x-oss-traffic-limit']]),
      [
        ['HEAD', undefined],
        ['GET', '819200'],
      ],
    )
  })

  it('refuses values outside 819200–838860800 bit/s', () => {
    for (const trafficLimit of [819_199, 838_860_801, 1.5, Number.NaN]) {
      assert.throws(
        () => ossMode(oss, { trafficLimit }),
        { name: 'OptionsError' },
        String(trafficLimit),
      )
    }
  })
})

describe('anonymous access', () => {
  it('S3 and OSS modes send no Authorization and need no credentials', async () => {
    const oss = new MockOss()
    oss.putObject('bkt', 'o.bin', { bytes: makeBytes(10) })
    for (const t of [
      s3(oss, 'o.bin', { anonymous: true, credentials: undefined }),
      ossMode(oss, { anonymous: true, credentials: undefined }),
    ]) {
      oss.resetCounters()
      assert.equal((await t.stat()).size, 10)
      assert.equal(oss.served.log[0]?.headers.authorization, undefined)
    }
  })
})
