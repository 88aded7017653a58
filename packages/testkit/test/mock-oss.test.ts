import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { crc64 } from '@resumable/core'
import {
  createMockFetch,
  generatedSource,
  handleOssRequest,
  MockOss,
  readAll,
} from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'

const URL_BASE = 'https://examplebucket.oss-cn-hangzhou.aliyuncs.com'

function setup(size = 1000) {
  const oss = new MockOss()
  const bytes = new Uint8Array(size).map((_, i) => i & 0xff)
  const object = oss.putObject('examplebucket', 'dir/obj.bin', {
    bytes,
    metadata: { meta: 'value' },
  })
  return { oss, bytes, object, fetch: createMockFetch(oss) }
}

describe('mock OSS over MSW', () => {
  it('answers HEAD with size, quoted ETag, decimal CRC-64 and metadata', async () => {
    const { fetch, object } = setup()
    const res = await fetch(`${URL_BASE}/dir/obj.bin`, { method: 'HEAD' })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-length'), '1000')
    assert.match(res.headers.get('etag') ?? '', /^"[0-9A-F]{32}"$/)
    assert.equal(res.headers.get('x-oss-hash-crc64ecma'), object.crc64?.toString())
    assert.equal(res.headers.get('x-oss-meta-meta'), 'value')
  })

  it('serves a valid range as 206 with Content-Range', async () => {
    const { fetch, bytes } = setup()
    const res = await fetch(`${URL_BASE}/dir/obj.bin`, { headers: { range: 'bytes=500-999' } })
    assert.equal(res.status, 206)
    assert.equal(res.headers.get('content-range'), 'bytes 500-999/1000')
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes.subarray(500))
  })

  it('ignores an out-of-bounds range (200, whole object) unless x-oss-range-behavior: standard', async () => {
    const { fetch } = setup()
    const plain = await fetch(`${URL_BASE}/dir/obj.bin`, { headers: { range: 'bytes=500-2000' } })
    assert.equal(plain.status, 200)
    assert.equal((await plain.arrayBuffer()).byteLength, 1000)
    const clamped = await fetch(`${URL_BASE}/dir/obj.bin`, {
      headers: { range: 'bytes=500-2000', 'x-oss-range-behavior': 'standard' },
    })
    assert.equal(clamped.status, 206)
    assert.equal(clamped.headers.get('content-range'), 'bytes 500-999/1000')
    await clamped.body?.cancel()
    const past = await fetch(`${URL_BASE}/dir/obj.bin`, {
      headers: { range: 'bytes=1000-2000', 'x-oss-range-behavior': 'standard' },
    })
    assert.equal(past.status, 416)
    assert.match(await past.text(), /<Code>InvalidRange<\/Code>/)
  })

  it('fails If-Match with 412 PreconditionFailed', async () => {
    const { fetch } = setup()
    const res = await fetch(`${URL_BASE}/dir/obj.bin`, { headers: { 'if-match': '"NOPE"' } })
    assert.equal(res.status, 412)
    assert.match(await res.text(), /<Code>PreconditionFailed<\/Code>[\s\S]*<RequestId>5F/)
  })

  it('puts the error XML base64-encoded in x-oss-err for HEAD', async () => {
    const { fetch } = setup()
    const res = await fetch(`${URL_BASE}/dir/missing.bin`, { method: 'HEAD' })
    assert.equal(res.status, 404)
    assert.match(atob(res.headers.get('x-oss-err') ?? ''), /<Code>NoSuchKey<\/Code>/)
  })

  it('refuses to serve an archived object that is not restored', async () => {
    const { fetch, oss } = setup()
    oss.putObject('examplebucket', 'cold.bin', {
      bytes: new Uint8Array(10),
      storageClass: 'Archive',
    })
    const res = await fetch(`${URL_BASE}/cold.bin`)
    assert.equal(res.status, 403)
    assert.match(await res.text(), /InvalidObjectState/)
  })

  it('gzips text objects for clients that allow it, dropping ETag', async () => {
    const oss = new MockOss()
    oss.putObject('examplebucket', 'page.txt', {
      bytes: new Uint8Array(4096).fill(65),
      contentType: 'text/plain',
    })
    const res = await createMockFetch(oss)(`${URL_BASE}/page.txt`, {
      headers: { 'accept-encoding': 'gzip' },
    })
    assert.equal(res.headers.get('content-encoding'), 'gzip')
    assert.equal(res.headers.get('etag'), null)
    await res.body?.cancel()
  })

  it('injects a reset after N body bytes and counts the bytes served', async () => {
    const { fetch, oss } = setup(200_000)
    oss.faults.add({ fault: { type: 'reset', afterBytes: 70_000 }, times: 1 })
    const res = await fetch(`${URL_BASE}/dir/obj.bin`)
    await assert.rejects(res.arrayBuffer())
    assert.ok(
      oss.served.bodyBytes >= 64 * 1024 && oss.served.bodyBytes <= 70_000,
      `${oss.served.bodyBytes}`,
    )
    const again = await fetch(`${URL_BASE}/dir/obj.bin`)
    assert.equal((await again.arrayBuffer()).byteLength, 200_000)
  })

  it('answers 503 with Retry-After when told to', async () => {
    const { fetch, oss } = setup()
    oss.faults.add({
      fault: { type: 'status', status: 503, code: 'SlowDown', retryAfterSeconds: 3 },
      times: 1,
    })
    const res = await fetch(`${URL_BASE}/dir/obj.bin`)
    assert.equal(res.status, 503)
    assert.equal(res.headers.get('retry-after'), '3')
    await res.body?.cancel()
  })
})

