import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type ByteLimit,
  download,
  downloadMany,
  RateLimiter,
  type ReadRequest,
  type ReadResponse,
  type Transport,
} from '@resumable/core'
import { type FakeTransport, makeObject } from '@resumable/testkit'
import { bothLimits } from '../src/rate-limiter.ts'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'
import { setup } from './helpers/harness.ts'

const KiB = 1024
const MiB = 1024 * KiB

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** FakeTransport's reads, counting the bodies open at once (a body is open until it ends). */
class CountingTransport implements Transport {
  readonly inner: FakeTransport
  readonly id: string
  open = 0
  mostOpen = 0

  constructor(inner: FakeTransport) {
    this.inner = inner
    this.inner.iterableBodies = true
    this.id = inner.id
  }

  stat() {
    return this.inner.stat()
  }

  async read(request: ReadRequest): Promise<ReadResponse> {
    const response = await this.inner.read(request)
    this.open++
    this.mostOpen = Math.max(this.mostOpen, this.open)
    const body = response.body as AsyncIterable<Uint8Array>
    const counted = async function* (this: CountingTransport) {
      try {
        yield* body
      } finally {
        this.open--
      }
    }.call(this)
    return { ...response, body: counted }
  }
}

describe('parts in flight under a rate limit', () => {
  it('at concurrency 8 under a 128 KiB/s limiter, at most 2 parts are in flight: each connection keeps the 64 KiB/s floor', async () => {
    const object = makeObject(8 * 100 * KiB, 11)
    const h = setup(object)
    const transport = new CountingTransport(h.transport)
    // The cap a limiter announces sets the connections; its waits are kept short for the test.
    const rateLimiter: ByteLimit = { bytesPerSecond: 128 * KiB, take: () => pause(1) }
    await download(h.options({ transport, concurrency: 8, rateLimiter }))
    assert.deepEqual(h.target.committed, object.bytes)
    assert.ok(transport.mostOpen <= 2, `${transport.mostOpen} parts in flight at once`)
    assert.equal(transport.mostOpen, 2)
  })

  it('a limit above concurrency × 64 KiB/s leaves concurrency as asked: 8 parts in flight at 64 MiB/s', async () => {
    const object = makeObject(8 * 100 * KiB, 12)
    const h = setup(object)
    const transport = new CountingTransport(h.transport)
    const rateLimiter: ByteLimit = { bytesPerSecond: 64 * MiB, take: () => pause(1) }
    await download(h.options({ transport, concurrency: 8, rateLimiter }))
    assert.deepEqual(h.target.committed, object.bytes)
    assert.equal(transport.mostOpen, 8)
  })

  it('a limit below the floor still fetches, on one connection', async () => {
    const object = makeObject(4 * 100 * KiB, 13)
    const h = setup(object)
    const transport = new CountingTransport(h.transport)
    const rateLimiter: ByteLimit = { bytesPerSecond: 1, take: async () => undefined }
    await download(h.options({ transport, concurrency: 8, rateLimiter }))
    assert.deepEqual(h.target.committed, object.bytes)
    assert.equal(transport.mostOpen, 1)
  })

  it('a RateLimiter announces its cap; two limits announce the smaller', () => {
    assert.equal(new RateLimiter(32 * KiB).bytesPerSecond, 32 * KiB)
    const custom: ByteLimit = { take: async () => undefined }
    assert.equal(
      bothLimits(new RateLimiter(MiB), new RateLimiter(10 * KiB))?.bytesPerSecond,
      10 * KiB,
    )
    assert.equal(bothLimits(custom, new RateLimiter(10 * KiB))?.bytesPerSecond, 10 * KiB)
    assert.equal(bothLimits(custom, custom)?.bytesPerSecond, undefined)
  })

  it('a custom limiter whose bytesPerSecond is not a positive number (its "unlimited") sets no floor: concurrency as asked', async () => {
    for (const bytesPerSecond of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const object = makeObject(8 * 100 * KiB, 14)
      const h = setup(object)
      const transport = new CountingTransport(h.transport)
      const rateLimiter: ByteLimit = { take: () => pause(1), bytesPerSecond }
      await download(h.options({ transport, concurrency: 8, rateLimiter }))
      assert.deepEqual(h.target.committed, object.bytes, String(bytesPerSecond))
      assert.equal(transport.mostOpen, 8, String(bytesPerSecond))
    }
  })

  it('a batch at concurrency 8 under a 128 KiB/s limiter has at most 2 requests in flight across its objects', async () => {
    const bucket = new FakeBucket()
    for (let i = 0; i < 16; i++) bucket.put(`data/${String(i).padStart(2, '0')}.bin`, 64 * KiB)
    bucket.readDelayMs = 2
    const dest = new MemoryDestination(bucket)
    const rateLimiter: ByteLimit = { bytesPerSecond: 128 * KiB, take: () => pause(1) }
    const summary = await downloadMany({
      ...dest.batchOptions(),
      concurrency: 8,
      download: { rateLimiter },
    })
    assert.equal(summary.downloaded, 16)
    assert.equal(bucket.maxInFlight, 2)
  })

  it("a batch's object-start reports the slots it can really hold: 2 under a 128 KiB/s limiter at concurrency 8", async () => {
    const bucket = new FakeBucket()
    bucket.put('data/big.bin', 2 * MiB) // 8 parts of 256 KiB: 8 slots without the limiter
    const dest = new MemoryDestination(bucket)
    const rateLimiter: ByteLimit = { bytesPerSecond: 128 * KiB, take: () => Promise.resolve() }
    const slots: number[] = []
    const summary = await downloadMany({
      ...dest.batchOptions(),
      concurrency: 8,
      download: { rateLimiter, partSize: 256 * KiB },
      onEvent(event) {
        if (event.type === 'object-start') slots.push(event.slots)
      },
    })
    assert.equal(summary.downloaded, 1)
    assert.deepEqual(slots, [2])
  })
})
