import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { after, before, describe, it } from 'node:test'
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { createMockFetch, type MockCredentials, MockOss } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'

const BUCKET = 'examplebucket'
const BASE = `https://${BUCKET}.oss-cn-hangzhou.aliyuncs.com`
const CREDENTIALS: MockCredentials = { accessKeyId: 'LTAI-test', secretAccessKey: 'list-secret' }

interface Page {
  keys: string[]
  prefixes: string[]
  truncated: boolean
  keyCount: number
  next: string | undefined
  xml: string
}

function texts(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) =>
    (m[1] as string)
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  )
}

function parsePage(xml: string, urlEncoded = false): Page {
  const decode = (s: string) => (urlEncoded ? decodeURIComponent(s.replace(/\+/g, ' ')) : s)
  const contents = [...xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map((m) => m[1] as string)
  const common = [...xml.matchAll(/<CommonPrefixes>([\s\S]*?)<\/CommonPrefixes>/g)].map(
    (m) => m[1] as string,
  )
  return {
    keys: contents.map((c) => decode(texts(c, 'Key')[0] as string)),
    prefixes: common.map((c) => decode(texts(c, 'Prefix')[0] as string)),
    truncated: texts(xml, 'IsTruncated')[0] === 'true',
    keyCount: Number(texts(xml, 'KeyCount')[0]),
    // OSS url-encodes its token too under encoding-type=url, as its SDKs expect.
    next: ((t) => (t === undefined ? undefined : decode(t)))(
      texts(xml, 'NextContinuationToken')[0],
    ),
    xml,
  }
}

function listUrl(params: Record<string, string>): string {
  const query = new URLSearchParams({ 'list-type': '2', ...params })
  return `${BASE}/?${query.toString().replace(/\+/g, '%20')}`
}

async function listAll(fetch: (url: string) => Promise<Response>, params: Record<string, string>) {
  const pages: Page[] = []
  let token: string | undefined
  do {
    const res = await fetch(
      listUrl(token === undefined ? params : { ...params, 'continuation-token': token }),
    )
    assert.equal(res.status, 200, await res.clone().text())
    const page = parsePage(await res.text(), params['encoding-type'] === 'url')
    pages.push(page)
    token = page.next
  } while (pages[pages.length - 1]?.truncated)
  return pages
}

function bucketWith(keys: string[]): MockOss {
  const oss = new MockOss()
  for (const key of keys) oss.putObject(BUCKET, key, { bytes: new TextEncoder().encode(key) })
  return oss
}

describe('mock ListObjectsV2 (OSS dialect)', () => {
  it('pages 2,500 keys by 1,000 with KeyCount, IsTruncated and NextContinuationToken, each key once in order', async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `data/${String(i).padStart(5, '0')}.bin`)
    const fetch = createMockFetch(bucketWith([...keys].reverse()))
    const pages = await listAll(fetch, { prefix: 'data/', 'max-keys': '1000' })
    assert.deepEqual(
      pages.map((p) => [p.keyCount, p.truncated]),
      [
        [1000, true],
        [1000, true],
        [500, false],
      ],
    )
    assert.deepEqual(
      pages.flatMap((p) => p.keys),
      keys,
    )
    assert.equal(pages[2]?.next, undefined)
    assert.match(
      pages[0]?.xml ?? '',
      /^<\?xml[^>]*>\n<ListBucketResult>\n {2}<Name>examplebucket<\/Name>/,
    )
    assert.match(
      pages[0]?.xml ?? '',
      /<Type>Normal<\/Type>\n {4}<Size>\d+<\/Size>\n {4}<StorageClass>Standard<\/StorageClass>/,
    )
  })

  it('returns 100 keys when max-keys is absent, and refuses max-keys above 1000', async () => {
    const fetch = createMockFetch(bucketWith(Array.from({ length: 150 }, (_, i) => `k${i}`)))
    const page = parsePage(await (await fetch(listUrl({}))).text())
    assert.equal(page.keyCount, 100)
    assert.equal(page.truncated, true)
    const refused = await fetch(listUrl({ 'max-keys': '1001' }))
    assert.equal(refused.status, 400)
    assert.match(await refused.text(), /<Code>InvalidArgument<\/Code>/)
  })

  it('with encoding-type=url, keys with spaces, non-ASCII, +, %, & and < come back exactly after decoding', async () => {
    const keys = [
      'p/a b.txt',
      'p/a+b.txt',
      'p/100%.txt',
      'p/%2e%2e/x',
      'p/数据/文件.csv',
      'p/é',
      'p/<&>',
      'p/tab\tname',
    ]
    const fetch = createMockFetch(bucketWith(keys))
    const pages = await listAll(fetch, { prefix: 'p/', 'encoding-type': 'url', 'max-keys': '3' })
    const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    assert.deepEqual(
      pages.flatMap((p) => p.keys),
      byBytes,
      'UTF-8 byte order, each key exact',
    )
    assert.match(pages[0]?.xml ?? '', /<EncodingType>url<\/EncodingType>/)
    assert.ok(
      pages.every((p) => !/<Key>[^<]* [^<]*<\/Key>/.test(p.xml)),
      'no raw space in an encoded key',
    )
    assert.ok(
      pages.some((p) => /<NextContinuationToken>[^<]*%[0-9A-F]{2}/.test(p.xml)),
      'a token with base64’s + / = comes url-encoded',
    )
  })

  it('groups by delimiter into CommonPrefixes and honours start-after', async () => {
    const fetch = createMockFetch(bucketWith(['a/1', 'a/2', 'b', 'c/x/1', 'c/y', 'd']))
    const page = parsePage(await (await fetch(listUrl({ delimiter: '/' }))).text())
    assert.deepEqual(page.keys, ['b', 'd'])
    assert.deepEqual(page.prefixes, ['a/', 'c/'])
    assert.equal(page.keyCount, 4)
    const after = parsePage(await (await fetch(listUrl({ 'start-after': 'b' }))).text())
    assert.deepEqual(after.keys, ['c/x/1', 'c/y', 'd'])
  })

  it('reflects objects added, replaced and deleted between pages, like a live bucket', async () => {
    const oss = bucketWith(['k1', 'k2', 'k3', 'k4', 'k5', 'k6'])
    const fetch = createMockFetch(oss)
    const first = parsePage(await (await fetch(listUrl({ 'max-keys': '3' }))).text())
    assert.deepEqual(first.keys, ['k1', 'k2', 'k3'])
    oss.deleteObject(BUCKET, 'k4')
    oss.putObject(BUCKET, 'k0', { bytes: new Uint8Array(1) })
    oss.putObject(BUCKET, 'k7', { bytes: new Uint8Array(1) })
    const etagBefore = texts(first.xml, 'ETag')[0]
    oss.overwrite(BUCKET, 'k5')
    const second = parsePage(
      await (
        await fetch(listUrl({ 'max-keys': '3', 'continuation-token': first.next as string }))
      ).text(),
    )
    assert.deepEqual(second.keys, ['k5', 'k6', 'k7'], 'k4 gone, k7 new, k0 sorts before the token')
    assert.notEqual(texts(second.xml, 'ETag')[0], etagBefore)
  })

  it('refuses a continuation token it did not issue', async () => {
    const res = await createMockFetch(bucketWith(['a']))(
      listUrl({ 'continuation-token': 'bm90IGEgdG9rZW4' }),
    )
    assert.equal(res.status, 400)
  })

  it('verifies OSS V4 signatures on the bucket-level request and refuses a wrong one', async () => {
    const oss = bucketWith(['s/a b', 's/c+d'])
    oss.credentials = CREDENTIALS
    const fetch = createMockFetch(oss)
    const url = listUrl({ prefix: 's/', 'encoding-type': 'url', 'fetch-owner': 'true' })
    const unsigned = await fetch(url)
    assert.equal(unsigned.status, 403)
    const good = await fetch(url, { headers: await ossV4Headers(url, CREDENTIALS.secretAccessKey) })
    assert.equal(good.status, 200, await good.clone().text())
    const page = parsePage(await good.text(), true)
    assert.deepEqual(page.keys, ['s/a b', 's/c+d'])
    assert.match(page.xml, /<Owner>\n {6}<ID>/)
    const bad = await fetch(url, { headers: await ossV4Headers(url, 'wrong-secret') })
    assert.equal(bad.status, 403)
    assert.match(await bad.text(), /<Code>SignatureDoesNotMatch<\/Code>/)
  })
})

