import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { crc64, download, isTransportError } from '@resumable/core'
import { MemoryCheckpointStore, MemoryTarget } from '@resumable/store-memory'
import { makeBytes } from '@resumable/testkit'
import { keyPath, type S3rverHandle, startS3rver } from '@resumable/testkit/node'
import { createS3Transport, createUrlTransport } from '../src/index.ts'
import { presignS3Get } from './helpers/presign-s3.ts'

// The same S3 mode, against s3rver (a real S3 implementation) instead of our own mock. s3rver
// checks the access key id but not signatures: signing is proven against the testkit mock
// (signing.test.ts, store-headers.test.ts), which stays the signature oracle.

const BIG = 32 * 1024 * 1024 + 123
const ODD_KEYS = [
  'with space.bin',
  'ünï/cødé ✓.bin',
  'a+b.bin',
  '100%.bin',
  'what?.bin',
  'hash#tag.bin',
]
const big = makeBytes(BIG, 11)
const small = makeBytes(70_001, 12)

let s3: S3rverHandle
before(async () => {
  s3 = await startS3rver(['bkt'])
  await s3.put('bkt', 'big.bin', big)
  await s3.put('bkt', 'empty.bin', new Uint8Array(0))
  for (const key of ODD_KEYS) await s3.put('bkt', key, small)
})
after(async () => {
  await s3.close()
})

function transport(key: string) {
  return createS3Transport({
    bucket: 'bkt',
    key,
    endpoint: s3.endpoint,
    region: 'us-east-1',
    credentials: s3.credentials,
  })
}

async function fetchAll(t: ReturnType<typeof transport> | ReturnType<typeof createUrlTransport>) {
  return (await fetchWithResult(t)).bytes
}

async function fetchWithResult(
  t: ReturnType<typeof transport> | ReturnType<typeof createUrlTransport>,
) {
  const target = new MemoryTarget('s3rver.bin')
  const result = await download({
    transport: t,
    target,
    checkpoint: new MemoryCheckpointStore(),
    partSize: 1024 * 1024,
    concurrency: 4,
  })
  return { bytes: target.committed ?? new Uint8Array(0), verification: result.verification }
}

describe('s3rver: S3 mode against a real S3 implementation', () => {
  it('downloads a 32 MiB object byte-identical, in parallel ranged parts, verified by the MD5 its ETag stands for', async () => {
    const { bytes, verification } = await fetchWithResult(transport('big.bin'))
    assert.equal(bytes.length, BIG)
    assert.equal(crc64('crc64xz', bytes), crc64('crc64xz', big))
    // s3rver publishes no CRC-64/NVME: the single-part ETag (the MD5, as S3 makes it) is checked.
    const md5 = createHash('md5').update(big).digest('hex')
    assert.deepEqual(verification, { method: 'md5', value: md5 })
  })

  it('downloads an empty object', async () => {
    assert.equal((await fetchAll(transport('empty.bin'))).length, 0)
  })

  it('downloads keys with spaces, non-ASCII, +, %, ? and # byte-identical', async () => {
    for (const key of ODD_KEYS) assert.deepEqual(await fetchAll(transport(key)), small, key)
  })

  it('maps a missing key to a not-found TransportError (404)', async () => {
    await assert.rejects(transport('no such.bin').stat(), (e) => {
      assert.ok(isTransportError(e), String(e))
      assert.equal(e.status, 404)
      assert.equal(e.kind, 'not-found')
      return true
    })
  })

  it('downloads through a presigned V4 URL (smithy presign) and a hand-made V2 URL', async () => {
    const key = ODD_KEYS[1] as string
    const url = new URL(`${s3.endpoint}/bkt/${keyPath(key)}`)
    const v4 = await presignS3Get(url, s3.credentials)
    assert.ok(v4.searchParams.has('X-Amz-Signature'))
    assert.deepEqual(await fetchAll(createUrlTransport({ url: v4.href })), small)
    // Signature V2 query auth: HMAC-SHA1 over "GET\n\n\n<expires>\n/<bucket>/<key>", per the S3
    // docs' "Query string request authentication alternative".
    const expires = Math.floor(Date.now() / 1000) + 600
    const signature = createHmac('sha1', s3.credentials.secretAccessKey)
      .update(`GET\n\n\n${expires}\n${url.pathname}`)
      .digest('base64')
    const v2 = new URL(url.href)
    v2.searchParams.set('AWSAccessKeyId', s3.credentials.accessKeyId)
    v2.searchParams.set('Expires', String(expires))
    v2.searchParams.set('Signature', signature)
    assert.deepEqual(await fetchAll(createUrlTransport({ url: v2.href })), small)
  })

  // Between runs the engine discards a stale checkpoint whatever `onObjectChanged` says (that
  // policy governs a change seen mid-run); what must hold is that nothing is mixed.
  it('an object overwritten between runs is never mixed: the stale checkpoint is dropped and the new bytes come whole, under either policy', async () => {
    const key = 'changing.bin'
    const first = makeBytes(4 * 1024 * 1024, 21)
    const second = makeBytes(4 * 1024 * 1024, 22)
    for (const policy of ['fail', 'restart'] as const) {
      await s3.put('bkt', key, first)
      const checkpoint = new MemoryCheckpointStore()
      const target = new MemoryTarget('changing.bin')
      const events: string[] = []
      const stop = new AbortController()
      const run = (signal?: AbortSignal) =>
        download({
          transport: transport(key),
          target,
          checkpoint,
          partSize: 1024 * 1024,
          concurrency: 1,
          onObjectChanged: policy,
          ...(signal ? { signal } : {}),
          onEvent: (e) => {
            if (e.type === 'checkpoint-discarded') events.push(e.problem)
            if (e.type === 'part-done' && signal) stop.abort(new Error('interrupted'))
          },
        })
      await assert.rejects(run(stop.signal), /paused/, 'first run interrupted after one part')
      await s3.put('bkt', key, second)
      await run()
      assert.deepEqual(events, ['stale'], policy)
      assert.ok(
        target.committed !== undefined &&
          crc64('crc64xz', target.committed) === crc64('crc64xz', second),
        policy,
      )
    }
  })
})
