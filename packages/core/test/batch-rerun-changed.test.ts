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
