import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CONTRACT_CREDENTIALS, createMockFetch, MockOss, makeBytes } from '@resumable/testkit'
import { SignatureV4 } from '@smithy/signature-v4'
import {
  createOssTransport,
  createS3Transport,
  createUrlTransport,
  ossCanonicalRequest,
  presignOssUrl,
  presignOssV4,
  signOssV4,
  WebCryptoSha256,
} from '../src/index.ts'
import { createS3Signer } from '../src/s3-signer.ts'
import { v4DateTime } from '../src/v4-signing-key.ts'
import {
  hmacSha256,
  hmacSha256Hex,
  sha256,
  sha256Hex,
  toHex,
  webHmacSha256,
  webSha256,
} from '../src/web-crypto.ts'
import { fakeFetch, objectServer } from './helpers/fake-fetch.ts'

// Inputs and expected values from the Alibaba Cloud OSS Go SDK v2, oss/signer/signer_test.go.
const GO_QUERY: [string, string][] = [
  ['param1', 'value1'],
  ['+param1', 'value3'],
  ['|param1', 'value4'],
  ['+param2', ''],
  ['|param2', ''],
  ['param2', ''],
]
const goHeaders = (contentType: string): Headers =>
  new Headers({
    'x-oss-head1': 'value',
    abc: 'value',
    ZAbc: 'value',
    XYZ: 'value',
    'content-type': contentType,
  })
const AK = { accessKeyId: 'ak', secretAccessKey: 'sk' }
const AK_TOKEN = { accessKeyId: 'ak', secretAccessKey: 'sk', sessionToken: 'token' }

describe('OSS V4 signer: Go SDK v2 published vectors', () => {
  const header = async (
    unix: number,
    credentials: typeof AK,
    additionalHeaders?: string[],
  ): Promise<string | null> => {
    const headers = goHeaders('text/plain')
    headers.set('x-oss-content-sha256', 'UNSIGNED-PAYLOAD')
    await signOssV4({
      method: 'PUT',
      bucket: 'bucket',
      key: '1234+-/123/1.txt',
      query: GO_QUERY,
      headers,
      credentials,
      region: 'cn-hangzhou',
      date: new Date(unix * 1000),
      ...(additionalHeaders ? { additionalHeaders } : {}),
    })
    return headers.get('authorization')
  }

  it('TestV4AuthHeader (e21d18da…afe)', async () => {
    assert.equal(
      await header(1702743657, AK),
      'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe',
    )
  })

  it('TestV4AuthHeaderToken (b94a3f99…9ea)', async () => {
    assert.equal(
      await header(1702784856, AK_TOKEN),
      'OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea',
    )
  })

  it('TestV4AuthHeaderWithAdditionalHeaders (4a4183c1…12f), both variants', async () => {
    const expected =
      'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f'
    assert.equal(await header(1702747512, AK, ['ZAbc', 'abc']), expected)
    assert.equal(
      await header(1702747512, AK, ['x-oss-no-exist', 'ZAbc', 'x-oss-head1', 'abc']),
      expected,
    )
  })

  const presigned = async (
    unix: number,
    credentials: typeof AK,
    additionalHeaders?: string[],
  ): Promise<Record<string, string>> =>
    Object.fromEntries(
      await presignOssV4({
        method: 'PUT',
        bucket: 'bucket',
        key: '1234+-/123/1.txt',
        query: GO_QUERY,
        headers: goHeaders('application/octet-stream'),
        credentials,
        region: 'cn-hangzhou',
        date: new Date(unix * 1000),
        expiresIn: 599,
        ...(additionalHeaders ? { additionalHeaders } : {}),
      }),
    )

  it('TestV4AuthQuery (a39966c6…0fe)', async () => {
    const q = await presigned(1702781677, AK)
    assert.equal(q['x-oss-signature-version'], 'OSS4-HMAC-SHA256')
    assert.equal(q['x-oss-expires'], '599')
    assert.equal(q['x-oss-credential'], 'ak/20231217/cn-hangzhou/oss/aliyun_v4_request')
    assert.equal(
      q['x-oss-signature'],
      'a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe',
    )
    assert.equal(q['x-oss-additional-headers'], undefined)
  })

  it('TestV4AuthQueryToken (3817ac9d…8b5)', async () => {
    const q = await presigned(1702785388, AK_TOKEN)
    assert.equal(q['x-oss-date'], '20231217T035628Z')
    assert.equal(q['x-oss-security-token'], 'token')
    assert.equal(
      q['x-oss-signature'],
      '3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5',
    )
  })

  it('TestV4AuthQueryWithAdditionalHeaders (6bd984bf…2b7)', async () => {
    const q = await presigned(1702783809, AK, ['ZAbc', 'abc'])
    assert.equal(q['x-oss-date'], '20231217T033009Z')
    assert.equal(q['x-oss-additional-headers'], 'abc;zabc')
    assert.equal(
      q['x-oss-signature'],
      '6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7',
    )
  })

  it('builds the canonical request OSS documents for a ranged GET', () => {
    const headers = new Headers({
      'content-type': 'application/octet-stream',
      'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-oss-date': '20261124T224028Z',
      'x-oss-range-behavior': 'standard',
      range: 'bytes=0-99',
      'if-match': '"E"',
      'accept-encoding': 'identity',
    })
    assert.equal(
      ossCanonicalRequest(
        { method: 'GET', bucket: 'examplebucket', key: 'dir/obj.bin', query: [], headers },
        [],
      ),
      'GET\n/examplebucket/dir/obj.bin\n\ncontent-type:application/octet-stream\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20261124T224028Z\nx-oss-range-behavior:standard\n\n\nUNSIGNED-PAYLOAD',
    )
  })
})

