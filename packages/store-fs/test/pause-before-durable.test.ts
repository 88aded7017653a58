import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { AbortedError, createDownload } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { FakeTransport, makeObject } from '@resumable/testkit'

/** A checkpoint store on a full disk: every save fails as the filesystem would. */
class FullDiskStore extends FileCheckpointStore {
  override async save(): Promise<void> {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
  }
}

describe('a pause before any byte was durable', () => {
  it('leaves no partial file behind, so the next run starts over instead of refusing it as a file of the user', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'resumable-pause-early-'))
    try {
      const dest = join(dir, 'big.bin')
      const object = makeObject(4 * 1024 * 1024)
      const slow = new FakeTransport(object)
      slow.chunkDelayMs = 5
      const first = createDownload({
        transport: slow,
        target: new FileTarget(dest),
        checkpoint: new FullDiskStore(),
        checkpointIntervalMs: 60_000,
      })
      const running = first.start()
      setTimeout(() => first.pause(), 100)
      await assert.rejects(running, (error: unknown) => error instanceof AbortedError)
      assert.deepEqual(readdirSync(dir), [], 'nothing resumable was saved, so nothing is kept')

      const second = createDownload({
        transport: new FakeTransport(object),
        target: new FileTarget(dest),
        checkpoint: new FileCheckpointStore(),
      })
      await second.start()
      assert.deepEqual(new Uint8Array(await readFile(dest)), object.bytes)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
