import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { type CheckpointStore, createDownload, TargetError } from '@resumable/core'
import { FileCheckpointStore, FileTarget, LOCK_SUFFIX, TEMP_SUFFIX } from '@resumable/store-fs'
import { FakeTransport, makeObject } from '@resumable/testkit'

// A handle's `cancel()` removes the partial file and the checkpoint under the destination's lock.

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-cancel-lock-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const object = makeObject(64 * 1024, 3)

/** A paused download's files at `dest`: a partial file and a checkpoint (the store's bytes). */
async function leftovers(dest: string): Promise<void> {
  await writeFile(dest + TEMP_SUFFIX, 'partial bytes')
  await writeFile(`${dest}.resumable.json`, 'checkpoint bytes')
}

describe('createDownload(...).cancel() with FileTarget and FileCheckpointStore', () => {
  it("rejects with exists and removes nothing when a user's file holds the lock's name", async () => {
    const dest = join(root, 'lookalike.bin')
    await leftovers(dest)
    await writeFile(dest + LOCK_SUFFIX, 'do not touch: Alice')
    const handle = createDownload({
      transport: new FakeTransport(object),
      target: new FileTarget(dest),
      checkpoint: new FileCheckpointStore(),
    })
    await assert.rejects(handle.cancel(), (error) => {
      assert.ok(error instanceof TargetError)
      assert.equal(error.kind, 'exists')
      return true
    })
    assert.equal(await readFile(dest + LOCK_SUFFIX, 'utf8'), 'do not touch: Alice')
    assert.equal(await readFile(dest + TEMP_SUFFIX, 'utf8'), 'partial bytes')
    assert.equal(await readFile(`${dest}.resumable.json`, 'utf8'), 'checkpoint bytes')
  })

  it('holds the lock until the checkpoint is removed, then releases it', async () => {
    const dest = join(root, 'held.bin')
    await leftovers(dest)
    const store = new FileCheckpointStore()
    let holder: number | undefined
    // Looks on at the instant of removal: whose lock is on the destination then.
    const watched: CheckpointStore = {
      load: (key) => store.load(key),
      save: (key, data) => store.save(key, data),
      remove: async (key) => {
        const lock = await readFile(dest + LOCK_SUFFIX, 'utf8').catch(() => undefined)
        holder = lock === undefined ? undefined : (JSON.parse(lock) as { pid: number }).pid
        await store.remove(key)
      },
    }
    const handle = createDownload({
      transport: new FakeTransport(object),
      target: new FileTarget(dest),
      checkpoint: watched,
    })
    await handle.cancel()
    assert.equal(holder, process.pid, 'the lock was held while the checkpoint was removed')
    for (const suffix of [TEMP_SUFFIX, '.resumable.json', LOCK_SUFFIX])
      assert.equal(existsSync(dest + suffix), false, `${suffix} gone`)
  })
})
