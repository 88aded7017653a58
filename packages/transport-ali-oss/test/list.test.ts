import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { isTransportError, type ListedObject } from '@resumable/core'
import { CONTRACT_CREDENTIALS, MockOss } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import OSS from 'ali-oss'
import { type AliOssListV2Client, createAliOssLister } from '../src/index.ts'

const BUCKET = 'listbucket'
const KEYS = [
  ...Array.from({ length: 1205 }, (_, i) => `data/${String(i).padStart(5, '0')}`),
  'data/a b+c&<>.txt',
  'data/ctrl\u0001.txt',
  'data/文件.bin',
]

describe('createAliOssLister over a real ali-oss client (signatures verified by the mock)', () => {
  let server: MockOssServer
  let oss: MockOss
  before(async () => {
    oss = new MockOss({ credentials: CONTRACT_CREDENTIALS })
    for (const key of KEYS) oss.putObject(BUCKET, key, { bytes: new TextEncoder().encode(key) })
    oss.putObject(BUCKET, 'other/x', { bytes: new Uint8Array(1) })
    server = await startMockOss({ oss })
  })
  after(() => server.close())

  const client = (secret: string = CONTRACT_CREDENTIALS.secretAccessKey) =>
    new OSS({
      endpoint: server.url,
      bucket: BUCKET,
      accessKeyId: CONTRACT_CREDENTIALS.accessKeyId,
      accessKeySecret: secret,
    }) as unknown as AliOssListV2Client

  it('pages through 1,208 keys by 500, url-decoding hostile keys, each once in order', async () => {
    const listed: ListedObject[] = []
    for await (const o of createAliOssLister(client(), { prefix: 'data/', maxKeys: 500 }).list())
      listed.push(o)
    assert.deepEqual(listed.map((o) => o.key).sort(), [...KEYS].sort())
    assert.equal(listed[0]?.size, 10)
  })

  it('maps a signature failure to a typed, non-retryable error with Code and RequestId', async () => {
    const lister = createAliOssLister(client('wrong-secret'), { retryBaseDelayMs: 1 })
    await assert.rejects(
      async () => {
        for await (const _ of lister.list()) assert.fail('listed with a wrong secret')
      },
      (error: unknown) => {
        assert.ok(isTransportError(error))
        assert.equal(error.code, 'SignatureDoesNotMatch')
        assert.ok(error.requestId)
        assert.doesNotMatch(error.message, /wrong-secret/)
        return true
      },
    )
  })

  it('retries a 503 page', async () => {
    const before = oss.served.byStatus[503] ?? 0
    oss.faults.add({
      fault: { type: 'status', status: 503, code: 'ServiceUnavailable' },
      match: { key: '' },
      times: 1,
    })
    let n = 0
    for await (const _ of createAliOssLister(client(), {
      prefix: 'data/',
      retryBaseDelayMs: 1,
    }).list())
      n++
    assert.equal(n, KEYS.length)
    assert.equal((oss.served.byStatus[503] ?? 0) - before, 1)
  })
})
