import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bytesToBase64, crc64, isTransportError } from '@resumable/core'
import { parseRestore } from '@resumable/core/http'
import { makeBytes } from '@resumable/testkit'
import { createOssTransport, createS3Transport, createUrlTransport } from '../src/index.ts'
import { fakeFetch, objectServer, type SeenRequest } from './helpers/fake-fetch.ts'

const AK = { accessKeyId: 'ak-example', secretAccessKey: 'sk-example-secret' }
const bytes = makeBytes(1000)

function head(headers: Record<string, string>) {
  return () =>
    new Response(null, { status: 200, headers: { 'content-length': '1000', ...headers } })
}

describe('stat: OSS HEAD', () => {
  it('reads size, ETag (quotes kept), dates, version, CRC-64/XZ, class, type, metadata', async () => {
    const crc = crc64('crc64xz', bytes)
    const f = fakeFetch(
      head({
        etag: '"9AA9C1783224A1536D3F1E222C9C791B-6"',
        'last-modified': 'Fri, 24 Feb 2012 06:07:48 GMT',
        'x-oss-version-id': 'CAEQNhiBgM0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFmZjA2NzU1****',
        'x-oss-hash-crc64ecma': crc.toString(),
        'x-oss-storage-class': 'Standard',
        'content-type': 'application/octet-stream',
        'x-oss-meta-author': 'alice',
        'x-oss-meta-Magic': 'abracadabra',
        'accept-ranges': 'bytes',
      }),
    )
    const info = await createOssTransport({
      bucket: 'bkt',
      key: 'k',
      region: 'cn-hangzhou',
      credentials: AK,
      fetch: f,
    }).stat()
    assert.deepEqual(info, {
      size: 1000,
      etag: '"9AA9C1783224A1536D3F1E222C9C791B-6"',
      lastModified: 'Fri, 24 Feb 2012 06:07:48 GMT',
      versionId: 'CAEQNhiBgM0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFmZjA2NzU1****',
      checksum: { algorithm: 'crc64xz', value: crc },
      storageClass: 'Standard',
      contentType: 'application/octet-stream',
      metadata: { author: 'alice', magic: 'abracadabra' },
      acceptRanges: true,
    })
    assert.equal(f.calls[0]?.method, 'HEAD')
  })

  it('fails fast on an archived object that is not restored, still restoring, or whose restored copy expired', async () => {
    const expired = 'ongoing-request="false", expiry-date="Sun, 16 Apr 2017 08:12:33 GMT"'
    for (const restore of [undefined, 'ongoing-request="true"', expired]) {
      const f = fakeFetch(
        head({
          etag: '"E"',
          'x-oss-storage-class': 'ColdArchive',
          ...(restore ? { 'x-oss-restore': restore } : {}),
        }),
      )
      await assert.rejects(
        createOssTransport({
          bucket: 'bkt',
          key: 'k',
          region: 'cn-hangzhou',
          credentials: AK,
          fetch: f,
        }).stat(),
        (e) => {
          assert.ok(isTransportError(e))
          assert.equal(e.kind, 'archived')
          assert.equal(e.retryable, false)
          assert.match(
            e.message,
            /ColdArchive.*(restore it first|still being restored|restore it again)/,
          )
          return true
        },
      )
    }
  })

  it('reads a restored archived object until its copy expires, and skips the check when asked', async () => {
    const restored = 'ongoing-request="false", expiry-date="Thu, 16 Apr 2099 08:12:33 GMT"'
    const f = fakeFetch(head({ 'x-oss-storage-class': 'Archive', 'x-oss-restore': restored }))
    const info = await createOssTransport({
      bucket: 'bkt',
      key: 'k',
      region: 'cn-hangzhou',
      credentials: AK,
      fetch: f,
    }).stat()
    assert.deepEqual(info.restore, { ongoing: false, expiry: 'Thu, 16 Apr 2099 08:12:33 GMT' })
    const g = fakeFetch(head({ 'x-oss-storage-class': 'Archive' }))
    const t = createOssTransport({
      bucket: 'bkt',
      key: 'k',
      region: 'cn-hangzhou',
      credentials: AK,
      fetch: g,
      skipArchiveCheck: true,
    })
    assert.equal((await t.stat()).storageClass, 'Archive')
  })

  it('parses restore headers', () => {
    assert.deepEqual(parseRestore('ongoing-request="true"'), { ongoing: true })
    assert.equal(parseRestore('garbage'), undefined)
  })

  it('reports a HEAD without Content-Length as an object of unknown length, and refuses a gzipped HEAD', async () => {
    const noLength = fakeFetch(() => new Response(null, { status: 200, headers: { etag: '"E"' } }))
    const info = await createOssTransport({
      bucket: 'bkt',
      key: 'k',
      region: 'cn-hangzhou',
      credentials: AK,
      fetch: noLength,
    }).stat()
    assert.equal(info.sizeKnown, false)
    assert.equal(info.size, 0)
    assert.equal(info.etag, '"E"')
    const gz = fakeFetch(head({ 'content-encoding': 'gzip' }))
    await assert.rejects(
      createOssTransport({
        bucket: 'bkt',
        key: 'k',
        region: 'cn-hangzhou',
        credentials: AK,
        fetch: gz,
      }).stat(),
      { name: 'TransportError', kind: 'protocol' },
    )
  })
})

