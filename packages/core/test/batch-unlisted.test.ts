import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type BatchEvent, downloadMany, type ListedObject } from '@resumable/core'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'

/** A batch over `listing` whose `removeUnlisted` records what it was asked and removes `gone`. */
async function run(
  listing: ListedObject[] | AsyncIterable<ListedObject>,
  options: {
    filter?: (o: ListedObject) => boolean
    failFast?: boolean
    shard?: { index: number; count: number }
  } = {},
) {
  const bucket = new FakeBucket()
  for (const key of ['p/a.txt', 'p/B.txt', 'p/dir', 'p/kept.txt']) bucket.put(key, 10)
  const dest = new MemoryDestination(bucket)
  const asked: string[][] = []
  const events: BatchEvent[] = []
  const summary = await downloadMany({
    id: 'b',
    prefix: 'p/',
    objects: listing,
    open: dest.open,
    ...options,
    onEvent: (e) => events.push(e),
    async removeUnlisted(listed) {
      const candidates = ['a.txt', 'b.txt', 'dir/file', 'kept.txt', 'gone.bin', 'sub/gone.bin']
      asked.push(candidates.filter((path) => !listed(path)))
      return ['gone.bin']
    },
  })
  return { summary, asked, events }
}

const objects = (...keys: string[]) => keys.map((key) => ({ key, size: 10 }))

describe('downloadMany: removeUnlisted', () => {
  it('after a whole listing, asks with every listed path (case-folded, collided, filtered, other shards) and reports what went', async () => {
    const listing = objects('p/B.txt', 'p/a.txt', 'p/b.txt', 'p/dir', 'p/dir/file', 'p/kept.txt')
    const { summary, asked, events } = await run(listing, {
      filter: (o) => o.key !== 'p/kept.txt',
      shard: { index: 0, count: 1 },
    })
    assert.deepEqual(asked, [['gone.bin', 'sub/gone.bin']])
    assert.deepEqual(summary.removedUnlisted, ['gone.bin'])
    assert.deepEqual(
      events.filter((e) => e.type === 'unlisted-removed'),
      [{ type: 'unlisted-removed', paths: ['gone.bin'] }],
    )
  })

  it('is not asked after failFast stopped the batch', async () => {
    const { summary, asked } = await run(objects('p/missing.bin', 'p/a.txt'), { failFast: true })
    assert.equal(summary.stoppedEarly, true)
    assert.deepEqual(asked, [])
    assert.deepEqual(summary.removedUnlisted, [])
  })

  it('is not asked when the listing failed before its end', async () => {
    async function* failing(): AsyncIterable<ListedObject> {
      yield { key: 'p/a.txt', size: 10 }
      throw new Error('the second page was refused')
    }
    const { summary, asked } = await run(failing())
    assert.ok(summary.listingFailure)
    assert.deepEqual(asked, [])
  })
})
