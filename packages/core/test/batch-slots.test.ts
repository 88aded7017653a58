import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type BatchOptions,
  type BatchSummary,
  download,
  downloadMany,
  OptionsError,
  SlotPool,
} from '@resumable/core'
import { MemoryBatchJournalStore } from '@resumable/store-memory'
import { makeObject } from '@resumable/testkit'
import { openObjectLimit } from '../src/batch/run-batch.ts'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'
import { setup } from './helpers/harness.ts'

// How slots of one budget move between objects and parts. Each test holds some reads open until
// the event it is about happens (or a deadline passes, so the old behaviour fails instead of hanging).
const KiB = 1024
const HOLD_MS = 1500

/** A promise settled by `open()` or after HOLD_MS, whichever comes first; says which. */
function gate(): { wait: () => Promise<void>; open: () => void; openedInTime: () => boolean } {
  let open: () => void = () => undefined
  let late = false
  let inTime = false
  const opened = new Promise<void>((resolve) => {
    open = () => {
      inTime ||= !late
      resolve()
    }
  })
  const deadline = new Promise<void>((resolve) =>
    setTimeout(() => {
      late = true
      resolve()
    }, HOLD_MS).unref?.(),
  )
  return { wait: () => Promise.race([opened, deadline]), open, openedInTime: () => inTime }
}

/** A batch of every object under `data/`; checks it ended well, byte-identical, within the budget. */
async function batch(
  bucket: FakeBucket,
  concurrency: number,
  extra: Partial<BatchOptions> = {},
): Promise<BatchSummary> {
  const dest = new MemoryDestination(bucket)
  const summary = await downloadMany({
    ...dest.batchOptions(),
    concurrency,
    download: { partSize: 256 * KiB },
    ...extra,
  })
  assert.equal(summary.ok, true)
  for (const [key, o] of bucket.objects)
    assert.deepEqual(dest.file(key.slice('data/'.length)), o.bytes, `${key} is byte-identical`)
  assert.ok(bucket.maxInFlight <= concurrency, `at most ${concurrency} reads at once`)
  return summary
}

