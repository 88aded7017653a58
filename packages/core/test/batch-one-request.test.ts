import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type BatchEvent,
  type BatchObjectIO,
  type BatchOptions,
  type CheckpointStore,
  downloadMany,
  type Target,
} from '@resumable/core'
import { MemoryBatchJournalStore } from '@resumable/store-memory'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'
import { forwarding } from './helpers/forwarding-target.ts'

const KiB = 1024

function bucketOf(n: number, size = 4 * KiB): FakeBucket {
  const bucket = new FakeBucket()
  bucket.wholeReads = true
  for (let i = 0; i < n; i++) bucket.put(`data/${String(i).padStart(3, '0')}.bin`, size + i)
  return bucket
}

/** How a test stands between the batch and the store's target of each object. */
type WrapTarget = (
  key: string,
  made: Target,
  options: Parameters<BatchObjectIO['target']>[0],
) => Target

async function run(
  bucket: FakeBucket,
  listing = bucket.listing(),
  settings: {
    download?: BatchOptions['download']
    target?: WrapTarget
    checkpoint?: (key: string, made: CheckpointStore) => CheckpointStore
  } = {},
) {
  const dest = new MemoryDestination(bucket)
  const events: BatchEvent[] = []
  const { target: wrap, checkpoint: wrapCheckpoint } = settings
  const summary = await downloadMany({
    id: 'fake://bucket/data/ → /dest',
    prefix: 'data/',
    objects: listing,
    open: (location, object) => {
      const io = dest.open(location, object)
      const store = io.checkpoint
      return {
        ...io,
        ...(wrap && { target: (options) => wrap(object.key, io.target(options), options) }),
        ...(wrapCheckpoint && store && { checkpoint: wrapCheckpoint(object.key, store) }),
      }
    },
    journal: new MemoryBatchJournalStore(),
    concurrency: 4,
    download: { partSize: 256 * KiB, retryBaseDelayMs: 1, ...settings.download },
    onEvent: (e) => events.push(e),
  })
  return { dest, events, summary }
}

describe('downloadMany: listed objects that fit in one request', () => {
  it('fetches each with exactly one request (no stat) and still verifies its CRC-64', async () => {
    const bucket = bucketOf(30)
    const { dest, events, summary } = await run(bucket)
    assert.equal(summary.ok, true)
    assert.equal(summary.downloaded, 30)
    for (const [key, o] of bucket.objects) {
      assert.equal(bucket.count(key), 1, `${key}: one request`)
      assert.deepEqual(dest.file(key.slice('data/'.length)), o.bytes)
    }
    const done = events.filter((e) => e.type === 'object-done')
    assert.equal(done.length, 30)
    for (const e of done) assert.equal(e.result.verification.method, 'crc64xz')
    assert.equal(dest.checkpoints.saves, 0, 'no part checkpoint is ever written for them')
  })

  it('an object overwritten between listing and GET is fetched whole in its new version and reported as changed since listing', async () => {
    const bucket = bucketOf(5)
    const listing = bucket.listing()
    bucket.put('data/002.bin', 9 * KiB + 3)
    const { dest, summary } = await run(bucket, listing)
    assert.equal(summary.ok, true)
    assert.deepEqual(summary.changedSinceListing, ['data/002.bin'])
    assert.deepEqual(dest.file('002.bin'), bucket.objects.get('data/002.bin')?.bytes)
    // The GET If-Match the listed ETag is refused (412); stat and a read fetch the new version.
    assert.equal(bucket.count('data/002.bin'), 3)
    assert.equal(bucket.count('data/001.bin'), 1)
  })

  it('a body cut mid-way is resumed by a ranged read of the rest, not fetched again from byte 0', async () => {
    const bucket = bucketOf(6)
    bucket.cutWholeAfter = 1000
    const { dest, summary, events } = await run(bucket)
    assert.equal(summary.ok, true)
    for (const [key, o] of bucket.objects) {
      assert.deepEqual(dest.file(key.slice('data/'.length)), o.bytes, key)
      assert.equal(bucket.count(key), 2, `${key}: the cut GET, then one read of the rest`)
    }
    const fetched = events
      .filter((e) => e.type === 'object-done')
      .reduce((n, e) => n + e.result.fetchedBytes, 0)
    const total = [...bucket.objects.values()].reduce((n, o) => n + o.bytes.length, 0)
    assert.equal(fetched, total, 'no byte fetched twice')
  })

  it('an object larger than one request keeps stat + ranged parts', async () => {
    const bucket = bucketOf(2)
    bucket.put('data/big.bin', 1024 * KiB)
    const { dest, summary } = await run(bucket)
    assert.equal(summary.ok, true)
    assert.equal(bucket.count('data/big.bin'), 1 + 4, 'one stat and four 256 KiB parts')
    assert.deepEqual(dest.file('big.bin'), bucket.objects.get('data/big.bin')?.bytes)
  })
})

