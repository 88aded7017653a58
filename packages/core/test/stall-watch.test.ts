import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { reportProxyWait } from '../src/http/index.ts'
import { isTransportError } from '../src/index.ts'
import { StallWatch } from '../src/stall-guard.ts'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const never = () => new Promise<never>(() => undefined)

describe('StallWatch: one deadline per attempt', () => {
  it('a read that never settles is aborted with a retryable timeout once stallMs have passed', async () => {
    const attempt = new AbortController()
    const watch = new StallWatch(80, attempt)
    const started = Date.now()
    await assert.rejects(watch.guard(never), (error: unknown) => {
      assert.ok(isTransportError(error))
      assert.equal(error.kind, 'timeout')
      assert.equal(error.retryable, true)
      return true
    })
    const waited = Date.now() - started
    assert.ok(waited >= 75, `gave up after ${waited} ms`)
    assert.ok(waited < 2000, `gave up only after ${waited} ms`)
    assert.equal(attempt.signal.aborted, true)
    watch.stop()
  })

  it('reads that each settle in time are never aborted, though together they last many stallMs', async () => {
    const attempt = new AbortController()
    const watch = new StallWatch(200, attempt)
    const started = Date.now()
    let reads = 0
    while (Date.now() - started < 1000) {
      const began = Date.now()
      try {
        await watch.guard(() => sleep(10).then(() => reads++))
      } catch {
        // A loaded machine (CI runs every suite at once on two cores) can hold a 10 ms timer past
        // stallMs: that abort is right. What must never happen is an abort of a read that was in time.
        const lasted = Date.now() - began
        assert.ok(lasted >= 195, `aborted a read that had lasted only ${lasted} ms`)
        watch.stop()
        return
      }
    }
    assert.equal(attempt.signal.aborted, false)
    assert.ok(reads >= 5)
    watch.stop()
  })

  it('a stall after a run of fast reads is caught stallMs after that read began, not later', async () => {
    const attempt = new AbortController()
    const watch = new StallWatch(100, attempt)
    const started = Date.now()
    while (Date.now() - started < 170) await watch.guard(() => sleep(10))
    const stalledAt = Date.now()
    await assert.rejects(watch.guard(never), { kind: 'timeout' })
    const waited = Date.now() - stalledAt
    assert.ok(waited >= 95, `gave up after ${waited} ms`)
    assert.ok(waited < 100 + 1000, `gave up only after ${waited} ms`)
    watch.stop()
  })

  it('time between reads (a disk write, the rate limiter) is not a stall', async () => {
    const attempt = new AbortController()
    const watch = new StallWatch(200, attempt)
    await watch.guard(() => sleep(5))
    await sleep(600)
    assert.equal(await watch.guard(() => sleep(5).then(() => 'fine')), 'fine')
    assert.equal(attempt.signal.aborted, false)
    watch.stop()
  })

  it('an abort rejects the read in flight with its reason, and a value arriving later goes to discard', async () => {
    const attempt = new AbortController()
    const watch = new StallWatch(10_000, attempt)
    let deliver: (value: string) => void = () => undefined
    const late: string[] = []
    const guarded = watch.guard(
      () => new Promise<string>((resolve) => (deliver = resolve)),
      (value) => late.push(value),
    )
    const reason = new Error('cancelled by the run')
    attempt.abort(reason)
    await assert.rejects(guarded, (error) => error === reason)
    deliver('body')
    await sleep(0)
    assert.deepEqual(late, ['body'])
    await assert.rejects(
      watch.guard(() => Promise.resolve(1)),
      (error) => error === reason,
    )
    watch.stop()
  })

  it('linked to a parent signal, a parent abort aborts the controller and rejects the read in flight, with one listener on the parent', async () => {
    const parent = new AbortController()
    const attempt = new AbortController()
    const added: string[] = []
    const add = parent.signal.addEventListener.bind(parent.signal)
    parent.signal.addEventListener = ((type: string, ...rest: [never, never]) => {
      added.push(type)
      add(type, ...rest)
    }) as typeof parent.signal.addEventListener
    const watch = new StallWatch(10_000, attempt, 'read x', parent.signal)
    assert.deepEqual(added, ['abort'])
    const guarded = watch.guard(never)
    const reason = new Error('paused')
    parent.abort(reason)
    await assert.rejects(guarded, (error) => error === reason)
    assert.equal(attempt.signal.reason, reason)
    watch.stop()
  })

  it('linked to a parent, a stall still rejects the read in flight and aborts the controller, not the parent', async () => {
    const parent = new AbortController()
    const attempt = new AbortController()
    const watch = new StallWatch(60, attempt, 'read x', parent.signal)
    await assert.rejects(watch.guard(never), { kind: 'timeout', message: /^read x: no data/ })
    assert.equal(attempt.signal.aborted, true)
    assert.equal(parent.signal.aborted, false)
    watch.stop()
  })

  it('stop(true) keeps a linked controller following its parent; stop() lets it go', async () => {
    const parent = new AbortController()
    const kept = new AbortController()
    new StallWatch(10_000, kept, undefined, parent.signal).stop(true)
    const unlinked = new AbortController()
    new StallWatch(10_000, unlinked, undefined, parent.signal).stop()
    parent.abort(new Error('paused'))
    assert.equal(kept.signal.aborted, true)
    assert.equal(unlinked.signal.aborted, false)
  })
})

describe('StallWatch: a wire that says it waits on a proxy', () => {
  it('a stall while the wire waits on a proxy names that proxy and stage, with the deadline in seconds', async () => {
    const attempt = new AbortController()
    const watch = new StallWatch(80, attempt, 'stat url')
    const operation = (): Promise<never> => {
      reportProxyWait(attempt.signal, { proxy: 'http://127.0.0.1:3128', stage: 'tunnel' })
      return never()
    }
    await assert.rejects(watch.guard(operation), (error: unknown) => {
      assert.ok(isTransportError(error))
      assert.equal(error.kind, 'timeout')
      assert.equal(error.retryable, true)
      assert.match(
        error.message,
        /^stat url: the proxy http:\/\/127\.0\.0\.1:3128 accepted the connection but did not answer the CONNECT within 0\.08 s: check the proxy/,
      )
      return true
    })
    watch.stop()
  })

  it('once the wire says the proxy answered, a stall is the plain one again', async () => {
    const attempt = new AbortController()
    const watch = new StallWatch(80, attempt, 'read url')
    const operation = (): Promise<never> => {
      reportProxyWait(attempt.signal, { proxy: 'http://127.0.0.1:3128', stage: 'request' })
      reportProxyWait(attempt.signal, undefined)
      return never()
    }
    await assert.rejects(
      watch.guard(operation),
      /^TransportError: read url: no data received for 80 ms$|read url: no data received for 80 ms/,
    )
    watch.stop()
  })

  it('a report after the watch stopped, or on a signal no watch listens to, is ignored', () => {
    const attempt = new AbortController()
    const watch = new StallWatch(80, attempt)
    watch.stop()
    reportProxyWait(attempt.signal, { proxy: 'http://p:1', stage: 'connect' })
    reportProxyWait(new AbortController().signal, undefined)
  })
})
