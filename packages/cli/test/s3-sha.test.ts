import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

// s3:// objects uploaded in one part with a SHA-256 or SHA-1 checksum (`--checksum-algorithm
// SHA256`): S3 keeps that digest and no CRC; with a multipart ETag (or SSE-KMS) no MD5 either.
const bytes = makeBytes(1024 * 1024 + 7, 61)
const MULTIPART_ETAG = '"0123456789abcdef0123456789abcdef-2"'
let mock: Awaited<ReturnType<typeof startSignedMock>>

before(async () => {
  mock = await startSignedMock('cli-s3-sha-')
  for (const algorithm of ['sha256', 'sha1'] as const)
    mock.oss.putObject('bkt', `${algorithm}.bin`, {
      bytes,
      s3Checksum: algorithm,
      etag: MULTIPART_ETAG,
    })
  mock.oss.putObject('bkt', 'composite.bin', {
    bytes,
    s3Checksum: 'sha256',
    s3ChecksumType: 'COMPOSITE',
    multipartParts: 2,
  })
})
after(() => stopSignedMock(mock))

async function get(key: string, dest: string, ...flags: string[]) {
  const { cli, text, out } = signedEnv()
  const argv = [
    'get',
    `s3://bkt/${key}`,
    dest,
    '--endpoint',
    mock.server.url,
    '--region',
    'us-east-1',
  ]
  const code = await main([...argv, '--part-size', '256KiB', ...flags], cli)
  return { code, text: text(), out }
}

describe("s3:// objects whose checksum is S3's SHA-256 or SHA-1", () => {
  for (const algorithm of ['sha256', 'sha1'] as const) {
    it(`${algorithm}: the file is read back once and its ${algorithm} compared with the store's before the rename`, async () => {
      const dest = join(mock.dir, `${algorithm}.bin`)
      const run = await get(`${algorithm}.bin`, dest)
      assert.equal(run.code, 0, run.text)
      const hex = createHash(algorithm).update(bytes).digest('hex')
      assert.match(
        run.text,
        new RegExp(`verifying: 1\\.00 MiB against the ${algorithm} the store vouches for`),
      )
      assert.match(run.text, new RegExp(`verified: ${algorithm} ${hex} matches the store`))
      assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
    })
  }

  it('a wrong SHA-256 from the store: exit 1 naming both, nothing at the destination, nothing kept', async () => {
    mock.oss.faults.add({
      match: { key: 'sha256.bin' },
      fault: { type: 'wrong-crc' },
    })
    const dest = join(mock.dir, 'wrong-sha.bin')
    const run = await get('sha256.bin', dest)
    mock.oss.faults.clear()
    assert.equal(run.code, 1, run.text)
    assert.match(
      run.text,
      /failed sha256 verification: expected [0-9a-f]{64}, got [0-9a-f]{64} \(the store's x-amz-checksum/,
    )
    for (const path of [dest, `${dest}.resumable-part`, `${dest}.resumable.json`])
      assert.equal(existsSync(path), false, path)
  })

  it('a COMPOSITE SHA-256 (a multipart upload) is not taken for the object’s: size only', async () => {
    const run = await get('composite.bin', join(mock.dir, 'composite.bin'))
    assert.equal(run.code, 0, run.text)
    assert.match(run.text, /verified: size only/)
  })

  it('--checksum with the same SHA-256 is checked once, not twice', async () => {
    const hex = createHash('sha256').update(bytes).digest('hex')
    const run = await get('sha256.bin', join(mock.dir, 'same.bin'), '--checksum', `sha256=${hex}`)
    assert.equal(run.code, 0, run.text)
    assert.equal(run.text.match(/verifying: /g)?.length, 1)
  })
})
