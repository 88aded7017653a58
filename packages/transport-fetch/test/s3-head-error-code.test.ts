import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { bytesToBase64, isTransportError, type TransportError } from '@resumable/core'
import { CONTRACT_CREDENTIALS, MockOss, makeBytes } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { createOssTransport, createS3Transport } from '../src/index.ts'

// S3 answers a refused HEAD with its status alone: stat asks one signed GET bytes=0-0 for the
// code. Real loopback HTTP against the mock in S3 mode, which answers HEAD errors bodyless too.

const key = new Uint8Array(randomBytes(32))
const keyB64 = bytesToBase64(key)
const keyMd5 = createHash('md5').update(key).digest('base64')

function refusal(p: Promise<unknown>): Promise<TransportError> {
  return p.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => {
      assert.ok(isTransportError(e), String(e))
      return e
    },
  )
}

describe('S3 stat: the code of a bodyless HEAD refusal comes from a GET bytes=0-0', () => {
  const oss = new MockOss({ credentials: CONTRACT_CREDENTIALS, dialect: 's3' })
  let server: MockOssServer
  before(async () => {
    oss.createBucket('bkt')
    oss.createBucket('payer', { requesterPays: true })
    oss.putObject('bkt', 'o.bin', { bytes: makeBytes(1000) })
    oss.putObject('payer', 'o.bin', { bytes: makeBytes(1000) })
    oss.putObject('bkt', 'secret.bin', {
      bytes: makeBytes(1000),
      sseCustomerKey: { key: keyB64, keyMd5 },
    })
    server = await startMockOss({ oss })
  })
  after(() => server.close())

  function s3(extra: object) {
    return createS3Transport({
      bucket: 'bkt',
      key: 'o.bin',
      endpoint: server.url,
      region: 'us-east-1',
      credentials: CONTRACT_CREDENTIALS,
      ...extra,
    })
  }

  it('a wrong secret is reported as SignatureDoesNotMatch, with the store message and request id', async () => {
    oss.resetCounters()
    const wrong = { ...CONTRACT_CREDENTIALS, secretAccessKey: 'not-the-secret' }
    const e = await refusal(s3({ credentials: wrong }).stat())
    assert.equal(e.status, 403)
    assert.equal(e.code, 'SignatureDoesNotMatch')
    assert.equal(e.kind, 'auth')
    assert.ok(e.requestId, e.message)
    assert.match(e.message, /^HEAD s3:\/\/bkt\/o\.bin: /)
    assert.ok(!e.message.includes('not-the-secret'), e.message)
    assert.deepEqual(
      oss.served.log.map((s) => [s.method, s.headers.range]),
      [
        ['HEAD', undefined],
        ['GET', 'bytes=0-0'],
      ],
    )
  })

  it('a requester-pays refusal is reported as AccessDenied', async () => {
    const e = await refusal(s3({ bucket: 'payer' }).stat())
    assert.equal(e.status, 403)
    assert.equal(e.code, 'AccessDenied')
    assert.equal(e.kind, 'forbidden')
  })

  it('an SSE-C object without its key is reported with the mock code InvalidRequest', async () => {
    const e = await refusal(s3({ key: 'secret.bin' }).stat())
    assert.equal(e.status, 400)
    assert.equal(e.code, 'InvalidRequest')
  })

  it('the GET carries the HEAD headers: SSE-C key, request payer and versionId, all signed', async () => {
    oss.resetCounters()
    const wrongKey = bytesToBase64(new Uint8Array(randomBytes(32)))
    const t = s3({
      key: 'secret.bin',
      sseCustomerKey: wrongKey,
      requestPayer: true,
      versionId: 'v1',
    })
    const e = await refusal(t.stat())
    assert.ok(!e.message.includes(wrongKey), e.message)
    const [head, get] = oss.served.log
    assert.equal(oss.served.log.length, 2)
    assert.equal(get?.method, 'GET')
    for (const name of [
      'x-amz-server-side-encryption-customer-algorithm',
      'x-amz-server-side-encryption-customer-key',
      'x-amz-server-side-encryption-customer-key-md5',
      'x-amz-request-payer',
    ]) {
      assert.ok(head?.headers[name], name)
      assert.equal(get?.headers[name], head?.headers[name], name)
      assert.match(get?.headers.authorization ?? '', new RegExp(`SignedHeaders=[^,]*${name}`))
    }
    assert.match(get?.url ?? '', /[?&]versionId=v1(&|$)/)
  })

  it('a 404 tells a missing bucket from a missing key', async () => {
    const noKey = await refusal(s3({ key: 'absent.bin' }).stat())
    assert.equal(noKey.code, 'NoSuchKey')
    const noBucket = await refusal(s3({ bucket: 'absent-bucket' }).stat())
    assert.equal(noBucket.code, 'NoSuchBucket')
    assert.match(noBucket.message, /the bucket does not exist/)
  })

  it('a stat that succeeds sends one HEAD and no GET', async () => {
    oss.resetCounters()
    await s3({}).stat()
    assert.deepEqual(
      oss.served.log.map((s) => s.method),
      ['HEAD'],
    )
  })

  it('OSS mode sends no GET: its HEAD refusal carries the code in x-oss-err', async () => {
    const ossOnly = new MockOss({ credentials: CONTRACT_CREDENTIALS, dialect: 'oss' })
    ossOnly.putObject('bkt', 'o.bin', { bytes: makeBytes(10) })
    const served = await startMockOss({ oss: ossOnly })
    try {
      const t = createOssTransport({
        bucket: 'bkt',
        key: 'absent.bin',
        endpoint: served.url,
        region: 'cn-hangzhou',
        credentials: CONTRACT_CREDENTIALS,
      })
      const e = await refusal(t.stat())
      assert.equal(e.code, 'NoSuchKey')
      assert.deepEqual(
        ossOnly.served.log.map((s) => s.method),
        ['HEAD'],
      )
    } finally {
      await served.close()
    }
  })
})

describe('S3 stat: a HEAD-only refusal keeps the HEAD error when the GET succeeds', () => {
  const oss = new MockOss({ credentials: CONTRACT_CREDENTIALS, dialect: 's3' })
  let server: MockOssServer
  let heads = 0
  before(async () => {
    oss.putObject('bkt', 'o.bin', { bytes: makeBytes(1000) })
    server = await startMockOss({
      oss,
      routes: (request) => {
        if (request.method !== 'HEAD') return undefined
        heads += 1
        return new Response(null, { status: 403 })
      },
    })
  })
  after(() => server.close())

  it('throws the bare 403 of the HEAD, having read one byte at most', async () => {
    oss.resetCounters()
    const t = createS3Transport({
      bucket: 'bkt',
      key: 'o.bin',
      endpoint: server.url,
      region: 'us-east-1',
      credentials: CONTRACT_CREDENTIALS,
    })
    const e = await refusal(t.stat())
    assert.equal(e.status, 403)
    assert.equal(e.code, undefined)
    assert.equal(heads, 1)
    assert.deepEqual(
      oss.served.log.map((s) => [s.method, s.status]),
      [['GET', 206]],
    )
  })
})