describe('mock ListObjectsV2 (S3 dialect, through @aws-sdk/client-s3)', () => {
  let server: MockOssServer
  before(async () => {
    const oss = new MockOss({ credentials: CREDENTIALS })
    for (let i = 0; i < 1200; i++)
      oss.putObject('s3bucket', `logs/${String(i).padStart(4, '0')} é+%.log`, {
        bytes: new Uint8Array([i & 0xff]),
      })
    oss.putObject('s3bucket', 'logs/cold.bin', {
      bytes: new Uint8Array(1),
      storageClass: 'Archive',
    })
    server = await startMockOss({ oss })
  })
  after(() => server.close())

  const client = (secretAccessKey: string) =>
    new S3Client({
      endpoint: server.url,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey },
    })

  it('the AWS SDK (SigV4) pages through every key, with S3 element names, namespace and storage classes', async () => {
    const s3 = client(CREDENTIALS.secretAccessKey)
    const keys: string[] = []
    const counts: number[] = []
    let token: string | undefined
    let archived: string | undefined
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: 's3bucket',
          Prefix: 'logs/',
          ContinuationToken: token,
          EncodingType: 'url',
        }),
      )
      counts.push(page.KeyCount ?? -1)
      for (const o of page.Contents ?? []) {
        const key = decodeURIComponent((o.Key as string).replace(/\+/g, ' '))
        keys.push(key)
        if (key === 'logs/cold.bin') archived = o.StorageClass
        assert.equal(typeof o.Size, 'number')
        assert.match(o.ETag ?? '', /^"[0-9A-F]+"$/)
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
    s3.destroy()
    assert.deepEqual(counts, [1000, 201], 'S3 answers 1,000 keys by default')
    assert.equal(keys.length, 1201)
    assert.equal(keys[0], 'logs/0000 é+%.log')
    assert.equal(archived, 'GLACIER')
  })

  it('refuses a request signed with the wrong secret (SignatureDoesNotMatch)', async () => {
    const s3 = client('wrong')
    await assert.rejects(
      s3.send(new ListObjectsV2Command({ Bucket: 's3bucket' })),
      (e: unknown) => {
        assert.equal((e as { name?: string }).name, 'SignatureDoesNotMatch')
        return true
      },
    )
    s3.destroy()
  })
})

