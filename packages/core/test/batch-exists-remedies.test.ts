import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type BatchFailure, downloadMany, TargetError } from '@resumable/core'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'

/** One object of 64 bytes, `data/x.bin`, and a file of `size` bytes (not its bytes) at its destination. */
function occupied(size: number): MemoryDestination {
  const bucket = new FakeBucket()
  bucket.put('data/x.bin', 64)
  const dest = new MemoryDestination(bucket)
  dest.put('x.bin', new Uint8Array(size))
  return dest
}

/** The failure as the summary and as the object-failed event carry it: they must agree. */
async function failureOf(
  size: number,
  options: { skipExisting?: boolean } = {},
): Promise<{ summary: BatchFailure; event: BatchFailure }> {
  const dest = occupied(size)
  const events: BatchFailure[] = []
  const result = await downloadMany({
    ...dest.batchOptions(),
    ...options,
    onEvent: (event) => {
      if (event.type === 'object-failed') events.push(event.failure)
    },
  })
  assert.equal(result.failures.length, 1)
  assert.equal(events.length, 1)
  return { summary: result.failures[0] as BatchFailure, event: events[0] as BatchFailure }
}

describe('an exists failure says which options would have decided about the file', () => {
  it('with none of them given, a file of the listed size: skipExisting, update and overwrite, on the error, the summary and the event', async () => {
    const { summary, event } = await failureOf(64)
    const all = ['skipExisting', 'update', 'overwrite']
    assert.equal(summary.kind, 'exists')
    assert.ok(summary.error instanceof TargetError)
    assert.deepEqual(summary.error.remedies, all)
    assert.deepEqual(summary.remedies, all)
    assert.deepEqual(event.remedies, all)
  })

  it('with none of them given, a file of another size than the listed one: update and overwrite, not skipExisting, which skips only a file of the same size', async () => {
    const { summary, event } = await failureOf(5)
    assert.match(summary.message, /a file of another size/)
    assert.deepEqual(summary.remedies, ['update', 'overwrite'])
    assert.deepEqual(event.remedies, ['update', 'overwrite'])
  })

  it('with no size from the source (a manifest) and a file of another size: update and overwrite, the size asked of the store', async () => {
    const dest = occupied(5)
    const options = dest.batchOptions()
    const unsized = [...(options.objects as Iterable<{ key: string }>)].map(({ key }) => ({ key }))
    const result = await downloadMany({ ...options, objects: unsized })
    const failure = result.failures[0] as BatchFailure
    assert.match(failure.message, /a file of another size/)
    assert.deepEqual(failure.remedies, ['update', 'overwrite'])
  })

  it('under skipExisting, a file of another size: update and overwrite, not skipExisting again', async () => {
    const { summary, event } = await failureOf(5, { skipExisting: true })
    assert.match(summary.message, /a file of another size/)
    assert.deepEqual(summary.remedies, ['update', 'overwrite'])
    assert.deepEqual(event.remedies, ['update', 'overwrite'])
  })
})

describe('TargetError.remedies', () => {
  it('are kept in one order, each once, and are undefined when none were given', () => {
    const error = new TargetError('exists', 'x', { remedies: ['overwrite', 'update', 'overwrite'] })
    assert.deepEqual(error.remedies, ['update', 'overwrite'])
    assert.ok(Object.isFrozen(error.remedies))
    assert.equal(new TargetError('io', 'x').remedies, undefined)
    assert.deepEqual(new TargetError('exists', 'x', { remedies: [] }).remedies, [])
  })
})
