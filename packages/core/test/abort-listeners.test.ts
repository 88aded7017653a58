import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { download, downloadMany } from '@resumable/core'
import { MemoryBatchJournalStore } from '@resumable/store-memory'
import { makeObject } from '@resumable/testkit'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'
import { setup } from './helpers/harness.ts'

/**
 * Runs `body` while counting the 'abort' listeners registered on each signal at once; returns the
 * most any one signal held. Node warns of a leak on the user's terminal past 10.
 */
async function mostAbortListeners(body: () => Promise<unknown>): Promise<number> {
  const proto = EventTarget.prototype
  const add = proto.addEventListener
  const remove = proto.removeEventListener
  const live = new WeakMap<object, Set<unknown>>()
  let most = 0
  proto.addEventListener = function (this: EventTarget, type: string, listener, options) {
    if (type === 'abort' && listener) {
      const set = live.get(this) ?? new Set()
      live.set(this, set)
      set.add(listener)
      most = Math.max(most, set.size)
      // A `once` listener leaves when the signal aborts: forget it then too.
      if (typeof options === 'object' && options?.once)
        add.call(this, 'abort', () => set.delete(listener), { once: true })
    }
    return add.call(this, type, listener, options)
  }
  proto.removeEventListener = function (this: EventTarget, type: string, listener, options) {
    if (type === 'abort') live.get(this)?.delete(listener)
    return remove.call(this, type, listener, options)
  }
  try {
    await body()
  } finally {
    proto.addEventListener = add
    proto.removeEventListener = remove
  }
  return most
}

describe('abort listeners', () => {
  it('stay under Node’s warning limit on every signal at concurrency 32, with every part retried once', async () => {
    const object = makeObject(64 * 100 * 1024)
    const base = setup(object)
    // Every part's first read drops: 32 workers back off and retry at the same time.
    const failed = new Set<number>()
    base.transport.fault = ({ start }) => {
      if (failed.has(start)) return undefined
      failed.add(start)
      return { type: 'reset', afterBytes: 1000 }
    }
    const most = await mostAbortListeners(() =>
      download(base.options({ concurrency: 32, retries: 3 })),
    )
    assert.deepEqual(base.target.committed, object.bytes)
    // The engine listens to its run signal: a spy that saw nothing would prove nothing.
    assert.ok(most >= 1, 'no abort listener was seen')
    assert.ok(most <= 4, `one signal held ${most} abort listeners at once`)
  })

  it('stay under Node’s warning limit in a batch of 200 small objects at concurrency 32, paused in the middle', async () => {
    const bucket = new FakeBucket()
    for (let i = 0; i < 200; i++) bucket.put(`data/${String(i).padStart(3, '0')}.bin`, 4096)
    // Reads that take a while: 32 objects are in flight at once.
    bucket.readDelayMs = 5
    const dest = new MemoryDestination(bucket)
    const options = {
      id: 'fake://bucket/data/ → /dest',
      prefix: 'data/',
      objects: bucket.listing(),
      open: dest.open,
      journal: new MemoryBatchJournalStore(),
      concurrency: 32,
    }
    const pause = new AbortController()
    let pausedRun: unknown
    const most = await mostAbortListeners(async () => {
      setTimeout(() => pause.abort(), 20)
      pausedRun = await downloadMany({ ...options, signal: pause.signal }).catch((e) => e)
      // The rerun finishes the batch; a pause must have reached objects in flight.
      const summary = await downloadMany(options)
      assert.equal(summary.ok, true)
    })
    assert.equal((pausedRun as { kind?: string }).kind, 'paused')
    assert.ok(bucket.maxInFlight > 10, `only ${bucket.maxInFlight} reads were in flight at once`)
    assert.ok(most >= 1, 'no abort listener was seen')
    assert.ok(most <= 4, `one signal held ${most} abort listeners at once`)
  })
})
