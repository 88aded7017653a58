import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { crc64 } from '@resumable/core'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { isIpOrLocalhost } from '../src/sources.ts'
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
