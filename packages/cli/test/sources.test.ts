import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import httpModule from 'node:http'
import httpsModule from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it, mock } from 'node:test'
import { crc64 } from '@resumable/core'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { isIpOrLocalhost, s3Access } from '../src/sources.ts'
import { fakeEnvironment } from './helpers.ts'

const KEY_ID = 'AKIACLISOURCES'
const SECRET = 'cli-sources-secret-0b1c'
let server: MockOssServer
let dir = ''
let crc: bigint | undefined

before(async () => {
  server = await startMockOss()
  server.oss.credentials = { accessKeyId: KEY_ID, secretAccessKey: SECRET }
  crc = server.oss.putObject('bucket', 'k.bin', { generated: { size: 200_003, seed: 8 } }).crc64
  dir = await mkdtemp(join(tmpdir(), 'cli-sources-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

describe('s3:// sources', () => {
  it('goes path-style by itself for an IP endpoint (no --path-style), signed', async () => {
    const env = { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET }
    const { cli, text } = fakeEnvironment({ env, files: filePlaces, aliOss: aliOssFactory(env) })
    const dest = join(dir, 'ip.bin')
    const args = [
      'get',
      's3://bucket/k.bin',
      dest,
      '--endpoint',
      server.url,
      '--region',
      'us-east-1',
    ]
    assert.equal(await main(args, cli), 0, text())
    assert.equal(crc64('crc64xz', new Uint8Array(await readFile(dest))), crc)
  })

  it('treats localhost, *.localhost and IP literals as path-style hosts, and DNS names not', () => {
    for (const host of ['localhost', 'minio.localhost', '127.0.0.1', '10.1.2.3', '[::1]'])
      assert.equal(isIpOrLocalhost(host), true, host)
    for (const host of ['s3.amazonaws.com', 'minio.example.com', '1.2.3.example'])
      assert.equal(isIpOrLocalhost(host), false, host)
  })

  it('without credentials names the environment variables and no library option', async () => {
    // No role either: the EC2 metadata lookup would otherwise go to 169.254.169.254.
    const { cli, text } = fakeEnvironment({ env: { AWS_EC2_METADATA_DISABLED: 'true' } })
    const args = ['get', 's3://bucket/k.bin', join(dir, 'none.bin'), '--endpoint', server.url]
    assert.equal(await main(args, cli), 2)
    assert.match(text(), /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/)
    assert.doesNotMatch(text(), /anonymous/)
  })

  it('oss:// --transport fetch without credentials names the OSS_ variables and no library option', async () => {
    const { cli, text } = fakeEnvironment()
    const args = ['get', 'oss://bucket/k.bin', join(dir, 'none.bin'), '--region', 'cn-hangzhou']
    assert.equal(await main([...args, '--transport', 'fetch'], cli), 2)
    assert.match(text(), /OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET/)
    assert.doesNotMatch(text(), /anonymous/)
  })
})

describe('oss:// endpoints that name a region, or none', () => {
  const keys = { OSS_ACCESS_KEY_ID: 'ak', OSS_ACCESS_KEY_SECRET: 'sk', HOME: '/nonexistent' }

  /** The first request ali-oss sends (over node:http or node:https), captured and refused. */
  async function aliOssRequest(
    argv: readonly string[],
  ): Promise<{ url: string; authorization: string; code: number }> {
    const seen: { url: string; authorization: string }[] = []
    const capture = (scheme: string) => (options: Record<string, unknown>) => {
      const headers = (options.headers ?? {}) as Record<string, string>
      seen.push({
        url: `${scheme}://${String(options.host ?? options.hostname)}${String(options.path)}`,
        authorization: headers.authorization ?? headers.Authorization ?? '',
      })
      throw Object.assign(new Error('captured by the test'), { code: 'ECONNREFUSED' })
    }
    const http = mock.method(httpModule, 'request', capture('http'))
    const https = mock.method(httpsModule, 'request', capture('https'))
    try {
      const { cli } = fakeEnvironment({ env: keys, files: filePlaces, aliOss: aliOssFactory(keys) })
      const code = await main(
        ['get', ...argv, join(dir, 'never.bin'), '--retries', '0', '--outage-wait', '0'],
        cli,
      )
      const first = seen[0]
      assert.ok(first, 'ali-oss sent a request')
      return { ...first, code }
    } finally {
      http.mock.restore()
      https.mock.restore()
    }
  }

  it('ali-oss with --endpoint <host> and no --region signs for the host’s region, over https', async () => {
    const { url, authorization } = await aliOssRequest([
      'oss://bkt/k',
      '--endpoint',
      'oss-eu-central-1.aliyuncs.com',
    ])
    assert.equal(url, 'https://bkt.oss-eu-central-1.aliyuncs.com/k')
    assert.match(authorization, /^OSS4-HMAC-SHA256 Credential=ak\/\d{8}\/eu-central-1\/oss\//)
  })

  it('--cname sends ali-oss’s requests to the custom domain as is, signed for --region', async () => {
    const { url, authorization } = await aliOssRequest([
      'oss://bkt/k',
      '--endpoint',
      'https://static.example.com',
      '--cname',
      '--region',
      'cn-shenzhen',
    ])
    assert.equal(url, 'https://static.example.com/k')
    assert.match(authorization, /\/cn-shenzhen\/oss\//)
  })

  it('refuses an endpoint that names no region without --region (exit 2), for both transports and a listing', async () => {
    for (const extra of [[], ['--transport', 'fetch'], ['--recursive']]) {
      for (const endpoint of ['https://static.example.com', 'oss-accelerate.aliyuncs.com']) {
        const { cli, text } = fakeEnvironment({ env: keys, aliOss: aliOssFactory(keys) })
        const source = extra[0] === '--recursive' ? 'oss://bkt/p/' : 'oss://bkt/k'
        const argv = ['get', source, join(dir, 'no-region'), '--endpoint', endpoint, ...extra]
        assert.equal(await main(argv, cli), 2, `${endpoint} ${extra.join(' ')}`)
        assert.match(text(), /needs --region \(the bucket's region/)
      }
    }
  })

  it('--cname needs --endpoint, and applies to oss:// only', async () => {
    const { cli, text } = fakeEnvironment({ env: keys, aliOss: aliOssFactory(keys) })
    assert.equal(
      await main(['get', 'oss://bkt/k', join(dir, 'c'), '--cname', '--region', 'cn-hangzhou'], cli),
      2,
    )
    assert.match(text(), /--cname needs --endpoint/)
    const s3 = fakeEnvironment({ env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's' } })
    const argv = ['get', 's3://bkt/k', join(dir, 'c'), '--cname', '--endpoint', server.url]
    assert.equal(await main(argv, s3.cli), 2)
    assert.match(s3.text(), /--cname .* applies to oss:\/\/ sources only/)
  })
})

describe('s3:// endpoint from the environment', () => {
  const flags = { endpoint: undefined, region: 'us-east-1', pathStyle: false, noSignRequest: true }

  it('AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL, --endpoint over both; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns them off', async () => {
    const env = { AWS_ENDPOINT_URL: 'http://global:1', AWS_ENDPOINT_URL_S3: 'http://s3-only:2' }
    assert.equal((await s3Access(flags, env)).endpoint, 'http://s3-only:2')
    assert.equal(
      (await s3Access(flags, { AWS_ENDPOINT_URL: 'http://global:1' })).endpoint,
      'http://global:1',
    )
    assert.equal(
      (await s3Access({ ...flags, endpoint: 'http://flag:3' }, env)).endpoint,
      'http://flag:3',
    )
    assert.equal(
      (await s3Access(flags, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).endpoint,
      undefined,
    )
  })
})
