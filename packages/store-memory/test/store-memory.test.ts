import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TargetError } from '@resumable/core'
import {
  MemoryBatchJournalStore,
  MemoryCheckpointStore,
  MemoryTarget,
  MemoryVolume,
} from '@resumable/store-memory'

describe('MemoryTarget', () => {
  it('loses unsynced writes on a simulated crash and keeps synced ones', async () => {
    const volume = new MemoryVolume()
    const target = new MemoryTarget('a', { volume })
    await target.open({ size: 4, resume: false })
    await target.write(0, new Uint8Array([1, 2]))
    await target.sync()
    await target.write(2, new Uint8Array([3, 4]))
    assert.deepEqual(await target.read(0, 4), new Uint8Array([1, 2, 3, 4]))
    volume.crash()
    const reopened = new MemoryTarget('a', { volume })
    assert.deepEqual(await reopened.open({ size: 4, resume: true }), { resumed: true })
    assert.deepEqual(await reopened.read(0, 4), new Uint8Array([1, 2, 0, 0]))
  })

  it('publishes only on commit', async () => {
    const target = new MemoryTarget('b')
    await target.open({ size: 2, resume: false })
    await target.write(1, new Uint8Array([9]))
    await target.write(0, new Uint8Array([8]))
    assert.equal(target.committed, undefined)
    await target.commit()
    assert.deepEqual(target.committed, new Uint8Array([8, 9]))
    assert.equal(target.volume.hasTemp('b'), false)
  })

  it('sync or commit before open fails as a TargetError io, as a disk would, not a plain Error', async () => {
    const target = new MemoryTarget('never-opened')
    const isIo = (e: unknown) => e instanceof TargetError && e.kind === 'io'
    await assert.rejects(target.sync(), isIo)
    await assert.rejects(target.commit(), isIo)
  })

  it('refuses writes outside the object', async () => {
    const target = new MemoryTarget('c')
    await target.open({ size: 2, resume: false })
    await assert.rejects(target.write(1, new Uint8Array(2)), TargetError)
  })

  it('refuses an existing destination (exists, remedy overwrite) unless overwriting', async () => {
    const volume = new MemoryVolume()
    volume.setFile('d', new Uint8Array([1]))
    await assert.rejects(
      new MemoryTarget('d', { volume }).open({ size: 1, resume: false }),
      (e: unknown) =>
        e instanceof TargetError && e.kind === 'exists' && e.remedies?.join() === 'overwrite',
    )
    await new MemoryTarget('d', { volume, overwrite: true }).open({ size: 1, resume: false })
  })

  it('reports resumed: false when there is nothing to reopen', async () => {
    assert.deepEqual(await new MemoryTarget('e').open({ size: 3, resume: true }), {
      resumed: false,
    })
  })
})

describe('MemoryCheckpointStore', () => {
  it('round-trips copies, replaces whole values and removes idempotently', async () => {
    const store = new MemoryCheckpointStore()
    assert.equal(await store.load('k'), undefined)
    const data = new Uint8Array([1, 2, 3])
    await store.save('k', data)
    data[0] = 9
    assert.deepEqual(await store.load('k'), new Uint8Array([1, 2, 3]))
    await store.save('k', new Uint8Array([4]))
    assert.deepEqual(await store.load('k'), new Uint8Array([4]))
    await store.remove('k')
    await store.remove('k')
    assert.equal(await store.load('k'), undefined)
  })
})

describe('MemoryBatchJournalStore', () => {
  it('loads appends in order as one copy, tears and flips across them, and forgets on remove', async () => {
    const journal = new MemoryBatchJournalStore()
    assert.equal(await journal.load(), undefined)
    const first = new Uint8Array([1, 2, 3])
    await journal.append(first)
    first[0] = 9 // the store kept its own copy
    await journal.append(new Uint8Array([4, 5]))
    await journal.append(new Uint8Array([6]))
    assert.equal(journal.appends, 3)
    const loaded = (await journal.load()) as Uint8Array
    assert.deepEqual(loaded, new Uint8Array([1, 2, 3, 4, 5, 6]))
    loaded[0] = 7 // a copy: the journal is unchanged
    journal.tearLastAppend(2)
    await journal.append(new Uint8Array([8]))
    journal.flipByte(1)
    assert.deepEqual(await journal.load(), new Uint8Array([1, 2 ^ 0xff, 3, 4, 8]))
    await journal.save(new Uint8Array([5]))
    assert.deepEqual(await journal.load(), new Uint8Array([5]))
    await journal.remove()
    assert.equal(journal.exists, false)
    assert.equal(await journal.load(), undefined)
  })
})
