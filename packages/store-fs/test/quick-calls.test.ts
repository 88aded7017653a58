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

  it('turns off for good once three of the last eight calls took over 0.2 ms', () => {
    const quick = new QuickCalls()
    quick.took(0.5)
    quick.took(0.05)
    quick.took(5)
    assert.equal(quick.on, true)
    quick.took(0.25)
    assert.equal(quick.on, false)
    for (let i = 0; i < 100; i++) quick.took(0.05)
    assert.equal(quick.on, false)
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