describe('generated objects', () => {
  it('produce the same bytes for any range split', () => {
    const source = generatedSource(300_000, 42)
    const whole = readAll(source)
    const pieces: Uint8Array[] = [...source.chunks(1000, 200_000, 7777)]
    const joined = new Uint8Array(199_001)
    let at = 0
    for (const p of pieces) {
      joined.set(p, at)
      at += p.length
    }
    assert.deepEqual(joined, whole.subarray(1000, 200_001))
  })

  it('publish a whole-object CRC equal to the CRC of the streamed bytes, for odd sizes too', () => {
    for (const size of [0, 1, 65_536, 65_537, 1_000_003]) {
      const source = generatedSource(size, 7)
      assert.equal(source.crc64xz?.(), crc64('crc64xz', readAll(source)), `size ${size}`)
      assert.equal(
        source.crc?.('crc64nvme'),
        crc64('crc64nvme', readAll(source)),
        `NVME, size ${size}`,
      )
    }
  })

  it('never repeat a 64 KiB block, so a part written at the wrong offset is caught', () => {
    const whole = readAll(generatedSource(64 * 65_536, 3))
    const seen = new Set<string>()
    for (let i = 0; i < 64; i++) seen.add(whole.subarray(i * 65_536, i * 65_536 + 32).join(','))
    assert.equal(seen.size, 64)
  })
})

describe('S3 requests', () => {
  it('a SigV4 HEAD with x-amz-checksum-mode: ENABLED gets the full-object CRC-64/NVME and no OSS CRC; wrong-crc flips it', async () => {
    const { oss, bytes } = setup(1000)
    const head = (extra: Record<string, string>) =>
      handleOssRequest(
        oss,
        new Request(`${URL_BASE}/dir/obj.bin`, {
          method: 'HEAD',
          headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x', ...extra },
        }),
      )
    const nvme = crc64('crc64nvme', bytes)
    const base64 = btoa(
      String.fromCharCode(
        ...Array.from({ length: 8 }, (_, i) => Number((nvme >> BigInt(56 - 8 * i)) & 0xffn)),
      ),
    )
    const enabled = await head({ 'x-amz-checksum-mode': 'ENABLED' })
    assert.equal(enabled.headers.get('x-amz-checksum-crc64nvme'), base64)
    assert.equal(enabled.headers.get('x-amz-checksum-type'), 'FULL_OBJECT')
    assert.equal(enabled.headers.get('x-oss-hash-crc64ecma'), null)
    const plain = await head({})
    assert.equal(plain.headers.get('x-amz-checksum-crc64nvme'), null)
    assert.equal(plain.headers.get('x-oss-hash-crc64ecma'), null)
    oss.faults.add({ fault: { type: 'wrong-crc' }, times: 1 })
    const wrong = await head({ 'x-amz-checksum-mode': 'ENABLED' })
    assert.notEqual(wrong.headers.get('x-amz-checksum-crc64nvme'), base64)
  })
})

