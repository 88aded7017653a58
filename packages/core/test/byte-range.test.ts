import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  createDownload,
  download,
  OptionsError,
  RANGE_VERIFICATION,
  TransportError,
} from '@resumable/core'
import { makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024

describe('download: range', () => {
  it('downloads exactly bytes start..end, in parts, and says the whole-object CRC was not compared', async () => {
    const object = makeObject(600 * KiB)
    const { target, transport, options } = setup(object)
    const start = 123_457
    const end = 456_788
    const result = await download(options({ range: { start, end } }))
    assert.deepEqual(target.committed, object.bytes.subarray(start, end + 1))
    assert.deepEqual(result.range, { start, end })
    assert.equal(result.bytes, end - start + 1)
    assert.deepEqual(result.verification, RANGE_VERIFICATION)
    assert.ok(transport.reads.length > 1, 'the range is split into parts')
    assert.ok(transport.reads.every((r) => r.start >= start && r.end <= end))
  })

  it('reads an open-ended range to the end of the object, and clips an end past it', async () => {
    const object = makeObject(300 * KiB)
    for (const range of [{ start: 250_000 }, { start: 250_000, end: 10_000_000 }]) {
      const { target, options } = setup(object)
      const result = await download(options({ range }))
      assert.deepEqual(target.committed, object.bytes.subarray(250_000))
      assert.deepEqual(result.range, { start: 250_000, end: object.bytes.length - 1 })
    }
  })

  it('resumes a range from its checkpoint, and discards a checkpoint made for another range', async () => {
    const object = makeObject(800 * KiB)
    const { target, transport, options, events } = setup(object)
    const range = { start: 100_000, end: 700_000 }
    transport.fault = ({ n }) => (n === 1 ? { type: 'reset', afterBytes: 50_000 } : undefined)
    await assert.rejects(download(options({ range, concurrency: 1, retries: 0, outageWaitMs: 0 })))
    transport.fault = undefined
    const resumed = await download(options({ range, concurrency: 1 }))
    assert.ok(resumed.resumedBytes > 100 * KiB, `resumed ${resumed.resumedBytes}`)
    assert.deepEqual(target.committed, object.bytes.subarray(range.start, range.end + 1))

    const other = setup(object)
    other.transport.fault = ({ n }) => (n === 1 ? { type: 'reset', afterBytes: 50_000 } : undefined)
    await assert.rejects(
      download(other.options({ range, concurrency: 1, retries: 0, outageWaitMs: 0 })),
    )
    other.transport.fault = undefined
    const moved = await download(other.options({ range: { start: 100_001, end: 700_000 } }))
    assert.equal(moved.resumedBytes, 0)
    assert.ok(
      other.events.some((e) => e.type === 'checkpoint-discarded' && e.problem === 'foreign'),
    )
    assert.deepEqual(other.target.committed, object.bytes.subarray(100_001, 700_001))
    assert.equal(events.filter((e) => e.type === 'checkpoint-discarded').length, 0)
  })

  it('refuses a malformed range before anything is touched', () => {
    const { options } = setup(makeObject(1000))
    for (const range of [
      { start: -1 },
      { start: 5, end: 4 },
      { start: 1.5 },
      { start: 0, end: Number.NaN },
    ]) {
      assert.throws(
        () => createDownload(options({ range })),
        (e) => e instanceof OptionsError && e.option === 'range',
      )
    }
  })

  it('fails without retrying when the range starts past the end of the object, or the server ignores Range', async () => {
    const object = makeObject(300 * KiB)
    const past = setup(object)
    await assert.rejects(download(past.options({ range: { start: 300 * KiB } })), (e) => {
      return e instanceof TransportError && e.kind === 'range-not-satisfiable'
    })
    assert.equal(past.transport.reads.length, 0)
    const ignored = setup(object)
    ignored.transport.fault = () => ({ type: 'ignore-range' })
    await assert.rejects(download(ignored.options({ range: { start: 10 } })), (e) => {
      return e instanceof TransportError && /cannot be downloaded/.test(e.message)
    })
    assert.equal(ignored.transport.reads.length, 1)
  })
})
