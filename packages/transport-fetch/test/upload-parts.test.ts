import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { bytesToBase64, isTransportError } from '@resumable/core'
import { CONTRACT_CREDENTIALS, createMockFetch, MockOss, makeBytes } from '@resumable/testkit'
import { createS3Transport } from '../src/index.ts'

// A multipart object's composite checksum: `stat` learns the upload's part size from a HEAD of
// part 1, sent like every other request of the object (If-Match, version, SSE-C, signed).
const bytes = makeBytes(5 * 1024 * 1024 + 11, 4)
const PART = 2 * 1024 * 1024

function store() {
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
    s3PartSize: PART,
    sseCustomerKey,
  })
  const transport = createS3Transport({
    bucket: 'bkt',
    key: 'm.bin',
    endpoint: 'http://127.0.0.1:9000',
    region: 'us-east-1',
    credentials: CONTRACT_CREDENTIALS,
    fetch: createMockFetch(oss),
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
})
