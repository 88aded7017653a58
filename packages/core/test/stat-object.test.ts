import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type DownloadEvent,
  type ObjectInfo,
  OptionsError,
  type StatObjectOptions,
  statObject,
  type Transport,
  TransportError,
} from '@resumable/core'

const INFO: ObjectInfo = { size: 10, etag: '"e"', fileName: 'suggested.bin' }

/** A transport whose stat throws each of `failures` in turn, then answers INFO. */
function flaky(failures: readonly TransportError[]): Transport & { calls: number } {
  const transport = {
    id: 'flaky',
    calls: 0,
    async stat(): Promise<ObjectInfo> {
      const failure = failures[transport.calls++]
      if (failure) throw failure
      return INFO
    },
    async read(): Promise<never> {
      throw new Error('statObject never reads')
    },
  }
  return transport
}

const fast = { retryBaseDelayMs: 1, retryMaxDelayMs: 2, random: () => 0.5 }

describe('statObject: what download learns first, with its retry policy', () => {
  it('retries transient failures as download does, telling each retry as part -1, and answers the ObjectInfo', async () => {
    const transport = flaky([
      new TransportError('network', 'socket hang up'),
      new TransportError('throttled', 'SlowDown', { retryAfterMs: 5 }),
    ])
    const events: DownloadEvent[] = []
    const started = Date.now()
    const info = await statObject({ transport, ...fast, onEvent: (e) => events.push(e) })
    assert.deepEqual(info, INFO)
    assert.equal(transport.calls, 3)
    const retries = events.filter((e) => e.type === 'retry')
    assert.deepEqual(
      retries.map((e) => (e.type === 'retry' ? [e.part, e.attempt] : [])),
      [
        [-1, 1],
        [-1, 2],
      ],
    )
    assert.ok(Date.now() - started >= 5, 'the Retry-After was waited')
  })

  it('gives up after `retries` retries with the last error, and at once on one that is not retryable', async () => {
    const spent = flaky(Array.from({ length: 5 }, () => new TransportError('network', 'reset')))
    await assert.rejects(statObject({ transport: spent, ...fast, retries: 2 }), /reset/)
    assert.equal(spent.calls, 3)
    const denied = flaky([new TransportError('forbidden', 'AccessDenied')])
    await assert.rejects(statObject({ transport: denied, ...fast }), /AccessDenied/)
    assert.equal(denied.calls, 1)
  })

  it('stops waiting when its signal aborts, and refuses what download would refuse', async () => {
    const controller = new AbortController()
    const slow = flaky(Array.from({ length: 5 }, () => new TransportError('network', 'reset')))
    const pending = statObject({
      transport: slow,
      retryBaseDelayMs: 60_000,
      retryMaxDelayMs: 60_000,
      random: () => 1,
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(new Error('stopped by the caller')), 20)
    await assert.rejects(pending, /stopped by the caller/)
    await assert.rejects(statObject({ transport: slow, retries: -1 }), OptionsError)
    await assert.rejects(statObject({ transport: undefined as unknown as Transport }), OptionsError)
  })

  it('no options at all is an OptionsError naming "options", as download gives', async () => {
    const missing = undefined as unknown as StatObjectOptions
    await assert.rejects(
      statObject(missing),
      (error: unknown) => error instanceof OptionsError && error.option === 'options',
    )
  })
})
