// Both OSS transports (transport-fetch's OSS mode and this package) against the same mock OSS
// answers over a real loopback socket: they must agree on the object's id (checkpoints name it, so
// each resumes the other's), on ObjectInfo, and on how every failure is classified.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import {
  isTransportError,
  type ObjectInfo,
  type Transport,
  type TransportError,
} from '@resumable/core'
import {
  CONTRACT_CREDENTIALS,
  collect,
  type Fault,
  MockOss,
  makeBytes,
  type PutObjectInit,
} from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { createOssTransport } from '@resumable/transport-fetch'
import OSS from 'ali-oss'
import { createAliOssTransport } from '../src/index.ts'

const BUCKET = 'paritybucket'
const DAY_MS = 24 * 60 * 60 * 1000

interface Pair {
  readonly fetch: Transport
  readonly aliOss: Transport
}

/** The classification a caller (core's retry loop) acts on. */
function verdict(error: TransportError) {
  return {
    kind: error.kind,
    retryable: error.retryable,
    retryAfterMs: error.retryAfterMs,
    status: error.status,
    code: error.code,
  }
}

async function failure(p: Promise<unknown>): Promise<TransportError> {
  const caught = await p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  )
  assert.ok(isTransportError(caught), `expected a TransportError, got ${String(caught)}`)
  return caught
}

