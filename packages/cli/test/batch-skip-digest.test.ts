import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

// --skip-existing on stores that give no CRC (MinIO, R2, S3 objects uploaded without checksums):
// a file is the object's when its MD5 (the single-part ETag) or SHA-256 (x-amz-checksum-sha256)
// is the store's.
let mock: Awaited<ReturnType<typeof startSignedMock>>
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex')
const mine = makeBytes(40_000, 3)
const theirs = makeBytes(40_000, 4)
const shaBytes = makeBytes(30_000, 5)

before(async () => {
  mock = await startSignedMock('cli-batch-skip-digest-')
  mock.oss.putObject('nocrc', 'd/same.bin', { bytes: mine, crc64: false, etag: `"${md5(mine)}"` })
  mock.oss.putObject('nocrc', 'd/other.bin', {
    bytes: theirs,
    crc64: false,
    etag: `"${md5(theirs)}"`,
  })
  // A multipart ETag (no MD5) and a full-object SHA-256, as `aws s3 cp --checksum-algorithm SHA256` leaves.
  mock.oss.putObject('nocrc', 'd/sha.bin', {
    bytes: shaBytes,
    s3Checksum: 'sha256',
    etag: `"${'c'.repeat(32)}-1"`,
  })
})
after(() => stopSignedMock(mock))

describe('--skip-existing where the store gives no CRC', () => {
  it('skips a file whose MD5 or SHA-256 is the store’s, and leaves one of the same size but another MD5 untouched (exit 1, said why)', async () => {
    const dest = join(mock.dir, 'existing')
    await mkdir(dest)
    await writeFile(join(dest, 'same.bin'), mine)
    await writeFile(join(dest, 'other.bin'), mine)
    await writeFile(join(dest, 'sha.bin'), shaBytes)
    const requests = mock.oss.served.log.length
    const run = signedEnv()
    const argv = ['get', 's3://nocrc/d/', dest, '--recursive', '--skip-existing']
    assert.equal(await main([...argv, '--endpoint', mock.server.url], run.cli), 1, run.text())
    assert.match(run.text(), /2 skipped \(2 same-content\)/)
    assert.match(
      run.text(),
      /other\.bin.*a file of the same size but another md5 is already at the destination; not overwritten/,
    )
    assert.deepEqual(new Uint8Array(await readFile(join(dest, 'other.bin'))), mine)
    // HEADs only: no object body was fetched to decide.
    const gets = mock.oss.served.log.slice(requests).filter((e) => e.method === 'GET' && e.key)
    assert.deepEqual(
      gets.map((e) => e.key),
      [],
    )
  })

  it('with --checksum-file, a file is compared with its line when the store vouches for no digest (a multipart ETag)', async () => {
    const bytes = makeBytes(20_000, 6)
    mock.oss.putObject('nocrc', 'm/multi.bin', {
      bytes,
      crc64: false,
      etag: `"${'d'.repeat(32)}-2"`,
    })
    const dest = join(mock.dir, 'by-sums')
    await mkdir(dest)
    await writeFile(join(dest, 'multi.bin'), bytes)
    const sums = join(mock.dir, 'MULTISUMS')
    await writeFile(sums, `${createHash('sha256').update(bytes).digest('hex')}  multi.bin\n`)
    const run = signedEnv()
    const argv = ['get', 's3://nocrc/m/', dest, '--recursive', '--skip-existing']
    const flags = ['--checksum-file', sums, '--endpoint', mock.server.url]
    assert.equal(await main([...argv, ...flags], run.cli), 0, run.text())
    assert.match(run.text(), /1 skipped \(1 same-content\)/)
  })
})
