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
import { fakeEnvironment } from './helpers.ts'

// --request-payer with a presigned http(s) URL. The mock checks no signature here (signatures of
// such URLs are checked in transport-fetch's url-request-payer tests); it does enforce requester
// pays: a signed-looking request without the payer header gets 403 AccessDenied.

const SIZE = 300_007
let server: MockOssServer
let dir = ''
let crc: bigint | undefined

before(async () => {
  server = await startMockOss()
  server.oss.createBucket('payer', { requesterPays: true })
  crc = server.oss.putObject('payer', 'o.bin', { generated: { size: SIZE, seed: 9 } }).crc64
  dir = await mkdtemp(join(tmpdir(), 'cli-payer-url-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

let n = 0
async function run(args: string[]) {
  const { cli, text } = fakeEnvironment({ env: {}, files: filePlaces, aliOss: aliOssFactory({}) })
  const dest = join(dir, `out-${++n}.bin`)
  const code = await main(['get', args[0] as string, dest, ...args.slice(1)], cli)
  return { code, text: text(), dest }
}

describe('--request-payer with a presigned URL', () => {
  it('an OSS V4 presigned URL: refused without it, byte-identical with it, x-oss-request-payer on every request', async () => {
    const url = `${server.url}/payer/o.bin?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-expires=600&x-oss-signature=${'a'.repeat(64)}`
    const refused = await run([url])
    assert.equal(refused.code, 1, refused.text)
    assert.match(refused.text, /AccessDenied/)
    server.oss.resetCounters()
    const ok = await run([url, '--request-payer'])
    assert.equal(ok.code, 0, ok.text)
    assert.equal(crc64('crc64xz', new Uint8Array(await readFile(ok.dest))), crc)
    assert.ok(server.oss.served.log.length >= 2)
    for (const r of server.oss.served.log) {
      assert.equal(r.headers['x-oss-request-payer'], 'requester', r.method)
      assert.equal(r.headers['x-amz-request-payer'], undefined)
    }
  })

  it('a URL that is neither an S3 nor an OSS presigned URL is refused (exit 2), without echoing its query', async () => {
    server.oss.resetCounters()
    const r = await run([`${server.url}/payer/o.bin?token=sekrit-token-1234`, '--request-payer'])
    assert.equal(r.code, 2, r.text)
    assert.match(r.text, /requestPayer/)
    assert.ok(!r.text.includes('sekrit-token-1234'), r.text)
    assert.equal(server.oss.served.requests, 0)
  })
})