describe('parity: transport-fetch OSS mode and transport-ali-oss over the same mock OSS', () => {
  let server: MockOssServer
  let oss: MockOss

  before(async () => {
    oss = new MockOss({ credentials: CONTRACT_CREDENTIALS })
    oss.createBucket(BUCKET, { versioning: true })
    server = await startMockOss({ oss })
  })
  after(() => server.close())

  /** Both transports for `key`, signing with the contract credentials (the mock verifies them). */
  function pair(key: string, versionId?: string): Pair {
    const version = versionId === undefined ? {} : { versionId }
    return {
      fetch: createOssTransport({
        bucket: BUCKET,
        key,
        endpoint: server.url,
        region: 'cn-hangzhou',
        credentials: CONTRACT_CREDENTIALS,
        ...version,
      }),
      aliOss: createAliOssTransport(
        new OSS({
          endpoint: server.url,
          bucket: BUCKET,
          accessKeyId: CONTRACT_CREDENTIALS.accessKeyId,
          accessKeySecret: CONTRACT_CREDENTIALS.secretAccessKey,
        }),
        key,
        version,
      ),
    }
  }

  function put(key: string, init: Partial<PutObjectInit> = {}) {
    return oss.putObject(BUCKET, key, { bytes: makeBytes(4096, 3), ...init })
  }

  /** Runs `call` on both, with `fault` injected once for each, and returns both errors. */
  async function bothFail(
    p: Pair,
    call: (t: Transport) => Promise<unknown>,
    fault?: { readonly fault: Fault; readonly method: 'GET' | 'HEAD' },
  ): Promise<[TransportError, TransportError]> {
    const errors: TransportError[] = []
    for (const t of [p.fetch, p.aliOss]) {
      const remove = fault
        ? oss.faults.add({ fault: fault.fault, match: { method: fault.method }, times: 1 })
        : undefined
      try {
        errors.push(await failure(call(t)))
      } finally {
        remove?.()
      }
    }
    return [errors[0] as TransportError, errors[1] as TransportError]
  }

  it('give the same id, with and without a pinned version', () => {
    const plain = pair('dir/a b+c.bin')
    assert.equal(plain.fetch.id, plain.aliOss.id)
    assert.equal(plain.fetch.id, `oss://${BUCKET}/dir/a b+c.bin`)
    const pinned = pair('v.bin', 'CAEQNhiBgM0BYiIDc4MGZjZGI2OTBj+/=')
    assert.equal(pinned.fetch.id, pinned.aliOss.id)
  })

  it('report the same ObjectInfo from stat (ETag, CRC-64, metadata, version, restore state)', async () => {
    const cases: [string, Partial<PutObjectInit>][] = [
      ['plain.bin', { metadata: { owner: 'alice', purpose: 'parity' }, contentType: 'text/csv' }],
      ['multipart.bin', { multipartParts: 3, crc64: false }],
      ['restored.bin', { storageClass: 'Archive', restore: 'done' }],
    ]
    for (const [key, init] of cases) {
      put(key, init)
      const p = pair(key)
      const a: ObjectInfo = await p.fetch.stat()
      const b: ObjectInfo = await p.aliOss.stat()
      assert.deepEqual(a, b, key)
      assert.equal(a.size, 4096)
    }
    assert.deepEqual((await pair('plain.bin').fetch.stat()).metadata, {
      owner: 'alice',
      purpose: 'parity',
    })
  })

  it("hand on a whole-object 200's Content-MD5 alike as ReadResponse.md5", async () => {
    const bytes = makeBytes(4096, 5)
    put('md5.bin', { bytes, crc64: false })
    const p = pair('md5.bin')
    const object = await p.fetch.stat()
    assert.equal(object.md5, undefined, 'the HEAD vouches for no MD5')
    const md5 = createHash('md5').update(bytes).digest()
    const seen: (readonly [string | undefined, string | undefined])[] = []
    for (const t of [p.fetch, p.aliOss]) {
      const remove = oss.faults.add({
        fault: { type: 'ignore-range', headers: { 'content-md5': md5.toString('base64') } },
        match: { method: 'GET' },
        times: 1,
      })
      try {
        const whole = await t.read({ start: 0, end: bytes.length - 1, object })
        assert.deepEqual(await collect(whole.body), bytes)
        seen.push([whole.md5, whole.md5Source])
      } finally {
        remove()
      }
    }
    assert.deepEqual(seen[0], seen[1])
    assert.deepEqual(seen[0], [md5.toString('hex'), 'Content-MD5'])
  })

  it('classify store errors alike: kind, retryable, Retry-After, status and code', async () => {
    put('k.bin')
    const p = pair('k.bin')
    const object = await p.fetch.stat()
    const read = (t: Transport) => t.read({ start: 0, end: 99, object })
    const stat = (t: Transport) => t.stat()
    const status = (code: string, s: number, retryAfterSeconds?: number): Fault =>
      retryAfterSeconds === undefined
        ? { type: 'status', status: s, code }
        : { type: 'status', status: s, code, retryAfterSeconds }
    const expected = [
      ['403 AccessDenied', status('AccessDenied', 403), 'forbidden', false, undefined],
      ['403 AccessKeyIdDisabled', status('AccessKeyIdDisabled', 403), 'auth', false, undefined],
      ['503 SlowDown, Retry-After 1.5', status('SlowDown', 503, 1.5), 'throttled', true, 1500],
      ['400 ExpiredToken', status('ExpiredToken', 400), 'auth', false, undefined],
      ['416 InvalidRange', status('InvalidRange', 416), 'range-not-satisfiable', false, undefined],
    ] as const
    for (const [name, fault, kind, retryable, retryAfterMs] of expected) {
      for (const [method, call] of [
        ['HEAD', stat],
        ['GET', read],
      ] as const) {
        // A 416 to a guarded read inside the object, without a Content-Range: the store's fault.
        const [k, r] =
          name.startsWith('416') && method === 'GET' ? ['server', true] : [kind, retryable]
        const [a, b] = await bothFail(p, call, { fault, method })
        assert.deepEqual(verdict(a), verdict(b), `${name} on ${method}`)
        assert.equal(a.kind, k, `${name} on ${method}`)
        assert.equal(a.retryable, r, `${name} on ${method}`)
        assert.equal(a.retryAfterMs, retryAfterMs, `${name} on ${method}`)
      }
    }
  })

  it('classify a missing object alike (404 NoSuchKey) on stat and on read', async () => {
    const p = pair('missing.bin')
    const [a, b] = await bothFail(p, (t) => t.stat())
    assert.deepEqual(verdict(a), verdict(b))
    assert.equal(a.kind, 'not-found')
    assert.equal(a.code, 'NoSuchKey')
    const [c, d] = await bothFail(p, (t) =>
      t.read({ start: 0, end: 9, object: { size: 100, etag: '"E"' } }),
    )
    assert.deepEqual(verdict(c), verdict(d))
    assert.equal(c.kind, 'not-found')
  })

  it('fail alike at stat on an unrestored archived object and on an expired restore', async () => {
    put('archived.bin', { storageClass: 'ColdArchive' })
    put('restoring.bin', { storageClass: 'Archive', restore: 'ongoing' })
    put('expired.bin', {
      storageClass: 'Archive',
      restore: 'done',
      restoreExpiry: new Date(Date.now() - DAY_MS),
    })
    for (const key of ['archived.bin', 'restoring.bin', 'expired.bin']) {
      const [a, b] = await bothFail(pair(key), (t) => t.stat())
      assert.deepEqual(verdict(a), verdict(b), key)
      assert.equal(a.kind, 'archived', key)
      assert.equal(a.retryable, false, key)
    }
  })

  it('classify the GET of an unrestored archived object alike (403 InvalidObjectState)', async () => {
    put('cold.bin', { storageClass: 'ColdArchive' })
    const object: ObjectInfo = { size: 4096, storageClass: 'ColdArchive' }
    const [a, b] = await bothFail(pair('cold.bin'), (t) => t.read({ start: 0, end: 9, object }))
    assert.deepEqual(verdict(a), verdict(b))
    assert.equal(a.kind, 'archived')
    assert.equal(a.code, 'InvalidObjectState')
  })
})

