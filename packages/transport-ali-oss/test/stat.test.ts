import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { isTransportError, OptionsError, type TransportError } from '@resumable/core'
import { makeBytes, type PutObjectInit, type StoredObject } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
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

const object: PutObjectInit = {
  bytes: makeBytes(1000),
  etag: '"CACF99600561A31D494569C979E6FB81"',
  lastModified: new Date('Fri, 24 Feb 2012 06:07:48 GMT'),
  contentType: 'text/plain',
  metadata: { meta: 'value', Author: 'alice' },
}

async function rejection(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  )
  assert.ok(isTransportError(error), `expected a TransportError, got ${String(error)}`)
  assertNoSecrets(`${error.message} ${String(error.cause)}`)
  return error
}

describe('stat', () => {
  let server: MockOssServer
  let stored: StoredObject
  let client: AliOssClient
  before(async () => {
    server = await startOss(true)
    stored = server.oss.putObject(BUCKET, KEY, object)
    client = makeClient(server.url)
  })
  after(() => server.close())

  it('reports size, identity, CRC-64 and user metadata from HeadObject', async () => {
    const info = await createAliOssTransport(client, KEY).stat()
    assert.equal(info.size, 1000)
    assert.equal(info.etag, '"CACF99600561A31D494569C979E6FB81"')
    assert.equal(info.lastModified, 'Fri, 24 Feb 2012 06:07:48 GMT')
    assert.deepEqual(info.checksum, { algorithm: 'crc64xz', value: stored.crc64 })
    assert.equal(info.contentType, 'text/plain')
    assert.deepEqual(info.metadata, { meta: 'value', author: 'alice' })
    assert.equal(info.acceptRanges, true)
    const request = lastRequest(server.oss)
    assert.equal(request.method, 'HEAD')
    assert.equal(request.bucket, BUCKET)
    assert.equal(request.key, KEY)
    assert.equal(request.headers['accept-encoding'], 'identity')
  })

  it('has a credential-free id and pins a version', async () => {
    const versionId = server.oss.putObject(BUCKET, 'v.bin', object).versionId ?? ''
    // The first version, so "pinned" means something: a newer one now sits on top.
    server.oss.putObject(BUCKET, 'v.bin', { ...object, bytes: makeBytes(1000, 2) })
    const plain = createAliOssTransport(client, KEY)
    assert.equal(plain.id, `oss://${BUCKET}/${KEY}`)
    const pinned = createAliOssTransport(client, '/v.bin', { versionId })
    assert.equal(pinned.id, `oss://${BUCKET}/v.bin?versionId=${encodeURIComponent(versionId)}`)
    const info = await pinned.stat()
    assert.equal(info.versionId, versionId)
    assert.equal(lastRequest(server.oss).query.get('versionId'), versionId)
    assertNoSecrets(JSON.stringify(pinned))
    assertNoSecrets((await import('node:util')).inspect(pinned, { depth: 5 }))
  })

  it('maps HeadObject errors, decoding x-oss-err', async () => {
    once(
      server.oss,
      {
        type: 'error',
        status: 403,
        code: 'AccessDenied',
        message: 'You have no right to access this object.',
      },
      'HEAD',
    )
    const denied = await rejection(createAliOssTransport(client, KEY).stat())
    assert.equal(denied.kind, 'forbidden')
    assert.equal(denied.retryable, false)
    assert.equal(denied.status, 403)
    assert.equal(denied.code, 'AccessDenied')
    assert.match(denied.requestId ?? '', /^5F[0-9A-F]{22}$/)
    assert.equal(denied.hostId, lastRequest(server.oss).headers.host)
    assert.equal(denied.ec, '0003-00000001')
    assert.match(
      denied.message,
      /HEAD oss:\/\/examplebucket\/exampledir\/exampleobject\.txt: access denied/,
    )

    const missing = await rejection(createAliOssTransport(client, 'nope.txt').stat())
    assert.equal(missing.kind, 'not-found')
    assert.equal(missing.retryable, false)
    assert.equal(missing.code, 'NoSuchKey')

    // ali-oss alone reports every HEAD 404 as NoSuchKey; the x-oss-err XML says which.
    once(
      server.oss,
      {
        type: 'error',
        status: 404,
        code: 'NoSuchBucket',
        message: 'The specified bucket does not exist.',
      },
      'HEAD',
    )
    const noBucket = await rejection(createAliOssTransport(client, KEY).stat())
    assert.equal(noBucket.kind, 'not-found')
    assert.equal(noBucket.code, 'NoSuchBucket')
    assert.match(noBucket.message, /the bucket does not exist/)

    once(
      server.oss,
      {
        type: 'error',
        status: 503,
        code: 'TotalQpsLimitExceeded',
        message: 'Max total qps limit is exceeded',
      },
      'HEAD',
    )
    const throttled = await rejection(createAliOssTransport(client, KEY).stat())
    assert.equal(throttled.kind, 'throttled')
    assert.equal(throttled.retryable, true)

    once(server.oss, { type: 'error', status: 403, code: 'RequestTimeTooSkewed' }, 'HEAD')
    const skewed = await rejection(createAliOssTransport(client, KEY).stat())
    assert.equal(skewed.kind, 'auth')
    assert.match(skewed.message, /clock/)

    once(server.oss, { type: 'error', status: 403, code: 'SignatureDoesNotMatch' }, 'HEAD')
    const signature = await rejection(createAliOssTransport(client, KEY).stat())
    assert.equal(signature.kind, 'auth')
    assert.equal(signature.retryable, false)
  })

  it('refuses a gzip-encoded HEAD', async () => {
    // ali-oss reads a HEAD's headers only; fake a gzip-encoded HEAD answer with a client double.
    const fake: AliOssClient = {
      options: { bucket: BUCKET },
      head: async () => ({
        status: 200,
        res: { status: 200, headers: { 'content-encoding': 'gzip', etag: '"x"' } },
      }),
      getStream: async () => assert.fail('not called'),
    }
    const error = await rejection(createAliOssTransport(fake, 'gz.txt').stat())
    assert.equal(error.kind, 'protocol')
    assert.equal(error.retryable, false)
    assert.match(error.message, /gzip/)
  })

  it('fails fast on archived objects that are not restored', async () => {
    const oss = server.oss
    oss.putObject(BUCKET, 'archive.bin', { ...object, storageClass: 'Archive' })
    oss.putObject(BUCKET, 'cold.bin', { ...object, storageClass: 'ColdArchive' })
    oss.putObject(BUCKET, 'restoring.bin', {
      ...object,
      storageClass: 'DeepColdArchive',
      restore: 'ongoing',
    })
    oss.putObject(BUCKET, 'restored.bin', {
      ...object,
      storageClass: 'Archive',
      restore: 'done',
      restoreExpiry: new Date('Thu, 16 Apr 2099 08:12:33 GMT'),
    })
    oss.putObject(BUCKET, 'expired.bin', {
      ...object,
      storageClass: 'ColdArchive',
      restore: 'done',
      restoreExpiry: new Date('Sun, 16 Apr 2017 08:12:33 GMT'),
    })
    const archived = await rejection(createAliOssTransport(client, 'archive.bin').stat())
    assert.equal(archived.kind, 'archived')
    assert.equal(archived.retryable, false)
    assert.match(archived.message, /Archive and is not restored: restore it first/)
    assert.match(archived.message, /archiveDirectRead/)
    const cold = await rejection(
      createAliOssTransport(client, 'cold.bin', { archiveDirectRead: true }).stat(),
    )
    assert.equal(cold.kind, 'archived')
    assert.doesNotMatch(cold.message, /archiveDirectRead/)
    const restoring = await rejection(createAliOssTransport(client, 'restoring.bin').stat())
    assert.match(restoring.message, /still being restored/)
    const expired = await rejection(createAliOssTransport(client, 'expired.bin').stat())
    assert.match(expired.message, /expired/)

    const restored = await createAliOssTransport(client, 'restored.bin').stat()
    assert.deepEqual(restored.restore, { ongoing: false, expiry: 'Thu, 16 Apr 2099 08:12:33 GMT' })
    const direct = await createAliOssTransport(client, 'archive.bin', {
      archiveDirectRead: true,
    }).stat()
    assert.equal(direct.storageClass, 'Archive')
  })

  it('rejects with the abort reason, also while waiting for headers', async () => {
    const transport = createAliOssTransport(client, KEY)
    const reason = new Error('paused')
    await assert.rejects(transport.stat({ signal: AbortSignal.abort(reason) }), (e) => e === reason)
    once(server.oss, { type: 'delay-headers', ms: 1000 }, 'HEAD')
    const controller = new AbortController()
    const started = Date.now()
    const pending = transport.stat({ signal: controller.signal })
    setTimeout(() => controller.abort(reason), 30)
    await assert.rejects(pending, (e) => e === reason)
    assert.ok(Date.now() - started < 700, 'the abort did not wait for the response')
  })

  it('validates its arguments', () => {
    assert.throws(() => createAliOssTransport({} as AliOssClient, KEY), OptionsError)
    assert.throws(() => createAliOssTransport(client, ''), OptionsError)
    assert.throws(() => createAliOssTransport(client, KEY, { trafficLimit: 1000 }), OptionsError)
    assert.throws(() => createAliOssTransport(client, KEY, { timeout: -1 }), OptionsError)
    assert.throws(() => createAliOssTransport(client, KEY, { versionId: '' }), OptionsError)
    const noBucket = makeClient(server.url, { bucket: undefined })
    assert.throws(() => createAliOssTransport(noBucket, KEY), /no bucket/)
    // A custom domain bound to a bucket needs no bucket name: the domain identifies it.
    const cname = makeClient('https://files.example.com', { bucket: undefined, cname: true })
    assert.equal(createAliOssTransport(cname, KEY).id, `oss://files.example.com/${KEY}`)
  })

  it('refuses to follow the client to another bucket', async () => {
    const switching = makeClient(server.url)
    const transport = createAliOssTransport(switching, KEY)
    switching.useBucket('otherbucket')
    const error = await rejection(transport.stat())
    assert.equal(error.kind, 'invalid-request')
    assert.match(error.message, /otherbucket/)
  })

  it('warns once per client whose retryMax doubles the retries', () => {
    const retrying = makeClient(server.url, { retryMax: 3 } as object)
    const warnings: string[] = []
    createAliOssTransport(retrying, KEY, { onWarning: (m) => warnings.push(m) })
    createAliOssTransport(retrying, KEY, { onWarning: (m) => warnings.push(m) })
    createAliOssTransport(client, KEY, { onWarning: (m) => warnings.push(m) })
    assert.equal(warnings.length, 1)
    assert.match(warnings[0] ?? '', /retryMax 3/)
  })
})
