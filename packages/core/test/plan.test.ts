import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_PART_SIZE, OptionsError, partRange, planParts } from '@resumable/core'

const MiB = 1024 * 1024
const TiB = 1024 ** 4

describe('planParts', () => {
  it('plans no parts for an empty object', () => {
    assert.deepEqual(planParts(0, 8 * MiB), { size: 0, partSize: 8 * MiB, partCount: 0 })
  })

  it('plans one 1-byte part for a 1-byte object', () => {
    const plan = planParts(1, 8 * MiB)
    assert.equal(plan.partCount, 1)
    assert.deepEqual(partRange(plan, 0), { start: 0, end: 0 })
  })

  it('gives equal parts when the size is an exact multiple of the part size', () => {
    const plan = planParts(4 * MiB, MiB)
    assert.equal(plan.partCount, 4)
    assert.deepEqual(partRange(plan, 3), { start: 3 * MiB, end: 4 * MiB - 1 })
  })

  it('makes the last part short when the size is not a multiple', () => {
    const plan = planParts(4 * MiB + 10, MiB)
    assert.equal(plan.partCount, 5)
    assert.deepEqual(partRange(plan, 4), { start: 4 * MiB, end: 4 * MiB + 9 })
  })

  it('covers every byte exactly once', () => {
    const plan = planParts(10 * MiB + 7, 3 * MiB)
    let next = 0
    for (let i = 0; i < plan.partCount; i++) {
      const { start, end } = partRange(plan, i)
      assert.equal(start, next)
      next = end + 1
    }
    assert.equal(next, plan.size)
  })

  it('raises the part size for a 5 TiB object so the count stays within maxParts', () => {
    const plan = planParts(5 * TiB, 8 * MiB)
    assert.ok(plan.partCount <= 10_000, `${plan.partCount} parts`)
    assert.equal(plan.partSize % MiB, 0)
    assert.ok(plan.partSize <= MAX_PART_SIZE)
    assert.equal(plan.partCount, Math.ceil(plan.size / plan.partSize))
  })

  it('keeps the requested part size when it already fits', () => {
    assert.equal(planParts(100 * MiB, 8 * MiB).partSize, 8 * MiB)
  })

  for (const [size, partSize] of [
    [-1, MiB],
    [1.5, MiB],
    [Number.NaN, MiB],
    [10, 0],
    [10, -5],
  ]) {
    it(`rejects size ${size} / part size ${partSize} with OptionsError`, () => {
      assert.throws(() => planParts(size as number, partSize as number), OptionsError)
    })
  }
})
