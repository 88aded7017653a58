import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { listingInput } from '../src/batch/batch-sources.ts'
import { type GetCommand, parseCommandLine } from '../src/command-line.ts'
import { UsageError } from '../src/usage-error.ts'

// What every object of a batch shares is read once for the batch, not once per object.

const SSE_KEY = new Uint8Array(32).fill(7)
let dir = ''
let server: MockOssServer
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-transport-maker-'))
  server = await startMockOss()
  // Readable only with the SSE-C key: a stat without it, or with another, is refused.
  for (const key of ['logs/a.bin', 'logs/b.bin'])
    server.oss.putObject('bucket', key, {
      bytes: new Uint8Array([1, 2, 3]),
      sseCustomerKey: {
        key: Buffer.from(SSE_KEY).toString('base64'),
        keyMd5: createHash('md5').update(SSE_KEY).digest('base64'),
      },
    })
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const env = () => ({
  AWS_ACCESS_KEY_ID: 'ak',
  AWS_SECRET_ACCESS_KEY: 'sk',
  AWS_REGION: 'us-east-1',
})

/** The input of `get s3://bucket/logs/ <dir> --recursive --sse-c-key-file <keyFile>`. */
function batchWithKeyFile(keyFile: string) {
  const parsed = parseCommandLine([
    'get',
    's3://bucket/logs/',
    join(dir, 'out'),
    '--recursive',
    '--endpoint',
    server.url,
    '--sse-c-key-file',
    keyFile,
  ])
  assert.equal(parsed.command, 'get')
  return listingInput(parsed as GetCommand, env(), aliOssFactory({}))
}

describe('a batch reads what its objects share once', () => {
  it('the SSE-C key file is read once, before the first object: a later object still has the key after the file is gone', async () => {
    const keyFile = join(dir, 'sse.key')
    await writeFile(keyFile, SSE_KEY)
    const input = await batchWithKeyFile(keyFile)
    const first = await input.transportFor({ key: 'logs/a.bin' })
    await rm(keyFile)
    const second = await input.transportFor({ key: 'logs/b.bin' })
    assert.equal((await first.stat()).size, 3)
    assert.equal((await second.stat()).size, 3, 'the store took the key the second object sent')
  })

  it('a key file that cannot be read is a usage error naming the file before any object (the batch does not start)', async () => {
    await assert.rejects(
      batchWithKeyFile(join(dir, 'missing.key')),
      (error: unknown) =>
        error instanceof UsageError &&
        /--sse-c-key-file ".*missing\.key" cannot be read \(ENOENT\)/.test(error.message),
    )
  })
})