describe('downloadMany: objects listed without a size (the lines of a manifest)', () => {
  const sizeless = (bucket: FakeBucket) =>
    bucket.listing().map(({ size: _, ...unsized }) => unsized)

  it('a small one comes in one request: its whole answer is the stat and the bytes', async () => {
    const bucket = bucketOf(12)
    const { dest, summary } = await run(bucket, sizeless(bucket))
    assert.equal(summary.ok, true)
    assert.equal(summary.downloaded, 12)
    for (const [key, o] of bucket.objects) {
      assert.equal(bucket.count(key), 1, `${key}: one request, no stat before it`)
      assert.deepEqual(dest.file(key.slice('data/'.length)), o.bytes)
    }
  })

  it("a larger one takes its whole answer's headers as the stat, then ranged parts", async () => {
    const bucket = bucketOf(1)
    bucket.put('data/big.bin', 1024 * KiB)
    const { dest, summary } = await run(bucket, sizeless(bucket))
    assert.equal(summary.ok, true)
    assert.equal(bucket.count('data/big.bin'), 1 + 4, 'the whole read, then four 256 KiB parts')
    assert.deepEqual(
      bucket.heads.filter((h) => h.endsWith('big.bin')),
      ['whole data/big.bin'],
      'no stat: the whole read stood for it',
    )
    assert.deepEqual(dest.file('big.bin'), bucket.objects.get('data/big.bin')?.bytes)
  })
})

describe('downloadMany: where one-request objects keep their temporary data', () => {
  /** Two objects under the 256 KiB threshold the tests set, one over it. */
  const twoSmallOneBig = (): FakeBucket => {
    const bucket = new FakeBucket()
    bucket.wholeReads = true
    bucket.put('data/small-a.bin', 4 * KiB)
    bucket.put('data/small-b.bin', 8 * KiB)
    bucket.put('data/big.bin', 600 * KiB)
    return bucket
  }

  it('asks the store for a run-private target (singleRequest) only for objects that fit in one request', async () => {
    const bucket = twoSmallOneBig()
    const asked = new Map<string, boolean | undefined>()
    const { dest, summary } = await run(bucket, undefined, {
      download: { singleRequestThreshold: 256 * KiB },
      target: (key, made, options) => {
        asked.set(key, options.singleRequest)
        return made
      },
    })
    assert.equal(summary.ok, true)
    assert.deepEqual(Object.fromEntries(asked), {
      'data/small-a.bin': true,
      'data/small-b.bin': true,
      'data/big.bin': false,
    })
    assert.deepEqual(dest.file('big.bin'), bucket.objects.get('data/big.bin')?.bytes)
  })

  it('an object listed without a size opens a run-private target and never writes a part checkpoint once its answer shows it fits (it only asks whether a killed run left one); a larger one opens the regular target and its checkpoint', async () => {
    const bucket = twoSmallOneBig()
    const opened = new Map<string, boolean | undefined>()
    const checkpointCalls = new Map<string, string[]>()
    const sizeless = bucket.listing().map(({ size: _, ...unsized }) => unsized)
    const { dest, summary } = await run(bucket, sizeless, {
      download: { singleRequestThreshold: 256 * KiB },
      target: (key, made, options) =>
        forwarding(made, {
          open(o) {
            opened.set(key, options.singleRequest)
            return made.open(o)
          },
        }),
      checkpoint: (key, store) => {
        const calls: string[] = []
        checkpointCalls.set(key, calls)
        const called = <T>(name: string, result: T): T => {
          calls.push(name)
          return result
        }
        return {
          load: (k) => called('load', store.load(k)),
          save: (k, data) => called('save', store.save(k, data)),
          remove: (k) => called('remove', store.remove(k)),
        }
      },
    })
    assert.equal(summary.ok, true)
    assert.deepEqual(Object.fromEntries(opened), {
      'data/small-a.bin': true,
      'data/small-b.bin': true,
      'data/big.bin': false,
    })
    // One load, before the download: whether a killed run was fetching it in parts.
    assert.deepEqual(checkpointCalls.get('data/small-a.bin'), ['load'])
    assert.deepEqual(checkpointCalls.get('data/small-b.bin'), ['load'])
    const big = checkpointCalls.get('data/big.bin') ?? []
    assert.deepEqual([big[0], big.at(-1)], ['load', 'remove'], big.join(' '))
    for (const [key, o] of bucket.objects)
      assert.deepEqual(dest.file(key.slice('data/'.length)), o.bytes, key)
  })
})