/** OSS Signature V4 for a bucket-level GET (canonical URI `/<bucket>/`), from the OSS V4 spec. */
async function ossV4Headers(url: string, secret: string): Promise<Headers> {
  const u = new URL(url)
  const now = new Date()
  const iso = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
  const day = iso.slice(0, 8)
  const headers = new Headers({ 'x-oss-date': iso, 'x-oss-content-sha256': 'UNSIGNED-PAYLOAD' })
  const enc = (s: string) =>
    encodeURIComponent(s).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    )
  const query = [...u.searchParams]
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : 1))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`))
    .join('&')
  const canonical = [
    'GET',
    `/${BUCKET}/`,
    query,
    `x-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:${iso}\n`,
    '',
    'UNSIGNED-PAYLOAD',
  ].join('\n')
  const scope = `${day}/cn-hangzhou/oss/aliyun_v4_request`
  const toSign = `OSS4-HMAC-SHA256\n${iso}\n${scope}\n${await sha256Hex(canonical)}`
  let key = await hmac(new TextEncoder().encode(`aliyun_v4${secret}`), day)
  for (const part of ['cn-hangzhou', 'oss', 'aliyun_v4_request']) key = await hmac(key, part)
  const signature = [...(await hmac(key, toSign))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
  headers.set(
    'authorization',
    `OSS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/${scope},Signature=${signature}`,
  )
  return headers
}

async function hmac(key: Uint8Array, data: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    'raw',
    key as BufferSource,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, new TextEncoder().encode(data)))
}

async function sha256Hex(data: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(data)),
  )
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('')
}
