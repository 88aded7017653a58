import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { download } from '@resumable/core'
import { makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024

describe('download: counters after a recovery within the run', () => {
  it('counts the bytes this run fetched before a failed attempt as fetched, not resumed, and the request asked again as a retry', async () => {
    const object = makeObject(1024 * KiB)
    const { target, transport, options } = setup(object)
    // The first read drops after half its body; with no retries left the attempt fails and the
    // run continues from its own checkpoint once the store answers a stat.
    transport.fault = ({ n }) => (n === 0 ? { type: 'reset', afterBytes: 512 * KiB } : undefined)
    const result = await download(
      options({ partSize: 1024 * KiB, concurrency: 1, retries: 0, outageWaitMs: 60_000 }),
    )
    assert.deepEqual(target.committed, object.bytes)
    assert.equal(transport.reads.length, 2, 'the run resumed from its own checkpoint')
    assert.equal(result.resumedBytes, 0)
    assert.equal(result.fetchedBytes, object.bytes.length)
    assert.equal(result.retries, 1)
    assert.deepEqual(result.retriesByKind, { network: 1 })
  })

  it("still counts an earlier run's checkpoint as resumed when the run also recovers within itself", async () => {
    const object = makeObject(1024 * KiB)
    const { target, transport, options } = setup(object)
    const opts = { partSize: 1024 * KiB, concurrency: 1, retries: 0, outageWaitMs: 60_000 }
    transport.fault = ({ n }) => (n === 0 ? { type: 'reset', afterBytes: 256 * KiB } : undefined)
    await assert.rejects(download(options({ ...opts, outageWaitMs: 0 })))
    transport.fault = ({ n }) => (n === 1 ? { type: 'reset', afterBytes: 256 * KiB } : undefined)
    const result = await download(options(opts))
    assert.deepEqual(target.committed, object.bytes)
    assert.equal(result.resumedBytes, 256 * KiB)
    assert.equal(result.fetchedBytes, object.bytes.length - 256 * KiB)
    assert.equal(result.retries, 1)
  })
})
