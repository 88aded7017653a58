import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { QuickCalls } from '../src/quick-calls.ts'

describe('QuickCalls', () => {
  it('stays on while calls take tens of microseconds, and after a single slow one', () => {
    const quick = new QuickCalls()
    for (let i = 0; i < 100; i++) quick.took(0.05)
    quick.took(40)
    for (let i = 0; i < 100; i++) quick.took(0.05)
    assert.equal(quick.on, true)
  })

  it('turns off once three of the last eight calls took over 0.2 ms, and stays off for 30 s', () => {
    let now = 0
    const quick = new QuickCalls(() => now)
    quick.took(0.5)
    quick.took(0.05)
    quick.took(5)
    assert.equal(quick.on, true)
    quick.took(0.25)
    assert.equal(quick.on, false)
    // Calls made on the pool meanwhile (reported or not) do not bring it back.
    for (let i = 0; i < 100; i++) quick.took(0.05)
    now = 29_999
    assert.equal(quick.on, false)
  })

  it('after 30 s off, tries one call: quick, and the kind is judged afresh', () => {
    let now = 0
    const quick = new QuickCalls(() => now)
    for (let i = 0; i < 3; i++) quick.took(1)
    assert.equal(quick.on, false)
    now = 30_000
    assert.equal(quick.on, true, 'a try is due')
    quick.took(0.05)
    assert.equal(quick.on, true)
    // Judged afresh: the slow calls from before the pool do not count against it.
    quick.took(1)
    quick.took(1)
    assert.equal(quick.on, true)
    quick.took(1)
    assert.equal(quick.on, false)
    // Sent back a second time: the next try waits twice as long.
    now += 59_999
    assert.equal(quick.on, false)
    now += 1
    assert.equal(quick.on, true)
  })

  it('a try that is slow keeps the kind on the pool, and the wait doubles each time up to 16 min', () => {
    let now = 0
    const quick = new QuickCalls(() => now)
    for (let i = 0; i < 3; i++) quick.took(1)
    const waits: number[] = []
    let offSince = now
    for (let tries = 0; tries < 8; tries++) {
      let waited = 0
      while (!quick.on) {
        now += 1000
        waited += 1000
        if (waited > 3_600_000) assert.fail('no try within an hour')
      }
      waits.push(now - offSince)
      quick.took(1)
      offSince = now
      assert.equal(quick.on, false, 'a slow try sends it straight back')
    }
    assert.deepEqual(
      waits.map((ms) => ms / 60_000),
      [0.5, 1, 2, 4, 8, 16, 16, 16],
    )
  })

  it('slow calls spread wider than eight calls apart keep it on', () => {
    const quick = new QuickCalls()
    for (let i = 0; i < 40; i++) quick.took(i % 4 === 0 ? 10 : 0.05)
    assert.equal(quick.on, true)
  })

  it('each kind of call has one judge for the process, its own', () => {
    assert.equal(QuickCalls.shared('create'), QuickCalls.shared('create'))
    assert.notEqual(QuickCalls.shared('create'), QuickCalls.shared('link'))
  })

  it('run returns the call’s value, and rethrows its error after timing it', () => {
    const quick = new QuickCalls()
    assert.equal(
      quick.run(() => 42),
      42,
    )
    const slow = (): never => {
      const until = performance.now() + 1
      while (performance.now() < until) {}
      throw new Error('EIO')
    }
    for (let i = 0; i < 3; i++) assert.throws(() => quick.run(slow), /EIO/)
    assert.equal(quick.on, false)
  })
})
