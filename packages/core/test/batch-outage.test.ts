import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type BatchEvent,
  downloadMany,
  type Lister,
  OptionsError,
  TransportError,
} from '@resumable/core'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'

const KiB = 1024
const MiB = 1024 * KiB

function bucketOf(n: number, size = 4 * KiB): FakeBucket {
  const bucket = new FakeBucket()
  for (let i = 0; i < n; i++) bucket.put(`data/${String(i).padStart(4, '0')}.bin`, size + i)
  return bucket
}

// Each object gives up after one retry, a few ms apart: an outage is seen within milliseconds.
const QUICK_RETRIES = { retries: 1, retryBaseDelayMs: 1, retryMaxDelayMs: 2 }

/** A Lister of `bucket` in pages of 10, each a request that gets no answer while the store is down. */
function pagesOfTen(bucket: FakeBucket): Lister {
  const listing = bucket.listing()
  return {
    async *list() {
      for (let at = 0; at < listing.length; at += 10) {
        if (bucket.unreachable)
          throw new TransportError('network', 'list: connect ECONNREFUSED 127.0.0.1:9')
        yield* listing.slice(at, at + 10)
      }
    },
  }
}

const ofType = <T extends BatchEvent['type']>(events: BatchEvent[], type: T) =>
  events.filter((e): e is Extract<BatchEvent, { type: T }> => e.type === type)