describe('one budget of slots for objects and parts', () => {
  it('a big object starts on the first free slot while the objects ahead of it still hold theirs', async () => {
    const bucket = new FakeBucket()
    for (const name of ['a-0', 'a-1', 'a-2']) bucket.put(`data/${name}`, KiB)
    bucket.put('data/b-big', 1024 * KiB) // 4 parts: it may use the whole budget of 4
    const bigStarted = gate()
    bucket.beforeBody = async (key) => {
      if (key === 'data/b-big') bigStarted.open()
      else await bigStarted.wait()
    }
    await batch(bucket, 4)
    assert.ok(
      bigStarted.openedInTime(),
      `the big object read nothing while 3 of 4 slots were busy (reads: ${bucket.reads.join(' ')})`,
    )
  })

  it('a worker with no part left gives its slot back: the next object starts while the last part is in flight', async () => {
    const bucket = new FakeBucket()
    bucket.put('data/a-big', 512 * KiB) // 2 parts, both slots of the budget
    bucket.put('data/b-small', KiB)
    const nextStarted = gate()
    bucket.beforeBody = async (key, start) => {
      if (key === 'data/b-small') nextStarted.open()
      else if (start > 0) await nextStarted.wait()
    }
    await batch(bucket, 2)
    assert.ok(
      nextStarted.openedInTime(),
      `b-small waited for a-big's last part (reads: ${bucket.reads.join(' ')})`,
    )
  })

  it('an object whose parts are all taken does not wait for a slot it no longer needs', async () => {
    const bucket = new FakeBucket()
    bucket.put('data/a-small', KiB)
    bucket.put('data/b-big', 768 * KiB) // 3 parts, wants 2 workers; one slot is held by a-small
    const bigDone = gate()
    bucket.beforeBody = async (key) => {
      if (key === 'data/a-small') await bigDone.wait()
    }
    const summary = await batch(bucket, 2, {
      onEvent: (e) => {
        if (e.type === 'object-done' && e.key === 'data/b-big') bigDone.open()
      },
    })
    assert.equal(summary.downloaded, 2)
    assert.ok(bigDone.openedInTime(), 'b-big finished while a-small still held its slot')
  })

  it('an object that is committing has given its slot to the next request; up to three times the budget more may be committing, no more', async () => {
    const bucket = new FakeBucket()
    for (let i = 0; i < 60; i++) bucket.put(`data/${String(i).padStart(2, '0')}`, 4 * KiB)
    const journal = new MemoryBatchJournalStore()
    journal.appendDelayMs = 10 // a slow journal fsync: each commit waits on it
    let open = 0
    let maxOpen = 0
    const summary = await batch(bucket, 2, {
      journal,
      onEvent: (e) => {
        if (e.type === 'object-start') maxOpen = Math.max(maxOpen, ++open)
        else if (e.type === 'object-done') open--
      },
    })
    assert.equal(summary.downloaded, 60)
    assert.ok(
      maxOpen > 2,
      `objects committing overlapped the next requests (${maxOpen} open at most)`,
    )
    assert.ok(maxOpen > 4, `more than twice the budget open while commits wait (${maxOpen})`)
    assert.ok(maxOpen <= 8, `at most the budget and three times it open, saw ${maxOpen}`)
    assert.equal(openObjectLimit(2), 8)
    assert.equal(
      openObjectLimit(1024),
      1024 + 256,
      'at most 256 committing: open files are bounded',
    )
  })

  it('an object overwritten mid-download restarts, takes its slots again from the pool, and the batch ends with every file and no request over the budget', async () => {
    const bucket = new FakeBucket()
    bucket.put('data/a-big', 1024 * KiB) // 4 parts
    for (let i = 0; i < 6; i++) bucket.put(`data/b-${i}`, KiB)
    let overwritten = false
    bucket.beforeBody = async (key, start) => {
      // The second part's read sees a new version: If-Match fails on the next part, the engine restarts.
      if (key === 'data/a-big' && start > 0 && !overwritten) {
        overwritten = true
        bucket.put('data/a-big', 1024 * KiB)
      }
    }
    const restarts: string[] = []
    const summary = await batch(bucket, 3, {
      download: { partSize: 256 * KiB, retryBaseDelayMs: 1, retryMaxDelayMs: 2 },
      onEvent: (e) => {
        if (e.type === 'object-event' && e.event.type === 'restart') restarts.push(e.key)
      },
    })
    assert.ok(overwritten, 'the big object was overwritten mid-download')
    assert.deepEqual(restarts, ['data/a-big'], 'it restarted once')
    assert.equal(summary.downloaded, 7)
  })

  it('downloads sharing one SlotPool never have more part requests in flight than it holds', async () => {
    const bucket = new FakeBucket()
    bucket.put('a', 2048 * KiB)
    bucket.put('b', 2048 * KiB)
    bucket.readDelayMs = 1
    const slots = new SlotPool(3)
    const runs = ['a', 'b'].map((key) => {
      const run = setup(makeObject(1, 1))
      return download(
        run.options({
          transport: bucket.transport(key),
          partSize: 256 * KiB,
          concurrency: 4,
          slots,
        }),
      ).then(() => run.volume.file('/dest/file.bin'))
    })
    const files = await Promise.all(runs)
    for (const [i, key] of ['a', 'b'].entries())
      assert.deepEqual(files[i], bucket.objects.get(key)?.bytes, `${key} is byte-identical`)
    assert.ok(bucket.maxInFlight >= 2, `both downloads ran at once (${bucket.maxInFlight})`)
    assert.ok(bucket.maxInFlight <= 3, `at most 3 reads at once, saw ${bucket.maxInFlight}`)
    assert.equal(slots.free, 3, 'every slot was given back')
  })

  it('a download waiting for a slot pauses at once; a slots value that is not a pool, and a pool of no slots, are refused', async () => {
    const run = setup(makeObject(512 * KiB, 2))
    const slots = new SlotPool(1)
    const held = await slots.acquire()
    const control = new AbortController()
    const paused = download(run.options({ slots, signal: control.signal }))
    let abortedAt = 0
    setTimeout(() => {
      abortedAt = performance.now()
      control.abort()
    }, 20)
    await assert.rejects(paused, { kind: 'paused' })
    const tookMs = performance.now() - abortedAt
    assert.ok(tookMs < 500, `paused ${tookMs.toFixed(0)} ms after the abort`)
    assert.equal(run.transport.reads.length, 0, 'no part was requested without a slot')
    held()
    assert.equal(slots.free, 1)
    await assert.rejects(
      download(run.options({ slots: { take: () => undefined } as never })),
      (e: unknown) => e instanceof OptionsError && e.option === 'slots',
    )
    for (const bad of [0, -1, 1.5, Number.NaN])
      assert.throws(
        () => new SlotPool(bad),
        (e: unknown) => e instanceof OptionsError && e.kind === 'invalid-options',
        String(bad),
      )
  })
})
