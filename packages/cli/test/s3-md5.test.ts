import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
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
  // Multipart uploads, whose ETag is no MD5, with the whole object's MD5 their uploader recorded:
  // rclone's md5chksum (base64), s3cmd's s3cmd-attrs; and a record that is not these bytes'.
  const multipart = { bytes, crc64: false, s3PartSize: 1024 * 1024 } as const
  const md5chksum = Buffer.from(MD5, 'hex').toString('base64')
  mock.oss.putObject('bkt', 'rclone.bin', { ...multipart, metadata: { md5chksum } })
  const attrs = `atime:1765000000/gid:20/gname:staff/md5:${MD5}/mode:33188/uid:501`
  mock.oss.putObject('bkt', 's3cmd.bin', { ...multipart, metadata: { 's3cmd-attrs': attrs } })
  const other = Buffer.from('ab'.repeat(16), 'hex').toString('base64')
  mock.oss.putObject('bkt', 'recorded-wrong.bin', { ...multipart, metadata: { md5chksum: other } })
  mock.oss.putObject('bkt', 'unrecorded.bin', multipart)
  mock.oss.putObject('bkt', 'batch/right.bin', { ...multipart, metadata: { md5chksum } })
  mock.oss.putObject('bkt', 'batch/wrong.bin', { ...multipart, metadata: { md5chksum: other } })
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
    assert.match(
      text,
      /verifying: [\d.]+ [KM]iB against the MD5 the store vouches for(: [^\n]*)?\n/,
    )
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

describe('s3:// multipart objects verified by the MD5 their uploader recorded in the metadata', () => {
  it('rclone\'s x-amz-meta-md5chksum: "verified: md5 <digest> matches x-amz-meta-md5chksum"', async () => {
    const dest = join(mock.dir, 'rclone.bin')
    const { code, text } = await get('rclone.bin', dest)
    assert.equal(code, 0, text)
    assert.match(text, /verifying: [\d.]+ MiB against the MD5 in x-amz-meta-md5chksum(: [^\n]*)?\n/)
    assert.match(text, new RegExp(`verified: md5 ${MD5} matches x-amz-meta-md5chksum`))
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
  })

  it("s3cmd's x-amz-meta-s3cmd-attrs md5 field is taken the same way", async () => {
    const dest = join(mock.dir, 's3cmd.bin')
    const { code, text } = await get('s3cmd.bin', dest)
    assert.equal(code, 0, text)
    assert.match(text, new RegExp(`verified: md5 ${MD5} matches x-amz-meta-s3cmd-attrs`))
  })

  it('a record that is not these bytes fails (exit 1) naming the header, and leaves no file', async () => {
    const dir = join(mock.dir, 'recorded-wrong')
    await mkdir(dir)
    const { code, text } = await get('recorded-wrong.bin', join(dir, 'recorded-wrong.bin'))
    assert.equal(code, 1, text)
    assert.match(
      text,
      /failed md5 verification: expected abab.*the MD5 in the object's x-amz-meta-md5chksum/,
    )
    assert.deepEqual(await readdir(dir), [], 'no file, no temp file, no checkpoint')
  })

  it('in a batch each object is checked against its own record: the one that differs fails alone, named with the header; --skip-existing then knows the good file by its record', async () => {
    const dir = join(mock.dir, 'batch-out')
    const { code, text } = await get('batch/', dir, '--recursive')
    assert.equal(code, 1, text)
    assert.match(text, /wrong\.bin.*failed md5 verification: expected abab.*x-amz-meta-md5chksum/)
    // The journal stays for a rerun; nothing of wrong.bin does.
    assert.deepEqual((await readdir(dir)).sort(), ['.resumable-batch.journal', 'right.bin'])
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'right.bin'))), bytes)
    // A fresh run with --skip-existing knows right.bin by the record (its HEAD carries it).
    await rm(join(dir, '.resumable-batch.journal'))
    const again = await get('batch/', dir, '--recursive', '--skip-existing')
    assert.equal(again.code, 1, again.text)
    assert.match(again.text, /1 skipped \(1 same-content\)/)
  })

  it('without a record, a multipart object is still verified by size only, and says why', async () => {
    const dest = join(mock.dir, 'unrecorded.bin')
    const { code, text } = await get('unrecorded.bin', dest)
    assert.equal(code, 0, text)
    assert.match(text, /verified: size only/)
  })
})
