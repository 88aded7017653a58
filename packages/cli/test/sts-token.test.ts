import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { crc64 } from '@resumable/core'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { runCliProcess } from './helpers.ts'

// oss:// through ali-oss with an STS token (OSS_SESSION_TOKEN), as a real process: ali-oss's
// constructor prints a console.warn about refreshSTSToken unless told otherwise.
const TOKEN = 'sts-token-of-the-test'
const SIZE = 256 * 1024 + 3
let server: MockOssServer
let dir = ''
let crc: bigint | undefined

before(async () => {
  server = await startMockOss()
  crc = server.oss.putObject('bucket', 'sts/object.bin', {
    generated: { size: SIZE, seed: 11 },
  }).crc64
  dir = await mkdtemp(join(tmpdir(), 'cli-sts-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

function run(args: readonly string[]) {
  const source = ['get', 'oss://bucket/sts/object.bin', ...args]
  return runCliProcess([...source, '--region', 'cn-hangzhou', '--endpoint', server.url], {
    ...process.env,
    OSS_ACCESS_KEY_ID: 'STS.test-ak',
    OSS_ACCESS_KEY_SECRET: 'sts-test-secret',
    OSS_SESSION_TOKEN: TOKEN,
  })
}

describe('oss:// through ali-oss with OSS_SESSION_TOKEN', () => {
  it('-q prints nothing at all (no ali-oss refreshSTSToken warning), and the token is still sent', async () => {
    server.oss.served.log.length = 0
    const dest = join(dir, 'quiet.bin')
    const result = await run([dest, '-q'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '')
    assert.equal(crc64('crc64xz', new Uint8Array(await readFile(dest))), crc)
    const requests = server.oss.served.log
    assert.ok(requests.length > 0)
    for (const request of requests) assert.equal(request.headers['x-oss-security-token'], TOKEN)
  })

  it('to stdout with --json: stderr carries the JSON events and nothing else', async () => {
    const result = await run(['-', '--json'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(crc64('crc64xz', result.stdout), crc)
    const lines = result.stderr.split('\n').filter((line) => line !== '')
    assert.ok(lines.length > 0)
    for (const line of lines) {
      assert.doesNotThrow(() => JSON.parse(line), `not a JSON event: ${line}`)
    }
    assert.equal((JSON.parse(lines.at(-1) as string) as { type: string }).type, 'done')
  })
})
