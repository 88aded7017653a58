import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BatchTracker } from '../src/batch/batch-tracker.ts'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A tracker that has listed objects of these sizes, as run-batch counts them; its ETA is given
 * from the first measurement (`etaAfterMs`), so a test need not wait seconds for one.
 */
function listed(...sizes: number[]): BatchTracker {
  return listedWith(0, ...sizes)
}

function listedWith(etaAfterMs: number | undefined, ...sizes: number[]): BatchTracker {
  const tracker = new BatchTracker(etaAfterMs)
  for (const size of sizes) {
    tracker.listed++
    tracker.total++
    tracker.bytesTotal += size
  }
  return tracker
}

const failure = (key: string) => ({
  key,
  object: { key },
  kind: 'not-found',
  message: 'gone',
  error: undefined,
})

describe('the batch ETA counts only bytes that can still arrive', () => {
  it('is 0 once the listing is done and nothing is in flight, though a failed and a refused object are in the total', async () => {
    const tracker = listed(1000, 3 * 1024 * 1024, 500)
    // A refused key: failed without ever starting.
    tracker.failures.push(failure('refused'))
    // One downloaded; one failed half-way.
    tracker.started('ok')
    tracker.moved('ok', 500, 500)
    await sleep(150)
    tracker.finished('ok', { bytes: 500, fetched: 500 })
    tracker.started('broken')
    tracker.moved('broken', 400, 400)
    await sleep(150)
    tracker.finished('broken')
    tracker.failures.push(failure('broken'))
    tracker.listingDone = true
    const p = tracker.snapshot()
    assert.equal(p.objectsInFlight, 0)
    assert.ok(p.bytesPerSecond > 0, 'bytes were received')
    // The total still says what was listed (its promise); the ETA does not wait for the rest.
    assert.equal(p.bytesTotal, 1000 + 3 * 1024 * 1024 + 500)
    assert.equal(p.bytesDone, 500)
    assert.equal(p.etaSeconds, 0)
  })

  it("with the listed size of each object in flight, counts their rest only, not a failed object's", async () => {
    const tracker = listed(10_000, 1_000_000, 2_000)
    tracker.failures.push(failure('refused of 1 MB'))
    tracker.started('a', 10_000)
    tracker.started('b', 2_000)
    tracker.moved('a', 4_000, 4_000)
    await sleep(150)
    tracker.moved('b', 1_000, 1_000)
    tracker.listingDone = true
    const p = tracker.snapshot()
    assert.ok(p.bytesPerSecond > 0)
    const left = (p.etaSeconds as number) * p.bytesPerSecond
    assert.ok(Math.abs(left - (6_000 + 1_000)) < 1e-6, `bytes left: ${left}`)
  })

  it('keeps no ETA while the listing runs or a size is unknown', () => {
    const tracker = listed(100)
    assert.equal(tracker.snapshot().etaSeconds, undefined)
    tracker.sizesUnknown++
    tracker.listingDone = true
    tracker.started('x')
    assert.equal(tracker.snapshot().etaSeconds, undefined)
  })

  it('a successful batch ends with every listed byte done and ETA 0', async () => {
    const tracker = listed(300, 700)
    tracker.started('a', 300)
    tracker.started('b', 700)
    tracker.moved('a', 300, 300)
    await sleep(120)
    tracker.finished('a', { bytes: 300, fetched: 300 })
    tracker.listingDone = true
    const midway = tracker.snapshot()
    assert.ok(midway.bytesPerSecond > 0)
    assert.ok(Math.abs((midway.etaSeconds as number) * midway.bytesPerSecond - 700) < 1e-6)
    tracker.finished('b', { bytes: 700, fetched: 700 })
    const end = tracker.snapshot()
    assert.equal(end.bytesDone, end.bytesTotal)
    assert.equal(end.etaSeconds, 0)
  })
})

describe('the batch ETA early in a run', () => {
  it('is unknown in the first seconds, however fast the first bytes came: a few small objects say little of a big one', async () => {
    const tracker = listedWith(undefined, 1, 3 * 1024 * 1024)
    tracker.started('small', 1)
    tracker.moved('small', 1, 1)
    await sleep(150)
    tracker.finished('small', { bytes: 1, fetched: 1 })
    tracker.started('big', 3 * 1024 * 1024)
    tracker.listingDone = true
    const p = tracker.snapshot()
    assert.ok(p.bytesPerSecond > 0, 'a rate is known')
    assert.equal(p.etaSeconds, undefined)
  })
})

describe('the batch byte total of an object that changed after it was listed', () => {
  it('grows with an object bigger than listed, in flight and once done: bytes done never exceed it', () => {
    const tracker = listed(12)
    tracker.started('a', 12)
    tracker.moved('a', 22, 22)
    const midway = tracker.snapshot()
    assert.deepEqual([midway.bytesDone, midway.bytesTotal], [22, 22])
    tracker.finished('a', { bytes: 22, fetched: 22 })
    const end = tracker.snapshot()
    assert.deepEqual([end.bytesDone, end.bytesTotal], [22, 22])
  })

  it('shrinks to the size that arrived once an object smaller than listed is done', () => {
    const tracker = listed(12, 4)
    tracker.started('a', 12)
    tracker.finished('a', { bytes: 5, fetched: 5 })
    assert.equal(tracker.snapshot().bytesTotal, 5 + 4)
  })
})
