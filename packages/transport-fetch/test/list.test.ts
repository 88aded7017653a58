import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isTransportError, type ListedObject, type Lister } from '@resumable/core'
import { createMockFetch, MockOss } from '@resumable/testkit'
import { createOssLister, createS3Lister, parseListPage } from '../src/index.ts'

const CREDENTIALS = { accessKeyId: 'LTAI-list', secretAccessKey: 'list-secret-value' }
const BUCKET = 'examplebucket'

function bucketWith(keys: readonly string[]): MockOss {
  const oss = new MockOss({ credentials: CREDENTIALS })
  for (const key of keys) oss.putObject(BUCKET, key, { bytes: new TextEncoder().encode(key) })
  return oss
}

async function collect(lister: Lister): Promise<ListedObject[]> {
  const out: ListedObject[] = []
  for await (const object of lister.list()) out.push(object)
  return out
}

const HOSTILE = [
  'data/a b+c.txt',
  'data/&<>"\'.txt',
  'data/ünïcødé/文件.bin',
  'data/%41%2F.txt',
  'data/ctrl\u0001\u001f.txt',
  'data//double',
  'data/../escape',
]

const listers = {
  oss: (oss: MockOss, options: { prefix?: string; maxKeys?: number; endpoint?: string } = {}) =>
    createOssLister({
      bucket: BUCKET,
      endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
      region: 'cn-hangzhou',
      credentials: CREDENTIALS,
      fetch: createMockFetch(oss),
      retryBaseDelayMs: 1,
      ...options,
    }),
  s3: (oss: MockOss, options: { prefix?: string; maxKeys?: number; endpoint?: string } = {}) =>
    createS3Lister({
      bucket: BUCKET,
      endpoint: 'http://127.0.0.1:9000',
      credentials: CREDENTIALS,
      fetch: createMockFetch(oss),
      retryBaseDelayMs: 1,
      ...options,
    }),
}

for (const [mode, make] of Object.entries(listers)) {
  describe(`${mode} ListObjectsV2 lister (signatures verified by the mock)`, () => {
    it('pages 2,345 keys by 1,000 and yields each key once, in order, with size and ETag', async () => {
      const keys = Array.from({ length: 2345 }, (_, i) => `data/${String(i).padStart(5, '0')}`)
      const oss = bucketWith([...keys, 'other/x'])
      const listed = await collect(make(oss, { prefix: 'data/' }))
      assert.deepEqual(
        listed.map((o) => o.key),
        keys,
      )
      assert.equal(listed[0]?.size, 10)
      assert.match(listed[0]?.etag ?? '', /^"[0-9A-F]+"$/i)
      assert.equal(oss.served.byStatus[200], 3)
    })

    it('decodes url-encoded keys exactly (spaces, +, %, entities, Unicode, control characters)', async () => {
      const oss = bucketWith(HOSTILE)
      const listed = await collect(make(oss, { prefix: 'data/', maxKeys: 2 }))
      assert.deepEqual(listed.map((o) => o.key).sort(), [...HOSTILE].sort())
    })

    it('retries a 503 page and then succeeds', async () => {
      const oss = bucketWith(['data/a', 'data/b'])
      oss.faults.add({
        fault: { type: 'status', status: 503, code: 'ServiceUnavailable' },
        match: { key: '' },
        times: 2,
      })
      const listed = await collect(make(oss, { prefix: 'data/' }))
      assert.deepEqual(
        listed.map((o) => o.key),
        ['data/a', 'data/b'],
      )
      assert.equal(oss.served.byStatus[503], 2)
    })

    it('fails with a typed error carrying the store Code and RequestId on a 403, without the secret', async () => {
      const oss = bucketWith(['data/a'])
      const lister =
        mode === 'oss'
          ? createOssLister({
              bucket: BUCKET,
              endpoint: 'https://oss-cn-hangzhou.aliyuncs.com',
              credentials: { accessKeyId: 'LTAI-list', secretAccessKey: 'wrong-secret-value' },
              fetch: createMockFetch(oss),
            })
          : createS3Lister({
              bucket: BUCKET,
              endpoint: 'http://127.0.0.1:9000',
              credentials: { accessKeyId: 'LTAI-list', secretAccessKey: 'wrong-secret-value' },
              fetch: createMockFetch(oss),
            })
      await assert.rejects(collect(lister), (error: unknown) => {
        assert.ok(isTransportError(error))
        assert.equal(error.kind, 'auth')
        assert.equal(error.code, 'SignatureDoesNotMatch')
        assert.ok(error.requestId)
        assert.doesNotMatch(`${error.message} ${JSON.stringify(error)}`, /wrong-secret-value/)
        return true
      })
    })

    it('fails with NoSuchBucket for a missing bucket', async () => {
      const oss = bucketWith([])
      // Path style: the mock tells a missing bucket from a virtual host only by path.
      await assert.rejects(
        collect(make(oss, { endpoint: 'http://127.0.0.1:9000' })),
        (error: unknown) => {
          assert.ok(isTransportError(error))
          assert.equal(error.code, 'NoSuchBucket')
          return true
        },
      )
    })
  })
}

describe('parseListPage', () => {
  it('refuses a truncated page without a continuation token, and malformed XML', () => {
    assert.throws(
      () =>
        parseListPage('<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>', 'x'),
      /NextContinuationToken/,
    )
    assert.throws(() => parseListPage('<ListBucketResult><Contents>', 'x'), /never closed/)
    assert.throws(
      () => parseListPage('<ListBucketResult>&bogus;</ListBucketResult>', 'x'),
      /entity/,
    )
  })

  it('reads CDATA, character references and a namespaced S3 root', () => {
    const page = parseListPage(
      '<?xml version="1.0"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated>' +
        '<Contents><Key><![CDATA[a<b]]>&#x263A;&#65;</Key><Size>3</Size><ETag>&quot;e&quot;</ETag></Contents></ListBucketResult>',
      'x',
    )
    assert.deepEqual(page.objects, [{ key: 'a<b☺A', size: 3, etag: '"e"' }])
  })
})
