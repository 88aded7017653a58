import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ByteLimit, type DownloadEvent, download } from '@resumable/core'
import { makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024
const MiB = 1024 * KiB

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('waiting on the rate limiter', () => {
  it('a part held back by the limiter is not split: its tail is not fetched again by an idle worker', async () => {
    // A 4 MiB part and a short one, whose worker then looks for a tail of a slow part to split.
    // The first answer takes 200 ms, so a split pays only for a request needing over 800 ms more
    // of its own: the limiter holds the big part about 1.3 s (64 chunks × 20 ms), the network
    // almost none of it.
    const object = makeObject(4 * MiB + 64 * KiB, 21)
    const h = setup(object)
    h.transport.chunkSize = 64 * KiB
    h.transport.fault = ({ n }) => (n === 0 ? { type: 'delay-headers', ms: 200 } : undefined)
    const rateLimiter: ByteLimit = { take: () => pause(20) }
    await download(h.options({ partSize: 4 * MiB, concurrency: 2, rateLimiter }))
    assert.deepEqual(h.target.committed, object.bytes)
    const splits = h.events.filter((e: DownloadEvent) => e.type === 'part-split')
    assert.deepEqual(splits, [])
    assert.equal(h.transport.reads.length, 2)
    assert.equal(h.transport.servedBytes, object.bytes.length)
  })

  it('a part waiting on the limiter longer than stallTimeoutMs is not declared stalled', async () => {
    const object = makeObject(256 * KiB, 22)
    const h = setup(object)
    h.transport.chunkSize = 64 * KiB
    // Each chunk waits 150 ms on the limiter; the stall guard allows 50 ms without a byte.
    const rateLimiter: ByteLimit = { take: () => pause(150) }
    await download(h.options({ concurrency: 1, stallTimeoutMs: 50, rateLimiter }))
    assert.deepEqual(h.target.committed, object.bytes)
    assert.deepEqual(
      h.events.filter((e: DownloadEvent) => e.type === 'retry'),
      [],
    )
    assert.equal(h.transport.reads.length, 3)
  })
})