describe('downloadMany: an object listed without a size that fits in one request', () => {
  it('runs as a download without a checkpoint store: no checkpoint-saved, no sync before its commit', async () => {
    const bucket = new FakeBucket()
    bucket.wholeReads = true
    bucket.put('data/slow.bin', 8 * KiB)
    const sizeless = bucket.listing().map(({ size: _, ...unsized }) => unsized)
    const calls: string[] = []
    const { dest, events, summary } = await run(bucket, sizeless, {
      // Dozens of 2 ms checkpoint intervals pass while the one write waits.
      download: { singleRequestThreshold: 256 * KiB, checkpointIntervalMs: 2 },
      target: (_key, made) =>
        forwarding(made, {
          async write(offset, data) {
            await new Promise((resolve) => setTimeout(resolve, 60))
            return made.write(offset, data)
          },
          sync() {
            calls.push('sync')
            return made.sync()
          },
          commit() {
            calls.push('commit')
            return made.commit()
          },
        }),
    })
    assert.equal(summary.ok, true)
    assert.deepEqual(dest.file('slow.bin'), bucket.objects.get('data/slow.bin')?.bytes)
    const saved = events.filter(
      (e) => e.type === 'object-event' && e.event.type === 'checkpoint-saved',
    )
    assert.deepEqual(saved, [], 'checkpoint-saved named durable bytes that no checkpoint holds')
    assert.deepEqual(calls, ['commit'], 'a checkpoint tick synced the file before its commit')
  })
})

describe("downloadMany: the store's target, whole", () => {
  it("hands body chunks to a target's gather write (writeChunks), for one-request and ranged objects alike", async () => {
    const bucket = bucketOf(3)
    bucket.put('data/big.bin', 1024 * KiB)
    const gathered = new Map<string, number>()
    const { dest, summary } = await run(bucket, undefined, {
      target: (key, inner) =>
        forwarding(inner, {
          async writeChunks(offset, chunks) {
            for (const chunk of chunks) {
              await inner.write(offset, chunk)
              offset += chunk.length
              gathered.set(key, (gathered.get(key) ?? 0) + chunk.length)
            }
          },
        }),
    })
    assert.equal(summary.ok, true)
    for (const [key, o] of bucket.objects) {
      assert.equal(gathered.get(key), o.bytes.length, `${key}: every byte through writeChunks`)
      assert.deepEqual(dest.file(key.slice('data/'.length)), o.bytes, key)
    }
  })
})
