import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { createFetchTransport, FetchTransport } from '../src/index.ts'
import { fakeFetch, objectServer } from './helpers/fake-fetch.ts'

const served = { bytes: makeBytes(50), headers: { etag: '"C"' } }
const credentials = { accessKeyId: 'ak-create', secretAccessKey: 'sk-create' }

describe('createFetchTransport', () => {
  it('dispatches on mode and gives each mode its id', () => {
    const url = createFetchTransport({ mode: 'url', url: 'https://h.example/a/b.bin?sig=1#frag' })
    const oss = createFetchTransport({
      mode: 'oss',
      region: 'cn-hangzhou',
      bucket: 'bkt',
      key: 'a/b.bin',
      credentials,
    })
    const s3 = createFetchTransport({
      mode: 's3',
      region: 'us-east-1',
      bucket: 'bkt',
      key: 'a/b.bin',
      credentials,
      versionId: 'v1',
    })
    assert.ok(url instanceof FetchTransport)
    assert.deepEqual(
      [url.id, oss.id, s3.id],
      ['https://h.example/a/b.bin', 'oss://bkt/a/b.bin', 's3://bkt/a/b.bin?versionId=v1'],
    )
  })

  it('rejects bad options with OptionsError before any request', () => {
    const bad: [string, () => unknown][] = [
      ['mode', () => createFetchTransport({ mode: 'ftp' } as never)],
      ['url', () => createFetchTransport({ mode: 'url', url: 'ftp://h.example/x' })],
      ['url', () => createFetchTransport({ mode: 'url', url: 'not a url' })],
      ['region', () => createFetchTransport({ mode: 'oss', bucket: 'bkt', key: 'k', credentials })],
      [
        'key',
        () =>
          createFetchTransport({
            mode: 'oss',
            region: 'cn-hangzhou',
            bucket: 'bkt',
            key: 'a/../b',
            credentials,
          }),
      ],
      [
        'bucket',
        () =>
          createFetchTransport({
            mode: 's3',
            region: 'us-east-1',
            bucket: 'bad/bucket',
            key: 'k',
            credentials,
          }),
      ],
      [
        'endpoint',
        () =>
          createFetchTransport({
            mode: 's3',
            endpoint: 'https://h.example/path',
            bucket: 'bkt',
            key: 'k',
            credentials,
          }),
      ],
      [
        'region',
        () =>
          createFetchTransport({
            mode: 'oss',
            endpoint: 'https://cdn.example.com',
            cname: true,
            bucket: 'bkt',
            key: 'k',
            credentials,
          }),
      ],
    ]
    for (const [option, make] of bad) {
      assert.throws(
        make,
        (e: Error & { option?: string }) => e.name === 'OptionsError' && e.option === option,
        option,
      )
    }
  })

  it('URL mode sends extra headers and uses the injected fetch', async () => {
    const f = fakeFetch(objectServer(served))
    const t = createFetchTransport({
      mode: 'url',
      url: 'https://h.example/x',
      headers: { authorization: 'Bearer abc' },
      fetch: f,
    })
    await t.stat()
    assert.equal(f.calls[0]?.headers.get('authorization'), 'Bearer abc')
  })

  it('uses globalThis.fetch, looked up per request, when no fetch is given', async () => {
    const original = globalThis.fetch
    const f = fakeFetch(objectServer(served))
    globalThis.fetch = f as unknown as typeof fetch
    try {
      const info = await createFetchTransport({ mode: 'url', url: 'https://h.example/x' }).stat()
      assert.equal(info.size, 50)
      assert.equal(f.calls.length, 1)
    } finally {
      globalThis.fetch = original
    }
  })
})