describe('stalls and aborts', () => {
  it('a stall with resume: true is a slow body: the rest follows after the pause', async () => {
    const { oss, bytes } = setup(100_000)
    oss.faults.add({ fault: { type: 'stall', afterBytes: 100, ms: 50, resume: true }, times: 1 })
    const started = Date.now()
    const response = await handleOssRequest(oss, new Request(`${URL_BASE}/dir/obj.bin`))
    assert.deepEqual(new Uint8Array(await new Response(response.body).arrayBuffer()), bytes)
    assert.ok(Date.now() - started >= 45, 'the body did not pause')
  })

  it('a stalled body ends when its request was aborted before the body started', async () => {
    const { oss } = setup(100_000)
    oss.faults.add({ fault: { type: 'stall', afterBytes: 10 }, times: 1 })
    const request = new Request(`${URL_BASE}/dir/obj.bin`, { signal: AbortSignal.abort() })
    const response = await handleOssRequest(oss, request)
    await assert.rejects(new Response(response.body).arrayBuffer())
  })

  it('the mock fetch rejects when the signal aborts while the answer is prepared', async () => {
    const { oss } = setup(100)
    const controller = new AbortController()
    oss.faults.add({
      fault: { type: 'mutate', mutate: () => controller.abort(new Error('late')) },
      times: 1,
    })
    await assert.rejects(
      createMockFetch(oss)(`${URL_BASE}/dir/obj.bin`, { signal: controller.signal }),
      /late/,
    )
  })
})

describe('model operations', () => {
  it('overwrite keeps the size and metadata but changes ETag, bytes and CRC', () => {
    const { oss, object } = setup(5000)
    const next = oss.overwrite('examplebucket', 'dir/obj.bin')
    assert.equal(next.source.size, 5000)
    assert.deepEqual(next.metadata, object.metadata)
    assert.notEqual(next.etag, object.etag)
    assert.notEqual(next.crc64, object.crc64)
    assert.notDeepEqual(readAll(next.source), readAll(object.source))
  })

  it('restoreObject makes an archived object readable and reports the expiry', async () => {
    const oss = new MockOss()
    oss.putObject('b', 'cold.bin', { bytes: new Uint8Array(10), storageClass: 'Archive' })
    const fetch = createMockFetch(oss)
    const url = 'https://b.oss-cn-hangzhou.aliyuncs.com/cold.bin'
    const before = await fetch(url)
    assert.equal(before.status, 403)
    assert.match(await before.text(), /<Code>InvalidObjectState<\/Code>/)
    const expiry = new Date(Date.UTC(2026, 11, 1, 8, 0, 0))
    oss.restoreObject('b', 'cold.bin', 'done', expiry)
    const after = await fetch(url)
    assert.equal(after.status, 200)
    assert.equal(
      after.headers.get('x-oss-restore'),
      `ongoing-request="false", expiry-date="${expiry.toUTCString()}"`,
    )
    await after.body?.cancel()
  })

  it('serves a bucket on a custom domain and logs what each request carried', async () => {
    const { oss, bytes } = setup(100)
    oss.addCname('cdn.example.com', 'examplebucket')
    const fetch = createMockFetch(oss)
    const res = await fetch('https://cdn.example.com/dir/obj.bin', {
      headers: { range: 'bytes=0-9' },
    })
    assert.equal(res.status, 206)
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes.subarray(0, 10))
    const entry = oss.served.log.at(-1)
    assert.equal(entry?.bucket, 'examplebucket')
    assert.equal(entry?.headers.range, 'bytes=0-9')
    assert.equal(entry?.fault, undefined)
  })

  it('gives versions OSS-like ids that need URL encoding', () => {
    const oss = new MockOss()
    oss.createBucket('v', { versioning: true })
    const object = oss.putObject('v', 'k', { bytes: new Uint8Array(1) })
    assert.match(object.versionId ?? '', /[+/=]/)
  })
})

describe('loopback server', () => {
  it('streams a generated object over a real socket with a matching CRC, and drops the socket on a reset', async () => {
    const server = await startMockOss()
    try {
      const object = server.oss.putObject('bucket', 'big.bin', {
        generated: { size: 3 * 1024 * 1024, seed: 7 },
      })
      const res = await fetch(`${server.url}/bucket/big.bin`, {
        headers: { 'accept-encoding': 'identity' },
      })
      assert.equal(res.status, 200)
      assert.equal(crc64('crc64xz', new Uint8Array(await res.arrayBuffer())), object.crc64)
      server.oss.faults.add({ fault: { type: 'reset', afterBytes: 100_000 }, times: 1 })
      const broken = await fetch(`${server.url}/bucket/big.bin`)
      await assert.rejects(broken.arrayBuffer())
    } finally {
      await server.close()
    }
  })
})
