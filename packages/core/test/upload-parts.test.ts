import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { crc, download, IntegrityError, type ObjectChecksum, type Target } from '@resumable/core'
import { compositeChecksum, headFromRecord } from '@resumable/core/http'
import { makeObject } from '@resumable/testkit'
import { uploadPartsPlan } from '../src/plan.ts'
import { verifyCompositeByReadBack, verifyParts } from '../src/verify.ts'
import { setup } from './helpers/harness.ts'

// S3's COMPOSITE checksum of a multipart upload: the CRC of the upload parts' CRCs, each
// big-endian. The engine cuts the download where the upload cut, so each part's CRC is one.
const PART = 300 * 1024
const object = makeObject(3 * PART + 4567, 9)

function composite(bytes: Uint8Array, partSize: number): bigint {
  const count = Math.ceil(bytes.length / partSize)
  const joined = new Uint8Array(count * 4)
  const view = new DataView(joined.buffer)
  for (let i = 0; i < count; i++)
    view.setUint32(i * 4, Number(crc('crc32c', bytes.subarray(i * partSize, (i + 1) * partSize))))
  return crc('crc32c', joined)
}

/** The fake transport, but its stat reports the upload's composite CRC-32C. */
function withComposite(value = composite(object.bytes, PART)) {
  const harness = setup(object)
  const stat = harness.transport.stat.bind(harness.transport)
  const checksum: ObjectChecksum = {
    algorithm: 'crc32c',
    value,
    uploadParts: { count: 4, size: PART },
  }
  harness.transport.stat = async () => ({ ...(await stat()), checksum })
  return harness
}