describe('S3 SigV4 signer', () => {
  it("matches AWS's published S3 GET Object example (f0e8bdb8…b41)", async () => {
    // "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk", Example: GET Object.
    const headers = new Headers({
      range: 'bytes=0-9',
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    })
    await createS3Signer({ region: 'us-east-1' })(
      {
        method: 'GET',
        url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
        query: [],
        headers,
        date: new Date('2013-05-24T00:00:00Z'),
      },
      {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
    )
    assert.equal(
      headers.get('authorization'),
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    )
    assert.equal(headers.get('x-amz-date'), '20130524T000000Z')
    assert.equal(headers.has('host'), false, 'fetch sets Host itself')
  })
})

describe('S3 SigV4 signer against @smithy/signature-v4 (the AWS SDK for JavaScript’s)', () => {
  const cases: {
    name: string
    url: string
    query?: [string, string][]
    headers?: Record<string, string>
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
    region?: string
  }[] = [
    {
      name: 'a ranged GET',
      url: 'https://b.s3.amazonaws.com/a/b.bin',
      headers: { range: 'bytes=0-99' },
    },
    {
      name: 'a key encoded once with spaces, unicode, + and =',
      url: `https://b.s3.amazonaws.com/${['dir with space', 'ü+=&.txt'].map(encodeURIComponent).join('/')}`,
      headers: { range: 'bytes=5-' },
    },
    {
      name: 'a ListObjectsV2 query with empty values, reserved characters and unsorted names',
      url: 'https://s3.us-west-2.amazonaws.com/b',
      query: [
        ['prefix', 'logs/2026 12/*'],
        ['list-type', '2'],
        ['continuation-token', 'a+b/c=='],
        ['encoding-type', 'url'],
        ['delimiter', ''],
      ],
      region: 'us-west-2',
    },
    {
      name: 'a session token, If-Match, SSE-C and requester-pays headers, a value with inner spaces',
      url: 'http://127.0.0.1:9000/b/k',
      headers: {
        'if-match': '"abc"',
        'x-amz-server-side-encryption-customer-algorithm': 'AES256',
        'x-amz-server-side-encryption-customer-key': 'a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=',
        'x-amz-request-payer': 'requester',
        'x-custom': '  two   spaces  ',
        'user-agent': 'resumable',
        'accept-encoding': 'identity',
      },
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret/+=', sessionToken: 'tok/+=' },
    },
  ]
  for (const c of cases) {
    it(`signs ${c.name} exactly as smithy does`, async () => {
      const credentials = c.credentials ?? { accessKeyId: 'AKID', secretAccessKey: 'SECRET' }
      const region = c.region ?? 'us-east-1'
      const url = new URL(c.url)
      const query = c.query ?? []
      for (const [k, v] of query) url.searchParams.append(k, v)
      const date = new Date('2026-12-03T01:02:03Z')
      const ours = new Headers(c.headers)
      await createS3Signer({ region })(
        { method: 'GET', url, query, headers: ours, date },
        credentials,
      )

      const reference = new SignatureV4({
        service: 's3',
        region,
        credentials,
        sha256: WebCryptoSha256,
        uriEscapePath: false,
        applyChecksum: false,
      })
      const bag: Record<string, string> = {
        host: url.host,
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      }
      for (const [name, value] of new Headers(c.headers)) bag[name] = value
      const theirs = await reference.sign(
        {
          method: 'GET',
          protocol: url.protocol,
          hostname: url.hostname,
          path: url.pathname,
          query: Object.fromEntries(query),
          headers: bag,
          ...(url.port ? { port: Number(url.port) } : {}),
        },
        { signingDate: date, unsignableHeaders: new Set(['accept-encoding']) },
      )
      assert.equal(ours.get('authorization'), theirs.headers.authorization)
      assert.equal(ours.get('x-amz-date'), theirs.headers['x-amz-date'])
      assert.equal(ours.get('x-amz-security-token'), theirs.headers['x-amz-security-token'] ?? null)
    })
  }
})

describe('OSS native requests', () => {
  const served = { bytes: makeBytes(1000), headers: { etag: '"ETAG-1"' } }

  it('sends virtual-hosted, V4-signed HEAD and ranged GET with the download headers', async () => {
    const f = fakeFetch(objectServer(served))
    const t = createOssTransport({
      bucket: 'examplebucket',
      key: 'dir/a b+c.bin',
      region: 'oss-cn-hangzhou',
      credentials: AK_TOKEN,
      fetch: f,
    })
    const info = await t.stat()
    await t.read({ start: 10, end: 19, object: info })
    const [head, get] = f.calls
    assert.ok(head && get)
    assert.equal(head.method, 'HEAD')
    assert.equal(
      get.url.href,
      'https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2Bc.bin',
    )
    for (const h of [head, get]) {
      assert.equal(h.headers.get('accept-encoding'), 'identity')
      assert.equal(h.headers.get('x-oss-content-sha256'), 'UNSIGNED-PAYLOAD')
      assert.equal(h.headers.get('x-oss-security-token'), 'token')
      assert.match(h.headers.get('x-oss-date') ?? '', /^\d{8}T\d{6}Z$/)
    }
    assert.equal(get.headers.get('range'), 'bytes=10-19')
    assert.equal(get.headers.get('if-match'), '"ETAG-1"')
    assert.equal(get.headers.get('x-oss-range-behavior'), 'standard')
    // Recompute independently of the transport: same canonical request, same signature.
    const check = new Headers(get.headers)
    await signOssV4({
      method: 'GET',
      bucket: 'examplebucket',
      key: 'dir/a b+c.bin',
      query: [],
      headers: check,
      credentials: AK_TOKEN,
      region: 'cn-hangzhou',
      date: new Date(
        (get.headers.get('x-oss-date') ?? '').replace(
          /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
          '$1-$2-$3T$4:$5:$6Z',
        ),
      ),
    })
    assert.equal(get.headers.get('authorization'), check.get('authorization'))
    assert.match(
      get.headers.get('authorization') ?? '',
      /^OSS4-HMAC-SHA256 Credential=ak\/\d{8}\/cn-hangzhou\/oss\/aliyun_v4_request,Signature=[0-9a-f]{64}$/,
    )
  })

  it('pins versionId in the query and signs it', async () => {
    const f = fakeFetch(objectServer(served))
    const t = createOssTransport({
      bucket: 'examplebucket',
      key: 'k',
      region: 'cn-hangzhou',
      credentials: AK,
      versionId: 'CAEQ+/v1',
      fetch: f,
    })
    assert.equal(t.id, 'oss://examplebucket/k?versionId=CAEQ%2B%2Fv1')
    await t.stat()
    assert.equal(f.calls[0]?.url.searchParams.get('versionId'), 'CAEQ+/v1')
    assert.equal(f.calls[0]?.url.search, '?versionId=CAEQ%2B%2Fv1')
  })

  it('uses the endpoint, an -internal endpoint, a CNAME, and path style on IP endpoints', async () => {
    const urls: string[] = []
    for (const extra of [
      { endpoint: 'oss-cn-beijing-internal.aliyuncs.com' },
      { endpoint: 'https://cdn.example.com', cname: true, region: 'cn-beijing' },
      { endpoint: 'http://127.0.0.1:9000', region: 'cn-beijing' },
    ]) {
      const f = fakeFetch(objectServer(served))
      await createOssTransport({
        bucket: 'bkt',
        key: 'k',
        credentials: AK,
        fetch: f,
        ...extra,
      }).stat()
      urls.push(f.calls[0]?.url.href ?? '')
      assert.match(
        f.calls[0]?.headers.get('authorization') ?? '',
        /\/cn-beijing\/oss\/aliyun_v4_request,/,
      )
    }
    assert.deepEqual(urls, [
      'https://bkt.oss-cn-beijing-internal.aliyuncs.com/k',
      'https://cdn.example.com/k',
      'http://127.0.0.1:9000/bkt/k',
    ])
  })

  it('sends unsigned requests when anonymous', async () => {
    const f = fakeFetch(objectServer(served))
    await createOssTransport({
      bucket: 'bkt',
      key: 'k',
      region: 'cn-hangzhou',
      anonymous: true,
      fetch: f,
    }).stat()
    assert.equal(f.calls[0]?.headers.has('authorization'), false)
  })
})

describe('presignOssUrl', () => {
  it('produces a V4 query-signed GET URL whose signature verifies, without Range', async () => {
    const date = new Date(1702781677 * 1000)
    const url = new URL(
      await presignOssUrl({
        bucket: 'bucket',
        key: 'dir/big file.bin',
        region: 'cn-hangzhou',
        credentials: AK_TOKEN,
        expiresIn: 900,
        versionId: 'v1',
        date,
      }),
    )
    assert.equal(url.origin, 'https://bucket.oss-cn-hangzhou.aliyuncs.com')
    assert.equal(url.pathname, '/dir/big%20file.bin')
    const q = Object.fromEntries(url.searchParams)
    assert.equal(q['x-oss-signature-version'], 'OSS4-HMAC-SHA256')
    assert.equal(q['x-oss-expires'], '900')
    assert.equal(q['x-oss-security-token'], 'token')
    assert.equal(q.versionId, 'v1')
    const unsigned = [...url.searchParams].filter(([k]) => k !== 'x-oss-signature')
    const again = Object.fromEntries(
      await presignOssV4({
        method: 'GET',
        bucket: 'bucket',
        key: 'dir/big file.bin',
        query: [['versionId', 'v1']],
        headers: new Headers(),
        credentials: AK_TOKEN,
        region: 'cn-hangzhou',
        date,
        expiresIn: 900,
      }),
    )
    assert.equal(q['x-oss-signature'], again['x-oss-signature'])
    assert.ok(unsigned.every(([k]) => k.toLowerCase() !== 'range'))
  })

  it('is accepted by the mock until it expires by the server clock, then refused with 403', async () => {
    let clock = Date.now()
    const oss = new MockOss({ credentials: CONTRACT_CREDENTIALS, now: () => clock })
    oss.putObject('bucket', 'k', { bytes: new Uint8Array(10) })
    const transport = createUrlTransport({
      url: await presignOssUrl({
        bucket: 'bucket',
        key: 'k',
        region: 'cn-hangzhou',
        credentials: CONTRACT_CREDENTIALS,
        expiresIn: 60,
      }),
      fetch: createMockFetch(oss),
    })
    assert.equal((await transport.stat()).size, 10)
    clock += 61_000
    await assert.rejects(transport.stat(), { kind: 'auth', status: 403 })
  })

  it('rejects an expiry beyond 7 days', async () => {
    await assert.rejects(
      presignOssUrl({
        bucket: 'bucket',
        key: 'k',
        region: 'cn-hangzhou',
        credentials: AK,
        expiresIn: 604801,
      }),
      { name: 'OptionsError' },
    )
  })
})

describe('S3 requests', () => {
  const served = { bytes: makeBytes(100), headers: { etag: '"S3E"' } }
  const sts = {
    accessKeyId: 'STSAK',
    secretAccessKey: 'STSSECRETxxxxxx',
    sessionToken: 'STSTOKENyyyyyyyy',
  }

  it("targets OSS's S3-compatible endpoint virtual-hosted, with every x-amz-* header signed", async () => {
    const f = fakeFetch(objectServer(served))
    const t = createS3Transport({
      bucket: 'examplebucket',
      key: 'a/b.bin',
      endpoint: 'https://s3.oss-cn-hangzhou.aliyuncs.com',
      credentials: sts,
      fetch: f,
    })
    const info = await t.stat()
    await t.read({ start: 0, end: 9, object: info })
    const [head, get] = f.calls
    assert.ok(head && get)
    assert.equal(head.url.href, 'https://examplebucket.s3.oss-cn-hangzhou.aliyuncs.com/a/b.bin')
    assert.equal(head.headers.get('x-amz-checksum-mode'), 'ENABLED')
    assert.equal(head.headers.get('x-amz-security-token'), sts.sessionToken)
    for (const req of [head, get]) {
      const auth = req.headers.get('authorization') ?? ''
      assert.match(
        auth,
        /^AWS4-HMAC-SHA256 Credential=STSAK\/\d{8}\/cn-hangzhou\/s3\/aws4_request, /,
      )
      const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';') ?? []
      for (const [name] of req.headers) {
        if (name.startsWith('x-amz-')) assert.ok(signedHeaders.includes(name), `${name} signed`)
      }
      assert.ok(signedHeaders.includes('host'))
      assert.ok(!signedHeaders.includes('accept-encoding'), 'accept-encoding left unsigned')
      assert.equal(req.headers.get('x-amz-content-sha256'), 'UNSIGNED-PAYLOAD')
      assert.equal(req.headers.get('accept-encoding'), 'identity')
    }
    assert.equal(get.headers.get('if-match'), '"S3E"')
    assert.equal(get.headers.has('x-oss-range-behavior'), false)
  })

  it('refuses path style on OSS, uses it for MinIO on localhost and when forced', async () => {
    assert.throws(
      () =>
        createS3Transport({
          bucket: 'b1b',
          key: 'k',
          endpoint: 'https://s3.oss-cn-hangzhou.aliyuncs.com',
          forcePathStyle: true,
          credentials: sts,
        }),
      { name: 'OptionsError' },
    )
    const urls: string[] = []
    for (const extra of [
      { endpoint: 'http://localhost:9000' },
      { endpoint: 'https://minio.example.com', forcePathStyle: true },
      { region: 'eu-west-1' },
      { region: 'us-east-1', bucket: 'my.dotted.bucket' },
    ]) {
      const f = fakeFetch(objectServer(served))
      await createS3Transport({
        bucket: 'b1b',
        key: 'k~1',
        credentials: sts,
        fetch: f,
        ...extra,
      }).stat()
      urls.push(f.calls[0]?.url.href ?? '')
    }
    assert.deepEqual(urls, [
      'http://localhost:9000/b1b/k~1',
      'https://minio.example.com/b1b/k~1',
      'https://b1b.s3.eu-west-1.amazonaws.com/k~1',
      'https://s3.us-east-1.amazonaws.com/my.dotted.bucket/k~1',
    ])
  })
})

