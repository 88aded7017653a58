import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { bytesToBase64, isTransportError } from '@resumable/core'
import { CONTRACT_CREDENTIALS, createMockFetch, MockOss, makeBytes } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'
import { createS3Transport } from '../src/index.ts'
import { nodeWire } from '../src/node.ts'

// A multipart object's composite checksum: `stat` learns the upload's part size from a HEAD of
// part 1, sent like every other request of the object (If-Match, version, SSE-C, signed).
const bytes = makeBytes(5 * 1024 * 1024 + 11, 4)
const PART = 2 * 1024 * 1024

function store(fetchFrom: (base: typeof fetch) => typeof fetch = (base) => base, partSize = PART) {
  const oss = new MockOss({ credentials: CONTRACT_CREDENTIALS })
  oss.createBucket('bkt', { versioning: true })
  const key = new Uint8Array(randomBytes(32))
  const sseCustomerKey = {
    key: bytesToBase64(key),
    keyMd5: createHash('md5').update(key).digest('base64'),
  }
  const stored = oss.putObject('bkt', 'm.bin', {
    bytes,
    s3Checksum: 'crc32',
    s3ChecksumType: 'COMPOSITE',
    s3PartSize: partSize,
    sseCustomerKey,
  })
  const transport = createS3Transport({
    bucket: 'bkt',
    key: 'm.bin',
    endpoint: 'http://127.0.0.1:9000',
    region: 'us-east-1',
    credentials: CONTRACT_CREDENTIALS,
    fetch: fetchFrom(createMockFetch(oss) as typeof fetch),
    sseCustomerKey: key,
    pinVersion: true,
  })
  return { oss, stored, transport }
}

describe('S3 stat of a multipart object with a composite CRC', () => {
  it('asks part 1 with If-Match, the version and the SSE-C key, and reports the upload parts', async () => {
    const { oss, stored, transport } = store()
    const info = await transport.stat()
    assert.deepEqual(info.checksum?.uploadParts, { count: 3, size: PART })
    assert.equal(info.checksum?.algorithm, 'crc32')
    const part = oss.served.log.find((r) => r.url.includes('partNumber=1'))
    assert.ok(part, 'a HEAD of part 1')
    assert.equal(part.method, 'HEAD')
    assert.equal(part.status, 206)
    assert.equal(part.headers['if-match'], stored.etag)
    assert.equal(new URL(part.url).searchParams.get('versionId'), stored.versionId)
    assert.ok(part.headers['x-amz-server-side-encryption-customer-key'])
    assert.ok(
      oss.served.log.some((r) => r.method === 'HEAD' && r.url.includes('partNumber=3')),
      'and a HEAD of the last part, to check that it is what is left',
    )
  })

  it('parts of unequal size (the last is not what part 1 leaves) leave the object without its checksum', async () => {
    // The last part answers 1 MiB longer than 5 MiB + 11 minus two parts of 2 MiB: a middle part
    // was shorter than the first, so cutting at 2 MiB would not be where the upload cut.
    const { transport } = store((base) => async (input, init) => {
      const response = await base(input, init)
      if (!String(input).includes('partNumber=3')) return response
      const headers = new Headers(response.headers)
      headers.set('content-length', String(bytes.length - 2 * PART + 1024 * 1024))
      return new Response(null, { status: response.status, headers })
    })
    const info = await transport.stat()
    assert.equal(info.checksum, undefined)
  })

  it('a refused part HEAD (403) leaves the object without its checksum, not failed', async () => {
    const { oss, transport } = store()
    oss.faults.add({
      fault: { type: 'status', status: 403, code: 'AccessDenied' },
      match: { method: 'HEAD' },
      skip: 1,
      times: 1,
    })
    const info = await transport.stat()
    assert.equal(info.checksum, undefined)
    assert.equal(info.size, bytes.length)
  })

  it('a store that does not implement the part HEAD (501 NotImplemented) leaves the object without its checksum, not failed', async () => {
    const { oss, transport } = store()
    oss.faults.add({
      fault: { type: 'status', status: 501, code: 'NotImplemented' },
      match: { method: 'HEAD' },
      skip: 1,
      times: 1,
    })
    const info = await transport.stat()
    assert.equal(info.checksum, undefined)
    assert.equal(info.size, bytes.length)
  })

  it('a passing fault on the part HEAD (503) is thrown, retryable, for the stat to be retried', async () => {
    const { oss, transport } = store()
    oss.faults.add({
      fault: { type: 'status', status: 503, code: 'SlowDown' },
      match: { method: 'HEAD' },
      skip: 1,
      times: 1,
    })
    await assert.rejects(transport.stat(), (error: unknown) => {
      assert.ok(isTransportError(error))
      assert.equal(error.retryable, true)
      return true
    })
    assert.deepEqual((await transport.stat()).checksum?.uploadParts, { count: 3, size: PART })
  })

  it("readWhole (a batch's one request) of a composite lets the body go and answers as a stat, with the upload parts from part HEADs", async () => {
    const { oss, transport } = store()
    const whole = await transport.readWhole?.()
    assert.ok(whole)
    assert.deepEqual(whole.object.checksum?.uploadParts, { count: 3, size: PART })
    assert.equal(whole.body, undefined, 'the engine reads the bytes with a request of their own')
    assert.deepEqual(
      oss.served.log.map((r) => `${r.method} ${new URL(r.url).searchParams.get('partNumber')}`),
      ['GET null', 'HEAD 1', 'HEAD 3'],
    )
  })

  it('readWhole with a refused part HEAD answers as a stat without a checksum', async () => {
    const { oss, transport } = store()
    oss.faults.add({
      fault: { type: 'status', status: 403, code: 'AccessDenied' },
      match: { method: 'HEAD' },
      times: 1,
    })
    const whole = await transport.readWhole?.()
    assert.ok(whole)
    assert.equal(whole.object.checksum, undefined)
    assert.equal(whole.object.size, bytes.length)
    assert.equal(whole.body, undefined)
  })

  it('readWhole on a Node wire of one connection does not wait on itself: the part HEADs get the connection the GET gave back', async () => {
    const oss = new MockOss({ credentials: CONTRACT_CREDENTIALS })
    oss.createBucket('bkt')
    oss.putObject('bkt', 'm.bin', {
      bytes,
      s3Checksum: 'crc32c',
      s3ChecksumType: 'COMPOSITE',
      s3PartSize: PART,
    })
    const server = await startMockOss({ oss })
    try {
      const transport = createS3Transport({
        bucket: 'bkt',
        key: 'm.bin',
        endpoint: server.url,
        region: 'us-east-1',
        credentials: CONTRACT_CREDENTIALS,
        wire: nodeWire({ maxSockets: 1 }),
      })
      let timer: ReturnType<typeof setTimeout> | undefined
      const whole = await Promise.race([
        transport.readWhole?.(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('readWhole waited on its own connection')),
            10_000,
          )
        }),
      ]).finally(() => clearTimeout(timer))
      assert.deepEqual(whole?.object.checksum?.uploadParts, { count: 3, size: PART })
    } finally {
      await server.close()
    }
  })

  it('an upload of two parts needs one part HEAD: the second part is whatever the first leaves', async () => {
    const { oss, transport } = store(undefined, 3 * 1024 * 1024)
    const info = await transport.stat()
    assert.deepEqual(info.checksum?.uploadParts, { count: 2, size: 3 * 1024 * 1024 })
    assert.deepEqual(
      oss.served.log.map((r) => `${r.method} ${new URL(r.url).searchParams.get('partNumber')}`),
      ['HEAD null', 'HEAD 1'],
    )
  })
})
