import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OptionsError } from '@resumable/core'
import {
  createOssLister,
  createOssTransport,
  createS3Lister,
  createS3Transport,
} from '../src/index.ts'
import { fakeFetch, objectServer } from './helpers/fake-fetch.ts'

const AK = { accessKeyId: 'ak', secretAccessKey: 'sk' }

/** The URL and the credential scope's region of the first request a transport sends. */
async function firstRequest(
  make: (fetch: ReturnType<typeof fakeFetch>) => { stat(o: { signal: AbortSignal }): unknown },
): Promise<{ url: string; region: string | undefined }> {
  const f = fakeFetch(objectServer({ bytes: new Uint8Array(4), headers: { etag: '"e"' } }))
  await make(f).stat({ signal: new AbortController().signal })
  const seen = f.calls[0]
  assert.ok(seen)
  const auth = seen.headers.get('authorization') ?? ''
  return {
    url: seen.url.href,
    region: /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(auth)?.[1],
  }
}

describe('S3: the region an endpoint names', () => {
  const s3 = (endpoint: string, region?: string) =>
    firstRequest((fetch) =>
      createS3Transport({
        bucket: 'my-bucket',
        key: 'k',
        endpoint,
        ...(region ? { region } : {}),
        credentials: AK,
        fetch,
      }),
    )

  it('reads the region from dual-stack, FIPS, VPC, legacy-dash and China endpoints', async () => {
    for (const [endpoint, region] of [
      ['https://s3.eu-west-1.amazonaws.com', 'eu-west-1'],
      ['https://s3-eu-west-1.amazonaws.com', 'eu-west-1'],
      ['https://s3.dualstack.eu-west-1.amazonaws.com', 'eu-west-1'],
      ['https://s3-fips.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
      ['https://s3-fips.dualstack.us-east-2.amazonaws.com', 'us-east-2'],
      ['https://bucket.vpce-1a2b3c4d-5e6f.s3.ap-south-1.vpce.amazonaws.com', 'ap-south-1'],
      ['https://s3.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
      ['https://s3.amazonaws.com', 'us-east-1'],
      ['https://s3-external-1.amazonaws.com', 'us-east-1'],
      ['https://s3.oss-cn-beijing.aliyuncs.com', 'cn-beijing'],
      ['https://s3.oss-cn-beijing-internal.aliyuncs.com', 'cn-beijing'],
    ] as const)
      assert.equal((await s3(endpoint)).region, region, endpoint)
  })

  it('the region given wins over the host', async () => {
    assert.equal(
      (await s3('https://s3.dualstack.eu-west-1.amazonaws.com', 'eu-west-3')).region,
      'eu-west-3',
    )
  })

  it('refuses an acceleration endpoint without a region, and signs for the region given with one', async () => {
    for (const endpoint of [
      'https://s3-accelerate.amazonaws.com',
      'https://s3-accelerate.dualstack.amazonaws.com',
      'https://s3.oss-accelerate.aliyuncs.com',
    ]) {
      assert.throws(
        () => createS3Transport({ bucket: 'my-bucket', key: 'k', endpoint, credentials: AK }),
        (e: unknown) => e instanceof OptionsError && /names no region/.test(e.message),
        endpoint,
      )
      const { url, region } = await s3(endpoint, 'ap-northeast-1')
      assert.equal(region, 'ap-northeast-1')
      assert.equal(url, `https://my-bucket.${new URL(endpoint).host}/k`)
    }
  })

  it('a China region’s default endpoint is amazonaws.com.cn', async () => {
    const { url, region } = await firstRequest((fetch) =>
      createS3Transport({
        bucket: 'my-bucket',
        key: 'k',
        region: 'cn-northwest-1',
        credentials: AK,
        fetch,
      }),
    )
    assert.equal(url, 'https://my-bucket.s3.cn-northwest-1.amazonaws.com.cn/k')
    assert.equal(region, 'cn-northwest-1')
  })

  it('an AWS endpoint that already names the bucket is not given it twice; another store’s host is', async () => {
    assert.equal(
      (await s3('https://my-bucket.s3.us-west-2.amazonaws.com')).url,
      'https://my-bucket.s3.us-west-2.amazonaws.com/k',
    )
    assert.equal(
      (await s3('https://my-bucket.example.com')).url,
      'https://my-bucket.my-bucket.example.com/k',
    )
  })

  it('a bucket named like the endpoint’s first label still goes in front of it (the key is not taken for the bucket)', async () => {
    const url = async (bucket: string, endpoint: string) =>
      (
        await firstRequest((fetch) =>
          createS3Transport({ bucket, key: 'data/file.bin', endpoint, credentials: AK, fetch }),
        )
      ).url
    assert.equal(
      await url('s3-fips', 'https://s3-fips.us-east-1.amazonaws.com'),
      'https://s3-fips.s3-fips.us-east-1.amazonaws.com/data/file.bin',
    )
    assert.equal(
      await url('cn-hangzhou', 'https://cn-hangzhou.oss.aliyuncs.com'),
      'https://cn-hangzhou.cn-hangzhou.oss.aliyuncs.com/data/file.bin',
    )
    assert.equal(
      await url('my-bucket', 'https://my-bucket.s3.dualstack.us-west-2.amazonaws.com'),
      'https://my-bucket.s3.dualstack.us-west-2.amazonaws.com/data/file.bin',
    )
  })

  it('the lister resolves the same way', async () => {
    const f = fakeFetch(
      () =>
        new Response('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>', {
          status: 200,
        }),
    )
    const lister = createS3Lister({
      bucket: 'my-bucket',
      endpoint: 'https://s3.dualstack.eu-west-1.amazonaws.com',
      credentials: AK,
      fetch: f,
    })
    for await (const _ of lister.list()) {
      // nothing listed
    }
    assert.equal(f.calls[0]?.url.origin, 'https://my-bucket.s3.dualstack.eu-west-1.amazonaws.com')
    assert.match(f.calls[0]?.headers.get('authorization') ?? '', /\/eu-west-1\/s3\//)
    assert.throws(
      () => createS3Lister({ bucket: 'b-1', endpoint: 'https://s3-accelerate.amazonaws.com' }),
      OptionsError,
    )
    const china = fakeFetch(
      () => new Response('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'),
    )
    for await (const _ of createS3Lister({
      bucket: 'b-1',
      region: 'cn-north-1',
      credentials: AK,
      fetch: china,
    }).list()) {
      // nothing listed
    }
    assert.equal(china.calls[0]?.url.origin, 'https://b-1.s3.cn-north-1.amazonaws.com.cn')
  })
})

describe('OSS: the region an endpoint names', () => {
  const oss = (endpoint: string, region?: string) =>
    firstRequest((fetch) =>
      createOssTransport({
        bucket: 'bkt',
        key: 'k',
        endpoint,
        ...(region ? { region } : {}),
        credentials: AK,
        fetch,
      }),
    )

  it('reads the region from regional, internal and dual-stack endpoints', async () => {
    for (const [endpoint, region] of [
      ['https://oss-eu-central-1.aliyuncs.com', 'eu-central-1'],
      ['https://oss-cn-hangzhou-internal.aliyuncs.com', 'cn-hangzhou'],
      ['https://cn-shanghai.oss.aliyuncs.com', 'cn-shanghai'],
    ] as const)
      assert.equal((await oss(endpoint)).region, region, endpoint)
  })

  it('a bucket named like a dual-stack endpoint’s region still goes in front of it; a whole endpoint behind the bucket is used as is', async () => {
    const url = async (bucket: string, endpoint: string) =>
      (
        await firstRequest((fetch) =>
          createOssTransport({ bucket, key: 'k', endpoint, credentials: AK, fetch }),
        )
      ).url
    assert.equal(
      await url('cn-hangzhou', 'https://cn-hangzhou.oss.aliyuncs.com'),
      'https://cn-hangzhou.cn-hangzhou.oss.aliyuncs.com/k',
    )
    assert.equal(
      await url('bkt', 'https://bkt.oss-cn-beijing.aliyuncs.com'),
      'https://bkt.oss-cn-beijing.aliyuncs.com/k',
    )
  })

  it('refuses an acceleration endpoint without a region, instead of signing for "accelerate"', async () => {
    for (const endpoint of [
      'https://oss-accelerate.aliyuncs.com',
      'https://oss-accelerate-overseas.aliyuncs.com',
    ]) {
      assert.throws(
        () => createOssTransport({ bucket: 'bkt', key: 'k', endpoint, credentials: AK }),
        (e: unknown) => e instanceof OptionsError && e.option === 'region',
        endpoint,
      )
      assert.throws(
        () => createOssLister({ bucket: 'bkt', endpoint, credentials: AK }),
        OptionsError,
      )
      assert.equal((await oss(endpoint, 'cn-shenzhen')).region, 'cn-shenzhen')
    }
  })
})

describe('S3: a bucket host name that does not resolve', () => {
  const notFound = () =>
    fakeFetch((request) => {
      throw Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${request.url.hostname}`), {
          code: 'ENOTFOUND',
        }),
      })
    })
  const statOf = (endpoint: string, forcePathStyle?: boolean) =>
    createS3Transport({
      bucket: 'my-bucket',
      key: 'k',
      endpoint,
      ...(forcePathStyle ? { forcePathStyle } : {}),
      credentials: AK,
      fetch: notFound(),
    }).stat()

  it('on another store’s endpoint, virtual-hosted, names path-style requests as what to check', async () => {
    await assert.rejects(statOf('https://minio.example.com'), (error: Error) => {
      assert.match(error.message, /does not resolve .*needs path-style requests \(forcePathStyle/)
      return true
    })
  })

  it('on AWS, or already path-style, says to check the endpoint, region or URL', async () => {
    for (const [endpoint, pathStyle] of [
      ['https://s3.eu-west-1.amazonaws.com', false],
      ['https://minio.example.com', true],
    ] as const)
      await assert.rejects(statOf(endpoint, pathStyle), (error: Error) => {
        assert.match(error.message, /check the endpoint, region or URL/)
        assert.doesNotMatch(error.message, /path-style/)
        return true
      })
  })
})
