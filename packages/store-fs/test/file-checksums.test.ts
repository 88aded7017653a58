import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { crc } from '@resumable/core'
import { makeBytes } from '@resumable/testkit'
import { fileChecksum, fileChecksums } from '../src/index.ts'

// A file's CRCs piece by piece, as skipExisting compares a multipart upload's composite: pieces
// that straddle the 1 MiB reads, a short last piece, and the whole file.
const bytes = makeBytes(2 * 1024 * 1024 + 3, 7)
let dir = ''
let path = ''

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-checksums-'))
  path = join(dir, 'object.bin')
  await writeFile(path, bytes)
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('fileChecksums', () => {
  for (const pieceSize of [768 * 1024, 1024 * 1024, 5, bytes.length, bytes.length + 1]) {
    it(`gives the CRC of every ${pieceSize}-byte piece, the last shorter`, async () => {
      const expected: bigint[] = []
      for (let at = 0; at < bytes.length; at += pieceSize)
        expected.push(crc('crc32c', bytes.subarray(at, at + pieceSize)))
      assert.deepEqual(await fileChecksums(path, 'crc32c', pieceSize), expected)
    })
  }

  it('gives one CRC of the whole file without a piece size, as fileChecksum does', async () => {
    assert.deepEqual(await fileChecksums(path, 'crc64nvme'), [crc('crc64nvme', bytes)])
    assert.equal(await fileChecksum(path, 'crc32'), crc('crc32', bytes))
  })
})
