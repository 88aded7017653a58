import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type BatchEvent, downloadMany, readBatchJournal } from '@resumable/core'
import { MemoryBatchJournalStore } from '@resumable/store-memory'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'

const KEY = 'data/config.json'

/** A finished batch of one object, its journal kept; then the object is replaced in the store. */
async function finishedThenReplaced(size: number) {
  const bucket = new FakeBucket()
  bucket.put(KEY, 64)
  const dest = new MemoryDestination(bucket)
  const journal = new MemoryBatchJournalStore()
  const base = { ...dest.batchOptions(), journal, keepJournal: true }
  await downloadMany(base)
  const old = dest.file('config.json')
  bucket.put(KEY, size)
  bucket.requests.clear()
  return { bucket, dest, base, journal, old }
}

describe('downloadMany: a finished object replaced in the store since', () => {
  for (const [what, size] of [
    ['the same size, another ETag', 64],
    ['another size', 80],
  ] as const)
    it(`overwrite fetches it again and replaces the file (${what})`, async () => {
      const { bucket, dest, base } = await finishedThenReplaced(size)
      const summary = await downloadMany({ ...base, objects: bucket.listing(), overwrite: true })
      assert.equal(summary.downloaded, 1)
      assert.deepEqual(dest.file('config.json'), bucket.objects.get(KEY)?.bytes)
    })

  it('without overwrite or update it is kept, skipped as done-but-changed with no request, and counted apart from done', async () => {
    const { bucket, dest, base, old } = await finishedThenReplaced(64)
    const events: BatchEvent[] = []
    const summary = await downloadMany({
      ...base,
      objects: bucket.listing(),
      onEvent: (e) => events.push(e),
    })
    assert.equal(summary.ok, true)
    assert.deepEqual(summary.skipped, { 'done-but-changed': 1 })
    const skipped = events.find((e) => e.type === 'object-skipped')
    assert.equal(skipped?.type === 'object-skipped' && skipped.reason, 'done-but-changed')
    assert.equal(bucket.count(KEY), 0)
    assert.deepEqual(dest.file('config.json'), old)
  })

  it('is plain done when the listing gives neither ETag nor size to compare (a manifest line)', async () => {
    const { bucket, base } = await finishedThenReplaced(80)
    const listing = bucket.listing().map(({ key }) => ({ key }))
    const summary = await downloadMany({ ...base, objects: listing, overwrite: true })
    assert.deepEqual(summary.skipped, { done: 1 })
    assert.equal(bucket.count(KEY), 0)
  })

  it('readBatchJournal agrees: no done record under replace, a changed one otherwise', async () => {
    const { bucket, base, journal } = await finishedThenReplaced(64)
    const view = await readBatchJournal(journal, base.id)
    const [object] = bucket.listing()
    assert.ok(object)
    assert.equal(view.done(object, 'config.json', true), undefined)
    assert.notEqual(view.done(object, 'config.json', false), undefined)
  })
})

describe('downloadMany with a range: the done records hold the slice', () => {
  /** A bucket of one 64-byte object and the options of a batch fetching its first 10 bytes. */
  function ranged() {
    const bucket = new FakeBucket()
    bucket.put(KEY, 64)
    const dest = new MemoryDestination(bucket)
    const base = {
      ...dest.batchOptions(),
      journal: new MemoryBatchJournalStore(),
      keepJournal: true,
      download: { range: { start: 0, end: 9 } },
    }
    return { bucket, dest, base }
  }

  it('a rerun of an unchanged object skips it as done, and overwrite does not fetch it again', async () => {
    const { bucket, dest, base } = ranged()
    assert.equal((await downloadMany(base)).downloaded, 1)
    assert.equal(dest.file('config.json')?.length, 10)
    bucket.requests.clear()
    assert.deepEqual((await downloadMany(base)).skipped, { done: 1 })
    const again = await downloadMany({ ...base, overwrite: true })
    assert.deepEqual(again.skipped, { done: 1 })
    assert.equal(bucket.count(KEY), 0)
  })

  it('with no ETag to compare, a replaced object of another size is still told apart', async () => {
    const { bucket, base } = ranged()
    await downloadMany(base)
    bucket.put(KEY, 5)
    const listing = bucket.listing().map(({ key, size }) => ({ key, size: size ?? 0 }))
    const summary = await downloadMany({ ...base, objects: listing })
    assert.deepEqual(summary.skipped, { 'done-but-changed': 1 })
  })

  it('a replaced object (another ETag) is still told apart: done-but-changed', async () => {
    const { bucket, base } = ranged()
    await downloadMany(base)
    bucket.put(KEY, 64)
    const summary = await downloadMany({ ...base, objects: bucket.listing() })
    assert.deepEqual(summary.skipped, { 'done-but-changed': 1 })
  })
})

describe('downloadMany: the byte total after a done-but-changed skip', () => {
  it('counts the file in place, not the listed size, so the last snapshot adds up', async () => {
    const { bucket, base } = await finishedThenReplaced(80)
    const summary = await downloadMany({ ...base, objects: bucket.listing() })
    assert.deepEqual(summary.skipped, { 'done-but-changed': 1 })
    assert.equal(summary.progress.bytesDone, 64)
    assert.equal(summary.progress.bytesTotal, 64)
  })
})
