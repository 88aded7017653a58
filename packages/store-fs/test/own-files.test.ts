import assert from 'node:assert/strict'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { CheckpointCodec, planParts, TargetError, TransferState } from '@resumable/core'
import {
  FileCheckpointStore,
  FileTarget,
  isResumableCheckpointFile,
  isResumableLockFile,
} from '@resumable/store-fs'

let dir = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-fs-own-files-'))
})
after(() => rm(dir, { recursive: true, force: true }))

function checkpointBytes(destination: string): Uint8Array {
  const state = new TransferState(planParts(4096, 1024), 'crc64xz')
  const identity = { source: 's3://b/k', destination, object: { size: 4096, etag: '"e"' } }
  return CheckpointCodec.encode({ identity, state, savedAt: 1_790_000_000_000 })
}

describe('isResumableCheckpointFile', () => {
  it('is true for a checkpoint FileCheckpointStore saved and for a damaged one of ours, false for look-alikes named the same', async () => {
    const dest = join(dir, 'big.iso')
    const store = new FileCheckpointStore()
    await store.save(dest, checkpointBytes(dest))
    assert.equal(await isResumableCheckpointFile(store.pathFor(dest)), true)
    const cases: Record<string, string> = {
      'garbage.resumable.json': '{ not json',
      'other.resumable.json': JSON.stringify({ format: 'mine', version: 1 }),
      'empty.resumable.json': '',
    }
    for (const [name, text] of Object.entries(cases)) {
      await writeFile(join(dir, name), text)
      assert.equal(await isResumableCheckpointFile(join(dir, name)), false, name)
    }
    const damaged = checkpointBytes(dest)
    const at = damaged.length - 5
    damaged[at] = (damaged[at] as number) ^ 0x01
    await writeFile(join(dir, 'damaged.resumable.json'), damaged)
    // Ours though it no longer decodes: it begins with the whole header, which no user's file does.
    assert.equal(await isResumableCheckpointFile(join(dir, 'damaged.resumable.json')), true)
    const newer = new TextDecoder()
      .decode(checkpointBytes(dest))
      .replace(/"version":\d+/, '"version":99')
    await writeFile(join(dir, 'newer.resumable.json'), newer)
    assert.equal(await isResumableCheckpointFile(join(dir, 'newer.resumable.json')), true)
    assert.equal(await isResumableCheckpointFile(join(dir, 'missing.resumable.json')), false)
    // A save a kill cut short: only with tornSave, and only when it begins as a checkpoint does.
    const torn = join(dir, '.big.iso.resumable.json.tmp')
    await writeFile(torn, checkpointBytes(dest).subarray(0, 50))
    assert.equal(await isResumableCheckpointFile(torn), false)
    assert.equal(await isResumableCheckpointFile(torn, { tornSave: true }), true)
    const swap = join(dir, '.notes.resumable.json.tmp')
    await writeFile(swap, 'an editor swap file')
    assert.equal(await isResumableCheckpointFile(swap, { tornSave: true }), false)
    await symlink(store.pathFor(dest), join(dir, 'link.resumable.json'))
    assert.equal(await isResumableCheckpointFile(join(dir, 'link.resumable.json')), false)
  })
})

describe('a sidecar that is there but cannot be read', () => {
  // /proc/self/mem is a plain file whose first page cannot be read (EIO), even by root.
  it('is a TargetError, not "not ours": it proves nothing either way', {
    skip: process.platform !== 'linux',
  }, async () => {
    for (const check of [isResumableCheckpointFile, isResumableLockFile]) {
      await assert.rejects(check('/proc/self/mem'), (error: unknown) => {
        assert.ok(error instanceof TargetError, String(error))
        assert.equal(error.kind, 'io')
        return true
      })
    }
  })
})

describe('isResumableLockFile', () => {
  it('is true for the lock a FileTarget takes, false for a look-alike named the same', async () => {
    const target = new FileTarget(join(dir, 'locked.bin'))
    await target.open({ size: 16, resume: false })
    try {
      assert.equal(await isResumableLockFile(join(dir, 'locked.bin.resumable.lock')), true)
    } finally {
      await target.abort({ keep: false })
    }
    await writeFile(join(dir, 'mine.resumable.lock'), 'do not touch: Alice')
    assert.equal(await isResumableLockFile(join(dir, 'mine.resumable.lock')), false)
    await writeFile(join(dir, 'json.resumable.lock'), JSON.stringify({ pid: 'x', host: 1 }))
    assert.equal(await isResumableLockFile(join(dir, 'json.resumable.lock')), false)
  })
})