describe("S3's composite checksum of a multipart upload", () => {
  it("fetches the upload's parts, not partSize's, and verifies the CRC of their CRCs", async () => {
    const { transport, options } = withComposite()
    const result = await download(options({ partSize: 100 * 1024 }))
    assert.deepEqual(result.verification, {
      method: 'crc32c',
      value: composite(object.bytes, PART),
      uploadParts: 4,
    })
    const starts = [...new Set(transport.reads.map((r) => r.start))].sort((a, b) => a - b)
    assert.deepEqual(starts, [0, PART, 2 * PART, 3 * PART])
  })

  it('a composite that does not match is an IntegrityError naming the upload parts; nothing is committed', async () => {
    const { options, target } = withComposite(composite(object.bytes, PART) ^ 1n)
    await assert.rejects(download(options()), (error: unknown) => {
      assert.ok(error instanceof IntegrityError)
      assert.equal(error.check, 'crc32c')
      assert.match(error.message, /composite checksum of 4 upload parts/)
      return true
    })
    assert.equal(target.committed, undefined)
  })

  it('an object that fits one request is fetched in one GET, and its composite checked by reading the file back', async () => {
    const { transport, options, target, events } = withComposite()
    const result = await download(options({ singleRequestThreshold: 1024 * 1024 }))
    assert.deepEqual(result.verification, {
      method: 'crc32c',
      value: composite(object.bytes, PART),
      uploadParts: 4,
      readBack: true,
    })
    assert.deepEqual(
      events.filter((e) => e.type === 'verifying'),
      [{ type: 'verifying', method: 'crc32c', bytes: object.bytes.length }],
    )
    assert.deepEqual(
      transport.reads.map((r) => [r.start, r.end]),
      [[0, object.bytes.length - 1]],
    )
    assert.ok(target.committed)
  })

  it('read back, a composite that does not match is an IntegrityError and nothing is committed', async () => {
    const { options, target } = withComposite(composite(object.bytes, PART) ^ 0x100n)
    await assert.rejects(download(options({ singleRequestThreshold: 1024 * 1024 })), (error) => {
      assert.ok(error instanceof IntegrityError)
      assert.match(error.message, /composite checksum of 4 upload parts/)
      return true
    })
    assert.equal(target.committed, undefined)
  })

  it('in one request to a target that cannot be read back, only the size is checked, and the result says why', async () => {
    const { options, target } = withComposite()
    Object.defineProperty(target, 'readable', { value: false })
    const result = await download(options({ singleRequestThreshold: 1024 * 1024 }))
    assert.equal(result.verification.method, 'size')
    assert.match(
      result.verification.method === 'size' ? result.verification.reason : '',
      /composite of upload parts this download did not fetch one by one.*cannot be read back/,
    )
  })

  it('reading back joins the CRCs of upload-sized pieces, across read-back chunks, and a flipped byte fails', async () => {
    // Upload parts of 1.5 MiB: each spans two of the read-back's 1 MiB pieces.
    const size = 3 * 1536 * 1024 + 77
    const big = makeObject(size, 4)
    const info = {
      size,
      checksum: {
        algorithm: 'crc32c' as const,
        value: composite(big.bytes, 1536 * 1024),
        uploadParts: { count: 4, size: 1536 * 1024 },
      },
    }
    const readOnly = (read: Target['read']): Target => ({
      id: '/dest/file.bin',
      open: async () => ({ resumed: false }),
      write: async () => {},
      read,
      sync: async () => {},
      commit: async () => {},
      abort: async () => {},
    })
    const reads: number[] = []
    const committed = readOnly(async (offset, length) => {
      reads.push(length)
      return big.bytes.slice(offset, offset + length)
    })
    assert.deepEqual(await verifyCompositeByReadBack(committed, info), {
      method: 'crc32c',
      value: info.checksum.value,
      uploadParts: 4,
      readBack: true,
    })
    assert.ok(Math.max(...reads) <= 1024 * 1024, 'read back in pieces of at most 1 MiB')
    const flipped = readOnly(async (offset, length) => {
      const bytes = big.bytes.slice(offset, offset + length)
      if (offset <= 2_000_000 && 2_000_000 < offset + length)
        bytes[2_000_000 - offset] = (bytes[2_000_000 - offset] as number) ^ 1
      return bytes
    })
    await assert.rejects(verifyCompositeByReadBack(flipped, info), IntegrityError)
    const { uploadParts: _, ...whole } = info.checksum
    assert.equal(
      await verifyCompositeByReadBack(committed, { size, checksum: whole }),
      undefined,
      'a full-object CRC is no composite to read back',
    )
  })

  it('with verification off, the plan is partSize as usual', async () => {
    const { transport, options } = withComposite()
    const result = await download(options({ partSize: 100 * 1024, verify: false }))
    assert.equal(result.verification.method, 'size')
    assert.equal(Math.max(...transport.reads.map((r) => r.end - r.start + 1)), 100 * 1024)
  })

  it('parts cut elsewhere (a checkpoint from before) compare nothing and say why', () => {
    const info = { size: object.bytes.length, checksum: withCompositeChecksum() }
    const verification = verifyParts(
      info,
      'crc32c',
      [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n],
      { size: info.size, partSize: 100 * 1024, partCount: 10 },
      () => 100 * 1024,
    )
    assert.equal(verification.method, 'size')
    assert.match(
      verification.method === 'size' ? verification.reason : '',
      /composite of 4 upload parts of 307200 bytes, and this download's parts were cut elsewhere \(10 of 102400 bytes/,
    )
  })

  it('plans upload parts only when count × size covers the object, the last part shorter', () => {
    assert.deepEqual(uploadPartsPlan(1000, { count: 4, size: 300 }), {
      size: 1000,
      partSize: 300,
      partCount: 4,
    })
    assert.equal(uploadPartsPlan(1000, { count: 3, size: 300 }), undefined)
    assert.equal(uploadPartsPlan(1000, { count: 5, size: 300 }), undefined)
    assert.equal(uploadPartsPlan(1000, { count: 1, size: 0 }), undefined)
  })

  it('reads a COMPOSITE CRC-32 or CRC-32C with its parts from the headers, and nothing else', () => {
    const of = (headers: Record<string, string>) => compositeChecksum(headFromRecord(200, headers))
    assert.deepEqual(
      of({ 'x-amz-checksum-crc32': 'y/Q5Jg==-3', 'x-amz-checksum-type': 'COMPOSITE' }),
      { algorithm: 'crc32', value: 0xcbf43926n, parts: 3 },
    )
    assert.deepEqual(
      of({ 'x-amz-checksum-crc32c': '4waSgw==-10000', 'x-amz-checksum-type': 'composite' }),
      { algorithm: 'crc32c', value: 0xe3069283n, parts: 10000 },
    )
    assert.equal(of({ 'x-amz-checksum-crc32': 'y/Q5Jg==-3' }), undefined, 'no type')
    assert.equal(
      of({ 'x-amz-checksum-crc32': 'y/Q5Jg==', 'x-amz-checksum-type': 'COMPOSITE' }),
      undefined,
      'no part count',
    )
    assert.equal(
      of({ 'x-amz-checksum-crc32': 'y/Q5Jg==-10001', 'x-amz-checksum-type': 'COMPOSITE' }),
      undefined,
      'more parts than S3 allows',
    )
    assert.equal(
      of({
        'x-amz-checksum-sha256': 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=-2',
        'x-amz-checksum-type': 'COMPOSITE',
      }),
      undefined,
      'a SHA composite needs a second pass',
    )
  })
})

function withCompositeChecksum(): ObjectChecksum {
  return { algorithm: 'crc32c', value: 1n, uploadParts: { count: 4, size: PART } }
}
