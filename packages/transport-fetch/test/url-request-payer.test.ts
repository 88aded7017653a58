import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { OptionsError } from '@resumable/core'
import { CONTRACT_CREDENTIALS, collect, MockOss, makeBytes } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { encodeQuery } from '../src/encode.ts'
import { createUrlTransport, presignOssUrl } from '../src/index.ts'
import { presignOssV4 } from '../src/oss-v4-signer.ts'
import { presignedRequestPayerHeader } from '../src/store-headers.ts'
import { presignS3Get, rejectsWithStatus } from './helpers/presign-s3.ts'

// Presigned URLs to a requester-pays bucket, over a real loopback socket: what matters is the
// request the store received. `open` checks no signature (the mock cannot verify SigV4 query
// auth), so it serves the S3 URLs; `signed` verifies OSS V4 query signatures.

const bytes = makeBytes(4096)
let open: MockOssServer
let signed: MockOssServer

before(async () => {
  open = await startMockOss()
  signed = await startMockOss({ oss: new MockOss({ credentials: CONTRACT_CREDENTIALS }) })
  for (const server of [open, signed]) {
    server.oss.createBucket('bkt', { requesterPays: true })
    server.oss.putObject('bkt', 'o.bin', { bytes })
  }
})
after(async () => {
  await open.close()
  await signed.close()
})

/** An S3 SigV4 presigned GET URL to the mock's object, `headers` kept as signed headers. */
async function presignS3(server: MockOssServer, headers: Record<string, string>): Promise<string> {
  return (await presignS3Get(new URL(`${server.url}/bkt/o.bin`), CONTRACT_CREDENTIALS, headers))
    .href
}

/** An OSS V4 presigned GET URL whose signature covers an `x-oss-request-payer` header (the URL cannot show it). */
async function presignOssWithPayerHeader(server: MockOssServer): Promise<string> {
  const query = await presignOssV4({
    method: 'GET',
    bucket: 'bkt',
    key: 'o.bin',
    query: [],
    headers: new Headers({ 'x-oss-request-payer': 'requester' }),
    credentials: CONTRACT_CREDENTIALS,
    region: 'cn-hangzhou',
    date: new Date(),
    expiresIn: 600,
  })
  return `${server.url}/bkt/o.bin?${encodeQuery(query)}`
}

/** stat + one ranged read through `url`; returns [method, status, payer header] per request the store saw. */
async function readThrough(
  server: MockOssServer,
  header: string,
  options: Omit<Parameters<typeof createUrlTransport>[0], 'url'> & { url: string },
): Promise<[string, number, string | undefined][]> {
  server.oss.resetCounters()
  const t = createUrlTransport(options)
  const info = await t.stat()
  assert.equal(info.size, bytes.length)
  const r = await t.read({ start: 10, end: 99, object: info })
  assert.deepEqual(await collect(r.body), bytes.subarray(10, 100))
  return server.oss.served.log.map((s) => [s.method, s.status, s.headers[header]])
}

