import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type BatchObjectIO, downloadMany } from '@resumable/core'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'

/**
 * Runs `body` while counting the `then` calls each promise receives (`Promise.race`, `.catch`,
 * `.finally` and `Promise.all` subscribe through it; `await` does not); returns the most any one
 * promise received. Each call is a reaction the promise keeps until it settles.
 */
async function mostSubscriptions(body: () => Promise<unknown>): Promise<number> {
  const proto = Promise.prototype
  const original = Object.getOwnPropertyDescriptor(proto, 'then') as PropertyDescriptor
  const then = proto.then
  const counts = new WeakMap<object, number>()
  let most = 0
  function counting(this: Promise<unknown>, ...args: Parameters<typeof then>) {
    const count = (counts.get(this) ?? 0) + 1
    counts.set(this, count)
    most = Math.max(most, count)
    return then.apply(this, args)
  }
  Object.defineProperty(proto, 'then', { ...original, value: counting })
  try {
    await body()
  } finally {
    Object.defineProperty(proto, 'then', original)
  }
  return most
}

describe('batch admission', () => {
  it('an object still running is not subscribed to again for every object admitted after it', async () => {
    const SMALL = 150
    const bucket = new FakeBucket()
    bucket.put('data/long', 1024)
    for (let i = 0; i < SMALL; i++) bucket.put(`data/small-${i}`, 64)
    // The long object's read is held until every small one is done: it stays in flight while
    // all of them are admitted.
    let releaseLong = (): void => undefined
    const longHeld = new Promise<void>((resolve) => {
      releaseLong = resolve
    })
    bucket.beforeBody = async (key) => {
      if (key === 'data/long') await longHeld
    }
    const dest = new MemoryDestination(bucket)
    // Commits that take a moment, as an fsync does, so the objects open at once reach the
    // admission limit (openObjectLimit) and admission has to wait for one to leave.
    const open = (...args: Parameters<MemoryDestination['open']>): BatchObjectIO => {
      const io = dest.open(...args)
      return {
        ...io,
        target: (options) => {
          const target = io.target(options)
          const commit = target.commit.bind(target)
          target.commit = async () => {
            await new Promise((resolve) => setTimeout(resolve, 1))
            return commit()
          }
          return target
        },
      }
    }
    let smallDone = 0
    const most = await mostSubscriptions(() =>
      downloadMany({
        ...dest.batchOptions(),
        open,
        concurrency: 2,
        onEvent(event) {
          if (event.type === 'object-done' && event.key !== 'data/long' && ++smallDone === SMALL)
            releaseLong()
        },
      }).then((summary) => assert.equal(summary.downloaded, SMALL + 1)),
    )
    assert.equal(smallDone, SMALL)
    assert.deepEqual(dest.file('long'), bucket.objects.get('data/long')?.bytes)
    // Before, the long object's task got one per admission that had to wait: well over 100.
    assert.ok(most < 10, `one promise was subscribed to ${most} times`)
  })
})
