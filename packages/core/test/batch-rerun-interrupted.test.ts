import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type BatchEvent, createBatch, downloadMany } from '@resumable/core'
import { MemoryBatchJournalStore } from '@resumable/store-memory'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'

const KiB = 1024
const KEY = 'data/big.bin'

/**
 * A batch of one 1 MiB object fetched in 256 KiB parts, paused once `durable` bytes of it are in
 * its checkpoint: what a killed run leaves (the memory stores keep what a pause keeps).
 */
async function interrupted(durable: number) {
  const bucket = new FakeBucket()
  bucket.wholeReads = true
  bucket.put(KEY, 1024 * KiB + 3)
  bucket.readDelayMs = 2
  const dest = new MemoryDestination(bucket)
  const journal = new MemoryBatchJournalStore()
  const base = { ...dest.batchOptions(), journal, concurrency: 2 }
  const control = new AbortController()
  const first = createBatch({
    ...base,
    signal: control.signal,
    download: { partSize: 256 * KiB, checkpointIntervalMs: 1 },
  })
  first.on('object-event', ({ event }) => {
    if (event.type === 'checkpoint-saved' && event.durableBytes >= durable) control.abort()
  })
  await assert.rejects(first.start(), { kind: 'paused' })
  assert.equal(dest.checkpoints.keys().length, 1, 'the paused run left its part checkpoint')
  bucket.readDelayMs = 0
  bucket.reads.length = 0
  return { bucket, dest, base }
}

describe('downloadMany: a rerun of an object a killed run was fetching in parts', () => {
  it('resumes it from its checkpoint when it now fits in one request (a larger part size), and leaves no checkpoint behind', async () => {
    const { bucket, dest, base } = await interrupted(256 * KiB)
    const events: BatchEvent[] = []
    // The default part size (8 MiB) makes the object fit in one request.
    const summary = await downloadMany({
      ...base,
      objects: bucket.listing(),
      onEvent: (e) => events.push(e),
    })
    assert.equal(summary.ok, true)
    const start = events.find((e) => e.type === 'object-event' && e.event.type === 'start')
    assert.ok(start?.type === 'object-event' && start.event.type === 'start')
    assert.ok(start.event.resumedBytes >= 256 * KiB, `resumed ${start.event.resumedBytes} bytes`)
    assert.ok(
      !bucket.reads.includes(`${KEY}@0`),
      `the saved bytes were not fetched again: ${bucket.reads}`,
    )
    assert.ok(summary.fetchedBytes < 1024 * KiB + 3 - 256 * KiB + 1)
    assert.deepEqual(dest.file('big.bin'), bucket.objects.get(KEY)?.bytes)
    assert.deepEqual(dest.checkpoints.keys(), [], 'no part checkpoint is left')
  })

  it('discards its checkpoint with an event when the object shrank to fit in one request, fetches the new version, and leaves no checkpoint behind', async () => {
    const { bucket, dest, base } = await interrupted(256 * KiB)
    bucket.put(KEY, 100)
    const events: BatchEvent[] = []
    const summary = await downloadMany({
      ...base,
      objects: bucket.listing(),
      download: { partSize: 256 * KiB },
      onEvent: (e) => events.push(e),
    })
    assert.equal(summary.ok, true)
    const discarded = events.filter(
      (e) => e.type === 'object-event' && e.event.type === 'checkpoint-discarded',
    )
    assert.equal(discarded.length, 1, 'the stale checkpoint is discarded, and said so')
    assert.deepEqual(dest.file('big.bin'), bucket.objects.get(KEY)?.bytes)
    assert.deepEqual(dest.checkpoints.keys(), [], 'no part checkpoint is left')
  })
})