describe('URL mode: requester pays on presigned URLs', () => {
  it('an S3 URL whose X-Amz-SignedHeaders lists x-amz-request-payer: the header goes on HEAD and GET, unasked', async () => {
    const url = await presignS3(open, { 'x-amz-request-payer': 'requester' })
    assert.match(url, /X-Amz-SignedHeaders=host%3Bx-amz-request-payer/)
    // The store enforces it: the same URL without the header is refused.
    const bare = await fetch(url)
    assert.equal(bare.status, 403)
    assert.match(await bare.text(), /AccessDenied/)
    assert.deepEqual(await readThrough(open, 'x-amz-request-payer', { url, stat: 'head' }), [
      ['HEAD', 200, 'requester'],
      ['GET', 206, 'requester'],
    ])
    assert.deepEqual(await readThrough(open, 'x-amz-request-payer', { url }), [
      ['GET', 206, 'requester'],
      ['GET', 206, 'requester'],
    ])
    // A URL that signs only host gets no payer header: the bucket refuses it.
    open.oss.resetCounters()
    await rejectsWithStatus(
      createUrlTransport({ url: await presignS3(open, {}) }).stat(),
      403,
      'AccessDenied',
    )
    assert.equal(open.oss.served.log[0]?.headers['x-amz-request-payer'], undefined)
  })

  it('requestPayer: true with an OSS V4 URL presigned with the header sends x-oss-request-payer (signature verified)', async () => {
    const url = await presignOssWithPayerHeader(signed)
    assert.ok(!url.includes('request-payer'), 'the URL does not show the header')
    // Without the header its signature does not match: OSS signs every x-oss-* header.
    await rejectsWithStatus(createUrlTransport({ url }).stat(), 403, 'SignatureDoesNotMatch')
    assert.deepEqual(
      await readThrough(signed, 'x-oss-request-payer', { url, requestPayer: true }),
      [
        ['GET', 206, 'requester'],
        ['GET', 206, 'requester'],
      ],
    )
  })

  it('presignOssUrl({ requestPayer: true }) signs x-oss-request-payer=requester into the query: no header, no flag needed', async () => {
    const presign = (requestPayer: boolean) =>
      presignOssUrl({
        bucket: 'bkt',
        key: 'o.bin',
        endpoint: signed.url,
        region: 'cn-hangzhou',
        credentials: CONTRACT_CREDENTIALS,
        requestPayer,
      })
    await rejectsWithStatus(
      createUrlTransport({ url: await presign(false) }).stat(),
      403,
      'AccessDenied',
    )
    const url = await presign(true)
    assert.equal(new URL(url).searchParams.get('x-oss-request-payer'), 'requester')
    // With or without requestPayer, no x-oss-request-payer header: the URL already carries it,
    // and an unsigned x-oss-* header would break its signature.
    for (const requestPayer of [false, true]) {
      assert.deepEqual(await readThrough(signed, 'x-oss-request-payer', { url, requestPayer }), [
        ['GET', 206, undefined],
        ['GET', 206, undefined],
      ])
    }
  })

  it('requestPayer: true with a URL of neither store throws an OptionsError before any request, never echoing the query', () => {
    const refused = (url: string, requestPayer: unknown) =>
      assert.throws(
        () => createUrlTransport({ url, requestPayer: requestPayer as boolean }),
        (e) => {
          assert.ok(e instanceof OptionsError, String(e))
          assert.equal(e.option, 'requestPayer')
          assert.ok(!e.message.includes('sekrit-token'), e.message)
          return true
        },
      )
    refused('https://example.com/big.iso', true)
    refused('https://example.com/big.iso?token=sekrit-token', true)
    refused('https://example.com/big.iso?X-Amz-SignedHeaders=host&token=sekrit-token', 'requester')
    // Without it a plain URL is fine.
    createUrlTransport({ url: 'https://example.com/big.iso', requestPayer: false })
  })

  it('picks the header from the URL: signed list, the query, then OSS when requestPayer names it; refuses an S3 URL not signed for it', () => {
    const header = (url: string, requestPayer?: boolean) =>
      presignedRequestPayerHeader(new URL(url), requestPayer)
    const s3 = 'https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab'
    const v4 = 'https://b.oss-cn-hangzhou.aliyuncs.com/k?x-oss-signature-version=OSS4-HMAC-SHA256'
    const v1 = 'https://b.oss-cn-hangzhou.aliyuncs.com/k?OSSAccessKeyId=AK&Expires=1&Signature=s'
    const amz: [string, string][] = [['x-amz-request-payer', 'requester']]
    const oss: [string, string][] = [['x-oss-request-payer', 'requester']]
    assert.deepEqual(header(`${s3}&X-Amz-SignedHeaders=host%3Bx-amz-request-payer`), amz)
    assert.deepEqual(header(`${v4}&x-oss-additional-headers=host%3Bx-oss-request-payer`), oss)
    assert.deepEqual(header(`${s3}&X-Amz-SignedHeaders=host`), [])
    // S3 refuses an x-amz-* header its presigned signature does not list ("There were headers
    // present in the request which were not signed"): refused here, before any request.
    assert.throws(
      () => header(`${s3}&X-Amz-SignedHeaders=host`, true),
      (e) => e instanceof OptionsError && /not signed for requester pays/.test(e.message),
    )
    assert.deepEqual(header(v4, true), oss)
    assert.deepEqual(header(v1, true), oss)
    assert.deepEqual(header(`${s3}&x-amz-request-payer=requester`, true), [])
    assert.deepEqual(header(`${v1}&x-oss-request-payer=requester`, true), [])
    assert.deepEqual(header('https://example.com/big.iso'), [])
  })
})