describe('parity: an expired STS token is retryable in both when credentials can rotate', () => {
  let server: MockOssServer
  before(async () => {
    server = await startMockOss({ oss: new MockOss() })
    server.oss.putObject(BUCKET, 'k.bin', { bytes: makeBytes(100) })
  })
  after(() => server.close())

  it('400 ExpiredToken: retryable with a credentials provider and with refreshSTSToken', async () => {
    const sts = {
      accessKeyId: 'STS.rotatingKeyId',
      secretAccessKey: 'rotating-secret-0123456789',
      sessionToken: 'rotating-sts-token-0123456789',
    }
    const fetchTransport = createOssTransport({
      bucket: BUCKET,
      key: 'k.bin',
      endpoint: server.url,
      region: 'cn-hangzhou',
      credentials: () => sts,
    })
    let refreshed = 0
    const aliTransport = createAliOssTransport(
      new OSS({
        endpoint: server.url,
        bucket: BUCKET,
        accessKeyId: sts.accessKeyId,
        accessKeySecret: sts.secretAccessKey,
        stsToken: sts.sessionToken,
        refreshSTSToken: async () => {
          refreshed++
          return {
            accessKeyId: sts.accessKeyId,
            accessKeySecret: sts.secretAccessKey,
            stsToken: sts.sessionToken,
          }
        },
      }),
      'k.bin',
    )
    const errors: TransportError[] = []
    for (const t of [fetchTransport, aliTransport]) {
      const remove = server.oss.faults.add({
        fault: { type: 'status', status: 400, code: 'ExpiredToken' },
        times: 1,
      })
      errors.push(await failure(t.stat()))
      remove()
    }
    const [a, b] = errors as [TransportError, TransportError]
    assert.deepEqual(verdict(a), verdict(b))
    assert.equal(a.kind, 'auth')
    assert.equal(a.retryable, true)
    // The retry makes ali-oss ask for a fresh token instead of waiting out refreshSTSTokenInterval.
    const before = refreshed
    assert.equal((await aliTransport.stat()).size, 100)
    assert.equal(refreshed, before + 1)
  })
})
