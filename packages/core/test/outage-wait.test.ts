import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  AbortedError,
  createDownload,
  type DownloadEvent,
  download,
  OptionsError,
  type TargetAbortOptions,
  TransportError,
} from '@resumable/core'
import { MemoryTarget } from '@resumable/store-memory'
import { type FakeTransport, makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024
const refused = () => new TransportError('network', 'connect ECONNREFUSED 127.0.0.1:9')

/** Every request of `transport` gets no answer (connection refused) until the returned function is called. */
function goDown(transport: FakeTransport): () => void {
  const error = refused()
  transport.statError = error
  transport.fault = () => ({ type: 'error', error })
  return () => {
    transport.statError = undefined
    transport.fault = undefined
  }
}

const types = (events: readonly DownloadEvent[]) =>
  events
    .map((e) => e.type)
    .filter((t) => t === 'store-unreachable' || t === 'store-reachable' || t === 'store-given-up')

describe('download: a store that stops answering', () => {
  it('waits out an outage mid-download and resumes from the checkpoint, byte-identical', async () => {
    const object = makeObject(1000 * KiB)
    const { target, transport, events, options } = setup(object)
    transport.chunkDelayMs = 2
    let up: (() => void) | undefined
    // The outage begins at the fifth part read, and lasts 300 ms.
    transport.fault = ({ n }) => {
      if (n !== 4) return undefined
      up = goDown(transport)
      setTimeout(() => up?.(), 300)
      return { type: 'reset', afterBytes: 8 * KiB }
    }
    const result = await download(options({ retries: 1 }))
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(types(events), ['store-unreachable', 'store-reachable'])
    const unreachable = events.find((e) => e.type === 'store-unreachable')
    assert.equal(unreachable?.type === 'store-unreachable' && unreachable.reason.kind, 'network')
    assert.equal(unreachable?.type === 'store-unreachable' && unreachable.waitMs, 300_000)
    const reachable = events.find((e) => e.type === 'store-reachable')
    assert.ok(reachable?.type === 'store-reachable' && reachable.downMs >= 200)
    // The attempt after the outage started from what the checkpoint held, not from byte 0; those
    // bytes came from this run, so the result does not call them resumed.
    const starts = events.filter((e) => e.type === 'start')
    assert.equal(starts.length, 2)
    const again = starts[1]
    assert.ok(again?.type === 'start' && again.resumedBytes > 0)
    assert.equal(result.resumedBytes, 0)
  })

  it('gives the store up after outageWaitMs and fails with its error, the checkpoint kept', async () => {
    const object = makeObject(600 * KiB)
    const { transport, events, store, options } = setup(object)
    transport.fault = ({ n }) => {
      if (n === 2) goDown(transport)
      return undefined
    }
    const began = Date.now()
    await assert.rejects(
      download(options({ retries: 1, outageWaitMs: 600 })),
      (e: unknown) => e instanceof TransportError && e.kind === 'network',
    )
    const waited = Date.now() - began
    assert.ok(waited >= 600, `gave up after ${waited} ms`)
    assert.ok(waited < 5000, `gave up after ${waited} ms`)
    assert.deepEqual(types(events), ['store-unreachable', 'store-given-up'])
    const givenUp = events.find((e) => e.type === 'store-given-up')
    assert.match(givenUp?.type === 'store-given-up' ? givenUp.message : '', /ECONNREFUSED/)
    // Probes with backoff from 500 ms: a handful in 600 ms, not a stat per millisecond.
    assert.ok(transport.stats <= 8, `${transport.stats} stats`)
    assert.ok((await store.load('/dest/file.bin')) !== undefined, 'the checkpoint is kept')
  })

  it('does not wait for a store that never answered in this run', async () => {
    const { transport, events, options } = setup(makeObject(300 * KiB))
    goDown(transport)
    const began = Date.now()
    await assert.rejects(download(options({ retries: 2 })), (e: unknown) => {
      return e instanceof TransportError && e.kind === 'network'
    })
    assert.ok(Date.now() - began < 2000)
    assert.deepEqual(types(events), [])
    assert.equal(transport.stats, 3)
  })

  it('does not wait without a checkpoint store to resume from', async () => {
    const { transport, events, options } = setup(makeObject(600 * KiB))
    transport.fault = ({ n }) => {
      if (n === 2) goDown(transport)
      return undefined
    }
    await assert.rejects(
      download(options({ retries: 1, checkpoint: false })),
      (e: unknown) => e instanceof TransportError && e.kind === 'network',
    )
    assert.deepEqual(types(events), [])
  })

  it('tries again twice, then fails, when only its reads get no answer while stat answers', async () => {
    const { transport, events, options } = setup(makeObject(600 * KiB))
    const error = refused()
    transport.fault = () => ({ type: 'error', error })
    await assert.rejects(
      download(options({ retries: 1 })),
      (e: unknown) => e instanceof TransportError && e.kind === 'network',
    )
    // Three attempts (each a stat), and a probe after each failure.
    assert.equal(events.filter((e) => e.type === 'start').length, 3)
    assert.equal(transport.stats, 6)
    assert.deepEqual(types(events), [])
  })

  it('keeps trying a download that gets further between failures its store answers', async () => {
    const object = makeObject(1000 * KiB)
    const { target, transport, events, options } = setup(object)
    // Every read after the first of each attempt is refused: each attempt finishes one part more.
    let attemptStart = 0
    transport.fault = ({ n }) =>
      n > attemptStart ? { type: 'error', error: refused() } : undefined
    const result = await download(
      options({
        retries: 0,
        concurrency: 1,
        onEvent: (e) => {
          events.push(e)
          if (e.type === 'start') attemptStart = transport.reads.length
        },
      }),
    )
    assert.deepEqual(target.committed, object.bytes)
    const starts = events.filter((e) => e.type === 'start')
    assert.ok(starts.length >= 10)
    assert.ok(starts.every((e, i) => e.type === 'start' && (i === 0) === (e.resumedBytes === 0)))
    assert.equal(result.resumedBytes, 0)
    assert.equal(result.fetchedBytes, object.bytes.length)
  })

  it('a part that stalls at the same byte in every attempt fails after two more tries, though split tails are fetched again each time', {
    timeout: 30_000,
  }, async () => {
    const object = makeObject(8 * 1024 * KiB)
    const { transport, events, options } = setup(object)
    const at = 512 * KiB
    transport.fault = ({ start, end }) =>
      start <= at && end >= at ? { type: 'stall', afterBytes: at - start } : undefined
    await assert.rejects(
      download(
        options({ partSize: 4 * 1024 * KiB, concurrency: 4, stallTimeoutMs: 200, retries: 1 }),
      ),
      (e: unknown) => e instanceof TransportError && e.kind === 'timeout',
    )
    const starts = events.filter((e) => e.type === 'start').length
    assert.ok(starts <= 4, `${starts} attempts`)
    assert.ok(events.some((e) => e.type === 'part-split'))
  })

  it('pauses during the wait: rejects paused with a paused event, the checkpoint kept', async () => {
    const { transport, store, events, options } = setup(makeObject(600 * KiB))
    transport.fault = ({ n }) => {
      if (n === 2) goDown(transport)
      return undefined
    }
    const handle = createDownload(
      options({
        retries: 1,
        onEvent: (e) => {
          events.push(e)
          if (e.type === 'store-unreachable') setTimeout(() => handle.pause(), 50)
        },
      }),
    )
    const began = Date.now()
    await assert.rejects(
      handle.start(),
      (e: unknown) => e instanceof AbortedError && e.kind === 'paused',
    )
    assert.ok(Date.now() - began < 3000)
    assert.ok((await store.load('/dest/file.bin')) !== undefined)
    const paused = events.find((e) => e.type === 'paused')
    assert.ok(paused?.type === 'paused' && paused.durableBytes > 0)
  })

  it('a pause landing while a no-answer attempt cleans up lets go of the claim kept for the wait', async () => {
    const { transport, volume, options } = setup(makeObject(600 * KiB))
    transport.fault = ({ n }) => {
      if (n === 2) goDown(transport)
      return undefined
    }
    const aborts: TargetAbortOptions[] = []
    let handle: ReturnType<typeof createDownload> | undefined
    class PausedAtCleanUp extends MemoryTarget {
      override async abort(how: TargetAbortOptions): Promise<void> {
        aborts.push(how)
        // The user's Ctrl-C arrives just as the failed attempt closes its target for a wait.
        if (how.reopen) handle?.pause()
        return super.abort(how)
      }
    }
    handle = createDownload(
      options({ retries: 1, target: new PausedAtCleanUp('/dest/file.bin', { volume }) }),
    )
    await assert.rejects(
      handle.start(),
      (e: unknown) => e instanceof TransportError || e instanceof AbortedError,
    )
    assert.deepEqual(aborts, [{ keep: true, reopen: true }, { keep: true }])
  })

  it('refuses an outageWaitMs outside 0 to a week', () => {
    const { options } = setup(makeObject(KiB))
    for (const outageWaitMs of [-1, 1.5, 7 * 24 * 3_600_000 + 1])
      assert.throws(
        () => createDownload(options({ outageWaitMs })),
        (e: unknown) => e instanceof OptionsError && e.option === 'outageWaitMs',
      )
  })
})
