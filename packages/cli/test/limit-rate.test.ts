import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

const KiB = 1024
const RATE = 32 * KiB
const SIZE = 160 * KiB
const bytes = makeBytes(SIZE, 41)
let server: MockOssServer
let dir = ''

before(async () => {
  server = await startMockOss()
  server.oss.putObject('bucket', 'slow.bin', { bytes })
  dir = await mkdtemp(join(tmpdir(), 'cli-limit-rate-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

interface Event {
  readonly type: string
  readonly [field: string]: unknown
}

/** Runs `get --json` and returns each event with the milliseconds since the `start` event. */
async function jsonGet(url: string, dest: string, flags: readonly string[]) {
  const lines: { at: number; event: Event }[] = []
  const env = fakeEnvironment({
    files: filePlaces,
    io: {
      out: (text) => {
        for (const line of text.split('\n').filter((l) => l !== ''))
          lines.push({ at: performance.now(), event: JSON.parse(line) as Event })
      },
      err: (text) => assert.fail(`nothing on stderr with --json: ${text}`),
      isTTY: false,
      columns: 80,
    },
  })
  const code = await main(['get', url, dest, '--json', ...flags], env.cli)
  const started = lines.find((l) => l.event.type === 'start')?.at ?? 0
  return { code, events: lines.map((l) => ({ at: l.at - started, event: l.event })) }
}

describe('--limit-rate below the rate of a chunk (64 KiB)', () => {
  it('32 KiB/s on 160 KiB: bytes land steadily (no 64 KiB burst after a 2 s hold), the rate shown is the limit, and no stall or retry, even with a 1 s stall window', async () => {
    const dest = join(dir, 'slow.bin')
    const { code, events } = await jsonGet(`${server.url}/bucket/slow.bin`, dest, [
      '--limit-rate',
      '32KiB/s',
      '--stall-timeout',
      '1',
    ])
    assert.equal(code, 0, JSON.stringify(events.at(-1)))
    const file = new Uint8Array(await readFile(dest))
    assert.ok(Buffer.compare(Buffer.from(file), Buffer.from(bytes)) === 0, 'bytes differ')
    const done = events.find((e) => e.event.type === 'done')
    assert.equal(done?.event.retries, 0, JSON.stringify(done?.event))
    assert.equal(events.filter((e) => e.event.type === 'retry').length, 0)
    // The limit holds over the run: 160 KiB less the bucket's first tenth of a second.
    const took = done?.at ?? 0
    const least = ((SIZE - RATE / 10) / RATE) * 1000
    assert.ok(took >= least - 50, `160 KiB at 32 KiB/s in ${took.toFixed(0)} ms`)
    // Late timers on a loaded machine (CI runs three runtimes at once) only make it slower.
    assert.ok(took <= least + 6000, `160 KiB at 32 KiB/s in ${took.toFixed(0)} ms`)
    const progress = events.filter((e) => e.event.type === 'progress')
    // Written about every second (the checkpoint cadence), a second's worth at a time: never
    // more than a second and a half's worth between two reports, never a whole chunk.
    let last = 0
    for (const { at, event } of progress) {
      const grew = Number(event.bytesDone) - last
      assert.ok(grew <= RATE * 1.5, `${grew} bytes at once at ${at.toFixed(0)} ms`)
      last = Number(event.bytesDone)
      // Delivered by then: no more than the limit allows (plus its 100 ms burst and a slice).
      assert.ok(last <= (RATE * at) / 1000 + RATE / 5, `${last} bytes by ${at.toFixed(0)} ms`)
    }
    const early = progress.find((e) => e.at >= 1200)
    assert.ok(
      early !== undefined && Number(early.event.bytesDone) > 0,
      'bytes written in the first second',
    )
    // The rate shown once the run is measured is the limit: a few percent above at most (the
    // bucket's burst); below only as much as a loaded machine's late timers make it (generous:
    // the old overshoot is what this guards).
    for (const { at, event } of progress.filter((e) => e.at >= 1500 && e.at < took - 100)) {
      const rate = Number(event.bytesPerSecond)
      const shown = `${rate.toFixed(0)} B/s at ${at.toFixed(0)} ms`
      assert.ok(rate <= RATE * 1.08 && rate >= RATE * 0.6, shown)
    }
  })
})
