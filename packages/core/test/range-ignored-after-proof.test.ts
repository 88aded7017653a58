import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { download } from '@resumable/core'
import { makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024

describe('download: a server that honours Range at byte 0 only', () => {
  for (const concurrency of [1, 4]) {
    it(`switches to one sequential stream after a second whole-object answer, however the answers are ordered (concurrency ${concurrency})`, async () => {
      const object = makeObject(800 * KiB)
      const { target, transport, options, events } = setup(object)
      // 206 at offset 0, 200 with the whole object anywhere else (real fault: ignore-range).
      transport.fault = ({ start }) => (start > 0 ? { type: 'ignore-range' } : undefined)
      const result = await download(options({ concurrency, retries: 5 }))
      assert.deepEqual(target.committed, object.bytes)
      const switched = events.filter((e) => e.type === 'plan-switched')
      assert.equal(switched.length, 1)
      assert.ok(switched[0]?.type === 'plan-switched' && switched[0].reason === 'range-ignored')
      assert.equal(events.filter((e) => e.type === 'start').length, 1, 'one start per download')
      const refused = transport.reads.filter((r) => r.fault === 'ignore-range')
      assert.ok(refused.length <= concurrency + 1, `${refused.length} whole-object answers`)
      assert.ok((result.retriesByKind.protocol ?? 0) <= 1, 'at most one glitch retry')
    })
  }

  it('reads none of a refused whole-object body before retrying or switching', async () => {
    const object = makeObject(800 * KiB)
    const { transport, options } = setup(object)
    transport.fault = ({ start }) => (start > 0 ? { type: 'ignore-range' } : undefined)
    await download(options({ concurrency: 1 }))
    // Part 0 (100 KiB) once as a part, then the whole object once as the sequential stream: a
    // refused body is cancelled, never drained, so it adds at most a chunk per refusal.
    const refused = transport.reads.filter((r) => r.fault === 'ignore-range').length
    assert.ok(
      transport.servedBytes <= 100 * KiB + object.bytes.length + refused * 64 * KiB,
      `${transport.servedBytes} bytes served`,
    )
  })
})

describe('download: a server that honours Range past byte 0, then glitches', () => {
  it('retries each whole-object answer as a glitch and stays parallel: no switch, no progress thrown away', async () => {
    const object = makeObject(800 * KiB)
    const { target, transport, options, events } = setup(object)
    // Parts 0 and 1 answered 206, then the first read of parts 3 and 5 gets the whole object.
    const glitched = new Set<number>()
    transport.fault = ({ start }) => {
      const glitch = (start === 300 * KiB || start === 500 * KiB) && !glitched.has(start)
      if (!glitch) return undefined
      glitched.add(start)
      return { type: 'ignore-range' }
    }
    const result = await download(options({ concurrency: 1, retries: 5 }))
    assert.deepEqual(target.committed, object.bytes)
    assert.equal(events.filter((e) => e.type === 'plan-switched').length, 0)
    assert.equal(result.retriesByKind.protocol, 2)
  })
})

describe('download: the switch to one stream is one event, not a second start', () => {
  it('says start once and plan-switched once, with the bytes thrown away and the one-part plan; counters as before', async () => {
    const object = makeObject(800 * KiB)
    const { target, transport, options, events } = setup(object)
    transport.fault = ({ start }) => (start > 0 ? { type: 'ignore-range' } : undefined)
    const result = await download(options({ concurrency: 1, retries: 5 }))
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(
      events.filter((e) => e.type === 'start').map((e) => e.type === 'start' && e.partCount),
      [8],
    )
    const switched = events.filter((e) => e.type === 'plan-switched')
    assert.equal(switched.length, 1)
    const event = switched[0]
    assert.ok(event?.type === 'plan-switched')
    // Part 0 (100 KiB, the only range honoured) was received, then thrown away with the plan.
    assert.equal(event.discardedBytes, 100 * KiB)
    assert.equal(event.keptBytes, 0)
    assert.equal(event.partSize, object.bytes.length)
    assert.equal(event.partCount, 1)
    assert.match(event.message, /from byte 0; the 102400 bytes received so far are discarded/)
    // After start, in order: the switch comes after the parallel plan's events, before the stream's.
    assert.ok(events.findIndex((e) => e.type === 'start') < events.indexOf(event))
    assert.equal(events.filter((e) => e.type === 'sequential').length, 0)
    assert.equal(result.retriesByKind['range-ignored'], 1)
    assert.equal(result.resumedBytes, 0)
  })
})

describe('download: plan-switched says what is kept', () => {
  it('after a switch, a checkpoint whose removal failed is not read back: no checkpoint-discarded, keptBytes 0, the stream from byte 0', async () => {
    const object = makeObject(800 * KiB)
    const { target, transport, options, events, store } = setup(object)
    // A first run stops at part 2 with parts 0 and 1 durable.
    transport.fault = ({ start }) =>
      start === 200 * KiB ? { type: 'reset', afterBytes: 10 * KiB } : undefined
    await assert.rejects(download(options({ concurrency: 1, retries: 0, outageWaitMs: 0 })))
    assert.ok((await store.load(target.id)) !== undefined, 'the first run left a checkpoint')
    // The second run resumes at part 2, which the server answers with the whole object: the
    // download switches to one stream, and removing the now useless checkpoint fails (a store
    // that lost write access to its directory).
    transport.fault = ({ start }) => (start > 0 ? { type: 'ignore-range' } : undefined)
    store.remove = async () => {
      throw new Error('EACCES: permission denied')
    }
    const from = events.length
    await download(options({ concurrency: 1, retries: 5 }))
    assert.deepEqual(target.committed, object.bytes)
    const run = events.slice(from)
    const switched = run.find((e) => e.type === 'plan-switched')
    assert.ok(switched?.type === 'plan-switched')
    assert.equal(switched.keptBytes, 0)
    assert.equal(switched.partCount, 1)
    assert.match(switched.message, /one sequential stream from byte 0/)
    // The second run resumed its checkpoint once; the parts the switch threw away are not then
    // said to be "gone" by a reload of the checkpoint that could not be removed.
    assert.deepEqual(
      run.filter((e) => e.type === 'checkpoint-discarded'),
      [],
    )
    assert.ok(run.some((e) => e.type === 'start' && e.resumedBytes >= 200 * KiB))
    assert.equal(transport.reads.at(-1)?.start, 0)
  })
})
