import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ByteLimit, download, downloadMany, OptionsError, RateLimiter } from '@resumable/core'
import { FakeTransport, makeObject } from '@resumable/testkit'
import { bothLimits } from '../src/rate-limiter.ts'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'
import { GatherTarget } from './helpers/gather-target.ts'
import { setup } from './helpers/harness.ts'

// Lower bounds only: a cap holds when the bytes cannot arrive sooner than it allows (a slow
// machine only adds time). The bucket starts with a tenth of a second's burst.
const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

async function timed(body: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await body()
  return performance.now() - started
}

describe('rate limits', () => {
  it('downloadMany maxBytesPerSecond caps the whole batch: 1 MiB of small objects at 1 MiB/s takes about a second, not one object’s time', async () => {
    const bucket = new FakeBucket()
    for (let i = 0; i < 16; i++) bucket.put(`data/${String(i).padStart(2, '0')}.bin`, 64 * KiB)
    const dest = new MemoryDestination(bucket)
    const ms = await timed(async () => {
      const summary = await downloadMany({
        ...dest.batchOptions(),
        concurrency: 8,
        maxBytesPerSecond: MiB,
      })
      assert.equal(summary.downloaded, 16)
    })
    // Each object alone at 1 MiB/s would take 62 ms: two waves of 8, ~0.13 s.
    assert.ok(ms >= 700, `16 × 64 KiB under a 1 MiB/s batch cap took ${ms.toFixed(0)} ms`)
  })

  it('refuses a batch maxBytesPerSecond that is not a positive whole number, by the same rule as a download’s', async () => {
    const bucket = new FakeBucket()
    const dest = new MemoryDestination(bucket)
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1MiB'])
      await assert.rejects(
        async () =>
          downloadMany({
            id: 'x',
            objects: [],
            open: dest.open,
            maxBytesPerSecond: bad as number,
          }),
        (e: unknown) => e instanceof OptionsError && e.option === 'maxBytesPerSecond',
        String(bad),
      )
  })

  it('one RateLimiter given to two downloads caps their sum; a download’s own maxBytesPerSecond applies as well', async () => {
    const shared = new RateLimiter(MiB)
    const a = setup(makeObject(512 * KiB, 1))
    const b = setup(makeObject(512 * KiB, 2))
    const ms = await timed(() =>
      Promise.all([
        download(a.options({ rateLimiter: shared })),
        download(b.options({ rateLimiter: shared, maxBytesPerSecond: 8 * MiB })),
      ]),
    )
    assert.deepEqual(a.target.committed, makeObject(512 * KiB, 1).bytes)
    assert.deepEqual(b.target.committed, makeObject(512 * KiB, 2).bytes)
    // Apart, each would take half a second.
    assert.ok(ms >= 750, `2 × 512 KiB sharing 1 MiB/s took ${ms.toFixed(0)} ms`)
    await assert.rejects(
      download(a.options({ rateLimiter: {} as RateLimiter })),
      (e: unknown) => e instanceof OptionsError && e.option === 'rateLimiter',
    )
  })
})

/** A gather Target that records the size of every piece it is handed. */
class PieceTarget extends GatherTarget {
  readonly pieces: number[] = []
  override async writeChunks(offset: number, chunks: readonly Uint8Array[]): Promise<void> {
    for (const chunk of chunks) this.pieces.push(chunk.length)
    await super.writeChunks(offset, chunks)
  }
}

describe('rate limits below the chunk rate', () => {
  it('hands a 64 KiB chunk on in slices of a tenth of a second’s worth at 320 KiB/s, and whole at a fast limit', async () => {
    const object = makeObject(256 * KiB, 5)
    for (const [rate, most] of [
      [320 * KiB, 32 * KiB],
      [GiB, 64 * KiB],
    ] as const) {
      const target = new PieceTarget(`/dest/${rate}.bin`)
      const transport = new FakeTransport(object, 64 * KiB)
      await download({ transport, target, maxBytesPerSecond: rate, concurrency: 1 })
      assert.deepEqual(target.committed, object.bytes)
      assert.ok(Math.max(...target.pieces) <= most, `${rate} B/s: pieces ${target.pieces}`)
      // A fast limit passes the transport's chunks as they came: 4 of 64 KiB, no slicing.
      if (rate === GiB) assert.deepEqual(target.pieces, [64 * KiB, 64 * KiB, 64 * KiB, 64 * KiB])
    }
  })

  it('a RateLimiter slices a tenth of a second’s worth (at least a byte); two limits slice by the smaller', () => {
    assert.equal(new RateLimiter(32 * KiB).sliceBytes, Math.floor((32 * KiB) / 10))
    assert.equal(new RateLimiter(5).sliceBytes, 1)
    const custom: ByteLimit = { take: async () => undefined }
    assert.equal(bothLimits(new RateLimiter(MiB), new RateLimiter(10 * KiB))?.sliceBytes, KiB)
    assert.equal(bothLimits(custom, new RateLimiter(10 * KiB))?.sliceBytes, KiB)
    assert.equal(bothLimits(custom, custom)?.sliceBytes, undefined)
  })

  it('a custom limiter whose sliceBytes is not a whole number of at least 1 is an OptionsError before any request (0 would never advance, NaN would drop chunks)', async () => {
    for (const sliceBytes of [0, -1, Number.NaN, 1.5, Number.POSITIVE_INFINITY]) {
      const object = makeObject(64 * KiB, 3)
      const transport = new FakeTransport(object)
      const target = new PieceTarget(`/dest/slice-${sliceBytes}.bin`)
      const rateLimiter: ByteLimit = { take: async () => undefined, sliceBytes }
      await assert.rejects(
        download({ transport, target, rateLimiter }),
        (error: unknown) => error instanceof OptionsError && error.option === 'rateLimiter',
        String(sliceBytes),
      )
      assert.equal(transport.reads.length, 0)
    }
  })
})