describe('a batch through a store that stops answering', () => {
  it('objects that got no answer during an outage wait, and are all downloaded when the store answers again', async () => {
    const bucket = bucketOf(60)
    const dest = new MemoryDestination(bucket)
    const events: BatchEvent[] = []
    let done = 0
    const summary = await downloadMany({
      ...dest.batchOptions(),
      concurrency: 4,
      download: QUICK_RETRIES,
      outageWaitMs: 60_000,
      onEvent(event) {
        events.push(event)
        if (event.type === 'object-done' && ++done === 10) bucket.cut(1500)
      },
    })
    assert.equal(summary.ok, true, JSON.stringify(summary.failures.map((f) => f.message)))
    assert.equal(ofType(events, 'object-failed').length, 0)
    for (const [key, o] of bucket.objects)
      assert.deepEqual(dest.file(key.slice('data/'.length)), o.bytes, `${key} is byte-identical`)
    const down = ofType(events, 'store-unreachable')
    assert.equal(down.length, 1)
    assert.equal(down[0]?.waitMs, 60_000)
    assert.equal(down[0]?.failure.kind, 'network')
    assert.equal(ofType(events, 'store-reachable').length, 1)
    assert.equal(ofType(events, 'store-given-up').length, 0)
    // While down, the batch tried one object now and then, not every object in turn.
    assert.ok(bucket.refusedWhenRestored > 0)
    assert.ok(
      bucket.refusedWhenRestored < 40,
      `${bucket.refusedWhenRestored} requests without an answer during a 1.5 s outage`,
    )
  })

  it('a listed batch: objects of a page already in memory are no answer, so an outage is seen once and ridden out', async () => {
    const bucket = bucketOf(60)
    const dest = new MemoryDestination(bucket)
    const events: BatchEvent[] = []
    let done = 0
    const listing = bucket.listing()
    const summary = await downloadMany({
      ...dest.batchOptions(),
      objects: {
        async *list() {
          yield* listing
        },
      },
      concurrency: 4,
      download: QUICK_RETRIES,
      onEvent(event) {
        events.push(event)
        if (event.type === 'object-done' && ++done === 10) bucket.cut(1000)
      },
    })
    assert.equal(summary.ok, true)
    assert.equal(ofType(events, 'store-unreachable').length, 1)
    assert.equal(ofType(events, 'store-reachable').length, 1)
  })

  it('a listing of many pages waits for a store that went down, rather than end the batch on a page it cannot get', async () => {
    const bucket = bucketOf(60)
    const dest = new MemoryDestination(bucket)
    const events: BatchEvent[] = []
    let done = 0
    const summary = await downloadMany({
      ...dest.batchOptions(),
      objects: pagesOfTen(bucket),
      concurrency: 2,
      download: QUICK_RETRIES,
      onEvent(event) {
        events.push(event)
        if (event.type === 'object-done' && ++done === 14) bucket.cut(800)
      },
    })
    assert.equal(summary.ok, true)
    assert.equal(summary.downloaded, 60)
    assert.equal(ofType(events, 'store-reachable').length, 1)
  })

  it('a listing of many pages whose store is given up ends in a summary: the objects listed fail by name, the listing failure says where it stopped', async () => {
    const bucket = bucketOf(60)
    const dest = new MemoryDestination(bucket)
    const events: BatchEvent[] = []
    let done = 0
    const summary = await downloadMany({
      ...dest.batchOptions(),
      objects: pagesOfTen(bucket),
      concurrency: 2,
      download: QUICK_RETRIES,
      outageWaitMs: 600,
      onEvent(event) {
        events.push(event)
        if (event.type === 'object-done' && ++done === 14) bucket.unreachable = true
      },
    })
    assert.equal(summary.ok, false)
    assert.equal(ofType(events, 'store-given-up').length, 1)
    assert.equal(summary.listingFailure?.kind, 'network')
    assert.match(summary.listingFailure?.message ?? '', /list: connect ECONNREFUSED/)
    // The pages listed before: each of their objects downloaded or failed by name; none after.
    const listed = summary.downloaded + summary.failures.length
    assert.equal(listed % 10, 0, `${listed} objects accounted for`)
    assert.equal(summary.listingFailure?.afterKey, bucket.listing()[listed - 1]?.key)
    assert.ok(summary.failures.length > 0)
  })

  it('bytes of a request sent before the outage, arriving during it, do not make the store count as answering', async () => {
    const bucket = bucketOf(30)
    // Its body keeps coming through the outage, as data in flight at a cut does.
    bucket.put('data/slow.bin', 2 * MiB)
    bucket.readDelayMs = 25
    const dest = new MemoryDestination(bucket)
    const reachableWhileCut: string[] = []
    let done = 0
    const summary = await downloadMany({
      ...dest.batchOptions(),
      concurrency: 4,
      download: QUICK_RETRIES,
      onEvent(event) {
        if (event.type === 'store-reachable' && bucket.unreachable) reachableWhileCut.push('yes')
        if (event.type === 'object-done' && ++done === 3) bucket.cut(1000)
      },
    })
    assert.equal(summary.ok, true, JSON.stringify(summary.failures.map((f) => f.message)))
    assert.deepEqual(reachableWhileCut, [])
  })

  it('a store that never answered is given up at once: every object fails, almost all without a request', async () => {
    const bucket = bucketOf(300)
    bucket.unreachable = true
    const dest = new MemoryDestination(bucket)
    const events: BatchEvent[] = []
    const summary = await downloadMany({
      ...dest.batchOptions(),
      concurrency: 4,
      download: QUICK_RETRIES,
      onEvent: (event) => events.push(event),
    })
    assert.equal(summary.ok, false)
    assert.equal(summary.failures.length, 300)
    assert.equal(ofType(events, 'store-unreachable')[0]?.waitMs, 0)
    const givenUp = ofType(events, 'store-given-up')
    assert.equal(givenUp.length, 1)
    assert.match(givenUp[0]?.message ?? '', /did not answer any request of this run.*ECONNREFUSED/)
    const notTried = summary.failures.filter((f) => f.message.startsWith('not tried: '))
    assert.ok(notTried.length >= 290, `${notTried.length} of 300 failed without a request`)
    assert.ok(notTried.every((f) => f.kind === 'network' && f.path !== undefined))
    // The objects in flight when it was given up, each with its own retries: nowhere near 300 × 2.
    assert.ok(bucket.refused <= 4 * 2 * 2, `${bucket.refused} requests`)
    assert.equal(dest.volume.file('/dest/0000.bin'), undefined)
  })

  it('a store down for longer than the wait is given up: waiting objects fail with their own errors, later ones without a request', async () => {
    const bucket = bucketOf(40)
    const dest = new MemoryDestination(bucket)
    const events: BatchEvent[] = []
    let done = 0
    const summary = await downloadMany({
      ...dest.batchOptions(),
      concurrency: 2,
      download: QUICK_RETRIES,
      outageWaitMs: 1200,
      onEvent(event) {
        events.push(event)
        if (event.type === 'object-done' && ++done === 5) bucket.unreachable = true
      },
    })
    assert.equal(summary.ok, false)
    // Objects whose request was answered before the store went down finish.
    assert.ok(
      summary.downloaded >= 5 && summary.downloaded <= 9,
      `${summary.downloaded} downloaded`,
    )
    const failed = 40 - summary.downloaded
    assert.equal(summary.failures.length, failed)
    const givenUp = ofType(events, 'store-given-up')
    assert.equal(givenUp.length, 1)
    assert.ok((givenUp[0]?.downMs ?? 0) >= 1200)
    assert.match(givenUp[0]?.message ?? '', /stopped answering and did not answer for 1 s/)
    const own = summary.failures.filter((f) => f.message === 'connect ECONNREFUSED 127.0.0.1:9')
    assert.ok(own.length >= 2, 'the objects that were tried fail with their own error')
    const notTried = summary.failures.filter((f) => f.message.startsWith('not tried: '))
    assert.equal(own.length + notTried.length, failed)
    // Probes were made during the wait.
    assert.ok(bucket.refused > own.length * 2)
  })

  it('an object that alone got no answer is tried again while the store answers the others', async () => {
    const bucket = bucketOf(20)
    bucket.refuseOnce.add('data/0003.bin')
    const dest = new MemoryDestination(bucket)
    const events: BatchEvent[] = []
    const summary = await downloadMany({
      ...dest.batchOptions(),
      concurrency: 3,
      download: { retries: 0 },
      onEvent: (event) => events.push(event),
    })
    assert.equal(summary.ok, true)
    assert.equal(bucket.refused, 1)
    assert.deepEqual(dest.file('0003.bin'), bucket.objects.get('data/0003.bin')?.bytes)
    assert.equal(ofType(events, 'store-unreachable').length, 0)
    assert.equal(ofType(events, 'object-start').filter((e) => e.key === 'data/0003.bin').length, 2)
  })

  it('a dead origin among several is given up alone: the other origin’s objects are all downloaded', async () => {
    const bucket = bucketOf(60)
    const dead = (key: string) => Number(key.slice(5, 9)) < 30
    bucket.unreachable = dead
    const dest = new MemoryDestination(bucket)
    const events: BatchEvent[] = []
    const summary = await downloadMany({
      ...dest.batchOptions(),
      objects: bucket
        .listing()
        .map((o) => ({ ...o, origin: dead(o.key) ? 'http://down.example' : 'http://up.example' })),
      concurrency: 4,
      download: QUICK_RETRIES,
      onEvent: (event) => events.push(event),
    })
    assert.equal(summary.downloaded, 30)
    assert.equal(summary.failures.length, 30)
    assert.ok(summary.failures.every((f) => dead(f.key)))
    assert.deepEqual(
      ofType(events, 'store-given-up').map((e) => e.origin),
      ['http://down.example'],
    )
  })

  it('a big object cut off by three outages resumes from its parts each time the store answers again', async () => {
    const bucket = new FakeBucket()
    bucket.put('data/big.bin', 4 * MiB)
    bucket.put('data/small.bin', 10 * KiB)
    bucket.readDelayMs = 2
    const dest = new MemoryDestination(bucket)
    const events: BatchEvent[] = []
    let partsDone = 0
    const summary = await downloadMany({
      ...dest.batchOptions(),
      concurrency: 2,
      download: { ...QUICK_RETRIES, partSize: 256 * KiB },
      onEvent(event) {
        events.push(event)
        if (event.type !== 'object-event' || event.event.type !== 'part-done') return
        // The first object to go unanswered in each outage is the big one itself.
        if (++partsDone % 4 === 0 && partsDone <= 12 && !bucket.unreachable) bucket.cut(400)
      },
    })
    assert.equal(summary.ok, true, JSON.stringify(summary.failures.map((f) => f.message)))
    assert.deepEqual(dest.file('big.bin'), bucket.objects.get('data/big.bin')?.bytes)
    assert.equal(ofType(events, 'store-reachable').length, 3)
    const done = ofType(events, 'object-done').find((e) => e.key === 'data/big.bin')
    assert.ok((done?.result.resumedBytes ?? 0) >= 8 * 256 * KiB, 'resumed from its finished parts')
  })

  it('an object whose GET alone never gets an answer while its HEAD does fails after two more tries, not forever', async () => {
    const bucket = bucketOf(2)
    const dest = new MemoryDestination(bucket)
    const starts: string[] = []
    const summary = await downloadMany({
      ...dest.batchOptions(),
      open: (location, object) => {
        const io = dest.open(location, object)
        if (object.key !== 'data/0000.bin') return io
        const { transport } = io
        return {
          ...io,
          transport: {
            id: transport.id,
            stat: (request) => transport.stat(request),
            read: async () => {
              throw new TransportError('network', 'socket hang up')
            },
          },
        }
      },
      concurrency: 2,
      download: QUICK_RETRIES,
      onEvent: (event) => {
        if (event.type === 'object-start') starts.push(event.key)
      },
    })
    assert.equal(summary.downloaded, 1)
    assert.deepEqual(
      summary.failures.map((f) => [f.key, f.message]),
      [['data/0000.bin', 'socket hang up']],
    )
    assert.equal(starts.filter((key) => key === 'data/0000.bin').length, 3)
  })

  it('a store answering HEADs (update) is not judged as one that never answered: a blip is ridden out', async () => {
    const bucket = bucketOf(30)
    const dest = new MemoryDestination(bucket)
    const name = (i: number) => `${String(i).padStart(4, '0')}.bin`
    // 20 files up to date; the listing gives no Last-Modified, so each is asked with a HEAD.
    for (let i = 0; i < 20; i++)
      dest.put(
        name(i),
        bucket.objects.get(`data/${name(i)}`)?.bytes as Uint8Array,
        Date.now() + 1e9,
      )
    const events: BatchEvent[] = []
    let skipped = 0
    const summary = await downloadMany({
      ...dest.batchOptions(),
      objects: bucket.listing().map(({ lastModified: _, ...object }) => object),
      update: true,
      concurrency: 2,
      outageWaitMs: 60_000,
      download: QUICK_RETRIES,
      onEvent(event) {
        events.push(event)
        if (event.type === 'object-skipped' && ++skipped === 10) bucket.cut(300)
      },
    })
    assert.equal(summary.ok, true, JSON.stringify(summary.failures.map((f) => f.message)))
    assert.equal(summary.downloaded, 10)
    assert.equal(ofType(events, 'store-given-up').length, 0)
    assert.ok(ofType(events, 'store-unreachable').every((e) => e.waitMs === 60_000))
  })

  it('a slow source: held objects are probed while the next object is awaited, and the store is not given up', async () => {
    const bucket = bucketOf(10)
    const dest = new MemoryDestination(bucket)
    const listing = bucket.listing()
    let firstDone = (): void => {}
    const first = new Promise<void>((resolve) => {
      firstDone = resolve
    })
    const source = (async function* () {
      yield* listing.slice(0, 1)
      await first
      bucket.unreachable = true
      setTimeout(() => {
        bucket.unreachable = false
      }, 200)
      yield* listing.slice(1, 3)
      // The producer then takes longer than the whole wait.
      await new Promise((resolve) => setTimeout(resolve, 2000))
      yield* listing.slice(3)
    })()
    const events: BatchEvent[] = []
    const summary = await downloadMany({
      ...dest.batchOptions(),
      objects: source,
      concurrency: 2,
      outageWaitMs: 1500,
      download: QUICK_RETRIES,
      onEvent(event) {
        events.push(event)
        if (event.type === 'object-done' && event.key === listing[0]?.key) firstDone()
      },
    })
    assert.equal(summary.ok, true, JSON.stringify(summary.failures.map((f) => f.message)))
    assert.equal(summary.downloaded, 10)
    assert.equal(ofType(events, 'store-reachable').length, 1)
  })

  it('refuses a negative or fractional outageWaitMs', () => {
    const dest = new MemoryDestination(bucketOf(1))
    for (const outageWaitMs of [-1, 1.5, Number.NaN])
      assert.throws(
        () => downloadMany({ ...dest.batchOptions(), outageWaitMs }),
        (error: unknown) => error instanceof OptionsError && /outageWaitMs/.test(error.message),
      )
  })
})