describe('SHA-256 and HMAC-SHA256 under the signers', () => {
  it('node:crypto (Node, Deno, Bun) and Web Crypto (browsers) give the same bytes, RFC 4231 case 2 included', async () => {
    const text = new TextEncoder()
    const key = text.encode('Jefe')
    const data = text.encode('what do ya want for nothing?')
    const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'
    assert.equal(toHex(await hmacSha256(key, data)), expected)
    assert.equal(toHex(await webHmacSha256(key, data)), expected)
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    assert.equal(toHex(await sha256(new Uint8Array(0))), empty)
    assert.equal(toHex(await webSha256(new Uint8Array(0))), empty)
    const big = new Uint8Array(100_000).map((_, i) => i % 251)
    assert.deepEqual(await sha256(big), await webSha256(big))
    assert.deepEqual(await hmacSha256(big, data), await webHmacSha256(big, data))
  })

  it('the hex forms signing uses hash the UTF-8 of a string as the byte forms do (non-ASCII keys included)', async () => {
    const key = new TextEncoder().encode('Jefe')
    assert.equal(
      await hmacSha256Hex(key, 'what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    )
    for (const text of ['', 'GET\n/bench/small/00001.bin', 'clé/日本/😀\u00e9'])
      assert.equal(await sha256Hex(text), toHex(await webSha256(new TextEncoder().encode(text))))
    const text = 'AWS4-HMAC-SHA256\n20261207T000000Z\nclé/😀'
    assert.equal(
      await hmacSha256Hex(key, text),
      toHex(await webHmacSha256(key, new TextEncoder().encode(text))),
    )
  })
})

describe('v4DateTime', () => {
  it('gives each second its own text, and instants of one second the same', () => {
    assert.equal(v4DateTime(new Date('2026-12-07T23:59:59.001Z')), '20261207T235959Z')
    assert.equal(v4DateTime(new Date('2026-12-07T23:59:59.999Z')), '20261207T235959Z')
    assert.equal(v4DateTime(new Date('2026-12-08T00:00:00.000Z')), '20261208T000000Z')
    assert.equal(v4DateTime(new Date('2026-12-07T23:59:59.500Z')), '20261207T235959Z')
    assert.equal(v4DateTime(new Date('1969-12-31T23:59:59.500Z')), '19691231T235959Z')
    assert.equal(v4DateTime(new Date('1970-01-01T00:00:00.500Z')), '19700101T000000Z')
    assert.throws(() => v4DateTime(new Date(Number.NaN)), RangeError)
  })
})
