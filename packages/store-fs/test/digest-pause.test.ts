import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AbortedError, createDownload, download, IntegrityError } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { FakeTransport, makeObject } from '@resumable/testkit'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-digest-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const MiB = 1024 * 1024

describe('the digest option through FileTarget', () => {
  it('a pause while the finished file is hashed keeps every part: the rerun fetches nothing, hashes again and publishes', async () => {
    const object = makeObject(24 * MiB + 5, 9)
    const transport = new FakeTransport(object)
    const value = createHash('sha512').update(object.bytes).digest('hex')
    const dest = join(root, 'paused.bin')
    const settings = {
      transport,
      checkpoint: new FileCheckpointStore(),
      partSize: 4 * MiB,
      digest: { algorithm: 'sha512' as const, value },
    }
    const first = createDownload({ ...settings, target: new FileTarget(dest) })
    first.on('verifying', (event) => {
      if (event.digest) first.pause()
    })
    await assert.rejects(first.start(), AbortedError)
    assert.equal(existsSync(dest), false)
    const reads = transport.reads.length
    const result = await download({ ...settings, target: new FileTarget(dest) })
    assert.equal(transport.reads.length, reads)
    assert.equal(result.resumedBytes, object.bytes.length)
    assert.deepEqual(result.digest, { algorithm: 'sha512', value })
    assert.deepEqual(new Uint8Array(await readFile(dest)), object.bytes)
  })

  it('a digest the file does not have: IntegrityError, no destination, no partial file, no checkpoint', async () => {
    const object = makeObject(3 * MiB, 10)
    const dest = join(root, 'wrong.bin')
    const value = createHash('sha1').update(object.bytes.subarray(1)).digest('hex')
    await assert.rejects(
      download({
        transport: new FakeTransport(object),
        target: new FileTarget(dest),
        checkpoint: new FileCheckpointStore(),
        partSize: MiB,
        digest: { algorithm: 'sha1', value },
      }),
      IntegrityError,
    )
    for (const path of [dest, `${dest}.resumable-part`, `${dest}.resumable.json`])
      assert.equal(existsSync(path), false, path)
  })
})
