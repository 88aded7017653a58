import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { reportProxyWait } from '../src/http/index.ts'
import { LazyAbortController } from '../src/lazy-abort.ts'
import { StallWatch } from '../src/stall-guard.ts'

const never = () => new Promise<never>(() => undefined)

/** A LazyAbortController that counts the signals it makes. */
function counted(): { lazy: LazyAbortController; made: () => number } {
  const lazy = new LazyAbortController()
  let made = 0
  const descriptor = Object.getOwnPropertyDescriptor(LazyAbortController.prototype, 'signal')
  Object.defineProperty(lazy, 'signal', {
    get() {
      made++
      return descriptor?.get?.call(lazy)
    },
  })
  return { lazy, made: () => made }
}

describe('LazyAbortController: a signal only for the request that asks', () => {
  it('aborted before its signal is asked for, the signal it then makes is aborted with that reason', () => {
    const lazy = new LazyAbortController()
    const reason = new Error('stalled')
    lazy.abort(reason)
    lazy.abort(new Error('later'))
    assert.equal(lazy.signal.aborted, true)
    assert.equal(lazy.signal.reason, reason)
  })

  it('a signal asked for first is aborted by a later abort, and is the same signal each time', () => {
    const lazy = new LazyAbortController()
    const { signal } = lazy
    assert.equal(lazy.signal, signal)
    assert.equal(signal.aborted, false)
    lazy.abort('why')
    assert.equal(signal.reason, 'why')
  })

  it('a StallWatch linked to a parent never asks a lazy controller for its signal: a stall and a parent abort still reject', async () => {
    const parent = new AbortController()
    const stalled = counted()
    const watch = new StallWatch(50, stalled.lazy, 'read x', parent.signal)
    assert.equal(await watch.guard(() => Promise.resolve('in time')), 'in time')
    await assert.rejects(watch.guard(never), { kind: 'timeout' })
    await assert.rejects(watch.guard(never), { kind: 'timeout' })
    watch.stop()
    assert.equal(stalled.made(), 0)
    assert.equal(stalled.lazy.signal.aborted, true)

    const paused = counted()
    const second = new StallWatch(10_000, paused.lazy, 'read y', parent.signal)
    const guarded = second.guard(never)
    parent.abort(new Error('paused'))
    await assert.rejects(guarded, { message: 'paused' })
    second.stop()
    assert.equal(paused.made(), 0)
    assert.equal(paused.lazy.signal.reason.message, 'paused')
  })

  it('a StallWatch on a lazy controller hears a proxy wait reported on the signal the request made later', async () => {
    const parent = new AbortController()
    const lazy = new LazyAbortController()
    const watch = new StallWatch(60, lazy, 'read x', parent.signal)
    const operation = (): Promise<never> => {
      reportProxyWait(lazy.signal, { proxy: 'http://127.0.0.1:3128', stage: 'tunnel' })
      return never()
    }
    await assert.rejects(watch.guard(operation), {
      kind: 'timeout',
      message:
        /^read x: the proxy http:\/\/127\.0\.0\.1:3128 accepted the connection but did not answer the CONNECT/,
    })
    watch.stop()
  })
})
