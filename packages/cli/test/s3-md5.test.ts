import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

// s3:// objects without a CRC-64/NVME (the mock told not to publish one), whose single-part ETag
// is their MD5 as S3 makes it: the CLI ends "verified: md5 …", or fails without a file.
const bytes = makeBytes(2 * 1024 * 1024 + 9, 51)
const MD5 = createHash('md5').update(bytes).digest('hex')
let mock: Awaited<ReturnType<typeof startSignedMock>>

before(async () => {
  mock = await startSignedMock('cli-s3-md5-')
  mock.oss.putObject('bkt', 'right.bin', { bytes, crc64: false, etag: `"${MD5}"` })
  // An ETag that looks like an MD5 and is not (MinIO with encryption at rest writes such).
  mock.oss.putObject('bkt', 'wrong.bin', { bytes, crc64: false, etag: `"${'ab'.repeat(16)}"` })
})
after(async () => {
  await stopSignedMock(mock)
})

async function get(key: string, dest: string, ...flags: string[]) {
  const { cli, text } = signedEnv()
  const argv = ['get', `s3://bkt/${key}`, dest, '--endpoint', mock.server.url]
  const code = await main(
    [...argv, '--region', 'us-east-1', '--part-size', '512KiB', ...flags],
    cli,
  )
  return { code, text: text() }
}

describe('s3:// verified by the MD5 a single-part ETag stands for', () => {
  it('says it reads the file back ("verifying: …"), then "verified: md5 <digest> matches the store"', async () => {
    const dest = join(mock.dir, 'right.bin')
    const { code, text } = await get('right.bin', dest)
    assert.equal(code, 0, text)
    assert.match(text, /verifying: [\d.]+ [KM]iB against the MD5 the store vouches for\n/)
    assert.match(text, new RegExp(`verified: md5 ${MD5} matches the store`))
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
  })

  it('an ETag that is not the MD5 fails (exit 1) naming md5 and the ETag rule, and leaves no file', async () => {
    const dir = join(mock.dir, 'wrong')
    await mkdir(dir)
    const { code, text } = await get('wrong.bin', join(dir, 'wrong.bin'))
    assert.equal(code, 1, text)
    assert.match(text, /failed md5 verification: expected abab.*ETag was taken as the MD5/)
    assert.deepEqual(await readdir(dir), [], 'no file, no temp file, no checkpoint')
  })

  it('--no-verify takes the same object, verified by size only', async () => {
    const dest = join(mock.dir, 'unverified.bin')
    const { code, text } = await get('wrong.bin', dest, '--no-verify')
    assert.equal(code, 0, text)
    assert.match(text, /verified: size only/)
  })
})
