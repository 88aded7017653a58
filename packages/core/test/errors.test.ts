import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  CheckpointError,
  createDownload,
  download,
  MIN_PART_SIZE,
  OptionsError,
  TransportError,
} from '@resumable/core'
import { MemoryCheckpointStore } from '@resumable/store-memory'
import { makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024

describe('OptionsError carries the numbers behind it', () => {
  it('an out-of-range partSize names option, min, max, received and unit', () => {
    const { options } = setup(makeObject(10))
    assert.throws(
      () => createDownload(options({ partSize: 10 * KiB })),
      (e: unknown) =>
        e instanceof OptionsError &&
        e.option === 'partSize' &&
        e.min === MIN_PART_SIZE &&
        e.max === 5 * 1024 ** 3 &&
        e.received === 10 * KiB &&
        e.unit === 'bytes',
    )
  })

  it('retryMaxDelayMs below retryBaseDelayMs reports the base as its minimum', () => {
    const { options } = setup(makeObject(10))
    assert.throws(
      () => createDownload(options({ retryBaseDelayMs: 500, retryMaxDelayMs: 100 })),
      (e: unknown) =>
        e instanceof OptionsError &&
        e.option === 'retryMaxDelayMs' &&
        e.min === 500 &&
        e.unit === 'ms',
    )
  })

  it('a non-integer reports what was received', () => {
    const { options } = setup(makeObject(10))
    assert.throws(
      () => createDownload(options({ concurrency: 2.5 })),
      (e: unknown) => e instanceof OptionsError && e.option === 'concurrency' && e.received === 2.5,
    )
  })
})

describe('checkpoint store failures are CheckpointError(io)', () => {
  it('a save that fails mid-download rejects with CheckpointError io, the store error as cause and its reason in the message', async () => {
    const { transport, options } = setup(makeObject(400 * KiB))
    transport.chunkDelayMs = 2
    const full = new Error('disk full')
    const store = new MemoryCheckpointStore()
    const failing = {
      load: store.load.bind(store),
      remove: store.remove.bind(store),
      save: () => Promise.reject(full),
    }
    await assert.rejects(
      download(options({ checkpoint: failing })),
      (e: unknown) =>
        e instanceof CheckpointError &&
        e.problem === 'io' &&
        e.cause === full &&
        e.message.endsWith(': disk full'),
    )
  })

  it('a remove that fails on cancel rejects with CheckpointError io', async () => {
    const { options } = setup(makeObject(10))
    const store = new MemoryCheckpointStore()
    const broken = new Error('read-only file system')
    const failing = {
      load: store.load.bind(store),
      save: store.save.bind(store),
      remove: () => Promise.reject(broken),
    }
    const handle = createDownload(options({ checkpoint: failing }))
    await assert.rejects(
      handle.cancel(),
      (e: unknown) => e instanceof CheckpointError && e.problem === 'io' && e.cause === broken,
    )
  })
})

describe('stat and parts share one retry policy', () => {
  it('a throttled stat is retried after its Retry-After, reported as part -1', async () => {
    const object = makeObject(50 * KiB)
    const { transport, options, events, target } = setup(object)
    transport.statError = new TransportError('throttled', 'SlowDown', {
      status: 503,
      retryAfterMs: 30,
    })
    const result = await download(
      options({
        onEvent: (e) => {
          events.push(e)
          if (e.type === 'retry') transport.statError = undefined
        },
      }),
    )
    const retry = events.find((e) => e.type === 'retry')
    assert.ok(retry?.type === 'retry' && retry.part === -1 && retry.delayMs >= 30)
    assert.deepEqual(result.retriesByKind, { throttled: 1 })
    assert.deepEqual(target.committed, object.bytes)
  })

  it('a stat that keeps failing gives up after retries + 1 attempts with the last error', async () => {
    const { transport, options } = setup(makeObject(10))
    transport.statError = new TransportError('server', 'boom', { status: 500 })
    await assert.rejects(
      download(options({ retries: 2 })),
      (e: unknown) => e === transport.statError,
    )
    assert.equal(transport.stats, 3)
  })
})