describe('stat: S3 HEAD checksums', () => {
  const nvme = crc64('crc64nvme', bytes)
  const b64 = (() => {
    const out = new Uint8Array(8)
    for (let i = 0; i < 8; i++) out[i] = Number((nvme >> BigInt(56 - 8 * i)) & 0xffn)
    return bytesToBase64(out)
  })()
  const s3 = (headers: Record<string, string>) =>
    createS3Transport({
      bucket: 'bkt',
      key: 'k',
      region: 'us-east-1',
      credentials: AK,
      fetch: fakeFetch(head(headers)),
    })

  it('reads a full-object CRC-64/NVME from base64', async () => {
    assert.deepEqual(
      (await s3({ 'x-amz-checksum-crc64nvme': b64, 'x-amz-checksum-type': 'FULL_OBJECT' }).stat())
        .checksum,
      {
        algorithm: 'crc64nvme',
        value: nvme,
      },
    )
    assert.deepEqual((await s3({ 'x-amz-checksum-crc64nvme': b64 }).stat()).checksum?.value, nvme)
  })

  it('ignores a composite checksum and a malformed one', async () => {
    assert.equal(
      (await s3({ 'x-amz-checksum-crc64nvme': b64, 'x-amz-checksum-type': 'COMPOSITE' }).stat())
        .checksum,
      undefined,
    )
    assert.equal((await s3({ 'x-amz-checksum-crc64nvme': 'AAAA' }).stat()).checksum, undefined)
  })

  it('fails fast on GLACIER without a finished restore, reads x-amz-meta-* and the version', async () => {
    await assert.rejects(s3({ 'x-amz-storage-class': 'GLACIER' }).stat(), {
      name: 'TransportError',
      kind: 'archived',
    })
    const info = await s3({
      'x-amz-storage-class': 'DEEP_ARCHIVE',
      'x-amz-restore': 'ongoing-request="false", expiry-date="Mon, 21 Dec 2099 00:00:00 GMT"',
      'x-amz-meta-owner': 'bob',
      'x-amz-version-id': '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
    }).stat()
    assert.deepEqual(info.metadata, { owner: 'bob' })
    assert.equal(info.versionId, '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY')
  })
})

describe('stat: URL mode', () => {
  const served = {
    bytes,
    headers: { etag: '"U1"', 'last-modified': 'Tue, 24 Nov 2026 00:00:00 GMT' },
  }

  it('a presigned URL (query string) is probed with GET Range: bytes=0-0, never HEAD', async () => {
    let cancelled = false
    const server = objectServer(served)
    const f = fakeFetch((r) => {
      const res = server(r)
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new Uint8Array(1))
        },
        cancel() {
          cancelled = true
        },
      })
      return new Response(body, { status: res.status, headers: res.headers })
    })
    const t = createUrlTransport({
      url: 'https://b.oss-cn-hangzhou.aliyuncs.com/k?x-oss-signature=abc&x-oss-date=1',
      fetch: f,
    })
    const info = await t.stat()
    assert.equal(f.calls.length, 1)
    assert.equal(f.calls[0]?.method, 'GET')
    assert.equal(f.calls[0]?.headers.get('range'), 'bytes=0-0')
    assert.equal(info.size, 1000)
    assert.equal(info.etag, '"U1"')
    assert.equal(info.acceptRanges, true)
    assert.ok(cancelled, 'the probe body is cancelled')
  })

  it('a 200 to the probe means no ranges: size from Content-Length, acceptRanges false', async () => {
    const f = fakeFetch(
      () => new Response(bytes.slice(), { status: 200, headers: { 'content-length': '1000' } }),
    )
    const info = await createUrlTransport({ url: 'https://x.example/f?sig=1', fetch: f }).stat()
    assert.equal(info.size, 1000)
    assert.equal(info.acceptRanges, false)
    assert.equal(info.etag, undefined)
  })

  it('a 200 to the probe with no Content-Length (a chunked dynamic link) is an object of unknown length, as such a HEAD is', async () => {
    const chunked = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice())
          controller.close()
        },
      })
    const f = fakeFetch(() => new Response(chunked(), { status: 200, headers: { etag: '"E"' } }))
    const info = await createUrlTransport({
      url: 'https://x.example/download?id=7',
      fetch: f,
    }).stat()
    assert.equal(info.sizeKnown, false)
    assert.equal(info.acceptRanges, false)
    assert.equal(info.etag, '"E"')
  })

  it('an empty object answers the probe with 416', async () => {
    const f = fakeFetch(
      () => new Response(null, { status: 416, headers: { 'content-range': 'bytes */0' } }),
    )
    assert.equal(
      (await createUrlTransport({ url: 'https://x.example/f?sig=1', fetch: f }).stat()).size,
      0,
    )
  })

  it('a plain URL uses HEAD, and falls back to the probe when HEAD is refused', async () => {
    const ok = fakeFetch(objectServer(served))
    await createUrlTransport({ url: 'https://x.example/f', fetch: ok }).stat()
    assert.deepEqual(
      ok.calls.map((c) => c.method),
      ['HEAD'],
    )
    const server = objectServer(served)
    const noHead = fakeFetch((r: SeenRequest) =>
      r.method === 'HEAD' ? new Response(null, { status: 405 }) : server(r),
    )
    const info = await createUrlTransport({ url: 'https://x.example/f', fetch: noHead }).stat()
    assert.deepEqual(
      noHead.calls.map((c) => c.method),
      ['HEAD', 'GET'],
    )
    assert.equal(info.size, 1000)
  })

  it("stat: 'head' does not fall back", async () => {
    const f = fakeFetch(() => new Response(null, { status: 405 }))
    await assert.rejects(
      createUrlTransport({ url: 'https://x.example/f', stat: 'head', fetch: f }).stat(),
      {
        name: 'TransportError',
      },
    )
  })
})
