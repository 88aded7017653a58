import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ProgressMeter } from '../src/progress-meter.ts'

const MB = 1_000_000

describe('ProgressMeter', () => {
  it('gives a rate for a run shorter than one sampling interval (a small file is not "0 B/s")', () => {
    const meter = new ProgressMeter(0, 1_000)
    meter.sample(64 * 1024, 1_010)
    meter.sample(128 * 1024, 1_020)
    assert.equal(meter.rate(), (128 * 1024 * 1000) / 20)
  })

  it('measures from what the run had fetched when it started, not from zero', () => {
    const meter = new ProgressMeter(5 * MB, 0)
    meter.sample(6 * MB, 1_000)
    assert.equal(meter.rate(), MB)
  })

  it('follows the last five seconds, not the whole run', () => {
    const meter = new ProgressMeter(0, 0)
    let bytes = 0
    for (let s = 1; s <= 20; s++) {
      bytes += s <= 10 ? MB : 3 * MB
      meter.sample(bytes, s * 1000)
    }
    // 1 MB/s for ten seconds, then 3 MB/s: the window sees only the second pace.
    assert.equal(Math.round(meter.rate()), 3 * MB)
    const snapshot = meter.snapshot({
      bytesDone: bytes,
      totalBytes: bytes + 6 * MB,
      resumedBytes: 0,
      partsDone: 0,
      partsTotal: 1,
      partsInFlight: 1,
    })
    assert.equal(Math.round(snapshot.etaSeconds as number), 2)
  })

  it('gives no ETA in the run’s first second (start-up is not the pace), then one from the window', () => {
    const meter = new ProgressMeter(0, 0)
    const fields = (bytesDone: number) => ({
      bytesDone,
      totalBytes: 100 * MB,
      resumedBytes: 0,
      partsDone: 0,
      partsTotal: 8,
      partsInFlight: 8,
    })
    // Connections opening: 0.4 MB in the first 100 ms.
    meter.sample(0.4 * MB, 100)
    const early = meter.snapshot(fields(0.4 * MB))
    assert.equal(early.etaSeconds, undefined)
    assert.ok(early.bytesPerSecond > 0, 'the rate so far is still shown')
    meter.sample(40 * MB, 1_000)
    const settled = meter.snapshot(fields(40 * MB))
    assert.equal(Math.round(settled.etaSeconds as number), 2)
    // Finished: 0 whenever it is.
    const quick = new ProgressMeter(0, 0)
    quick.sample(100 * MB, 300)
    assert.equal(quick.snapshot(fields(100 * MB)).etaSeconds, 0)
  })
})
