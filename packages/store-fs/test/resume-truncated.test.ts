import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readFile, rm, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AbortedError, createDownload, type DownloadEvent, download } from '@resumable/core'
import { FileCheckpointStore, FileTarget, TEMP_SUFFIX } from '@resumable/store-fs'
import { FakeTransport, makeObject } from '@resumable/testkit'

const PART = 128 * 1024

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-truncated-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

type Settings = { partSize: number; concurrency: number; checkpointIntervalMs: number }

/** Downloads to `dest` until `partsDone` parts are done, then pauses (the checkpoint is saved). */
async function pauseAfter(
  transport: FakeTransport,
  dest: string,
  settings: Settings,
  partsDone: number,
): Promise<void> {
  let done = 0
  const first = createDownload({
    transport,
    target: new FileTarget(dest),
    checkpoint: new FileCheckpointStore(),
    ...settings,
    onEvent: (event) => {
      if (event.type === 'part-done' && ++done === partsDone) first.pause()
    },
  })
  await assert.rejects(first.start(), (e: unknown) => e instanceof AbortedError)
}

/** Runs the same download again to the end, with its events. */
async function resume(transport: FakeTransport, dest: string, settings: Settings) {
  const events: DownloadEvent[] = []
  const result = await download({
    transport,
    target: new FileTarget(dest),
    checkpoint: new FileCheckpointStore(),
    ...settings,
    onEvent: (event) => events.push(event),
  })
  return { events, result }
}

describe('resuming from a temporary file shorter than its checkpoint says', () => {
  it('fetches again every part past the file’s end, says so, and ends byte-identical', async () => {
    const object = makeObject(8 * PART + 123, 7)
    const transport = new FakeTransport(object)
    transport.chunkDelayMs = 2
    const dest = join(root, 'object.bin')
    const settings = { partSize: PART, concurrency: 2, checkpointIntervalMs: 1 }
    await pauseAfter(transport, dest, settings, 5)
    // Keep part 0 and a little of part 1: everything the checkpoint names past that is lost.
    await truncate(`${dest}${TEMP_SUFFIX}`, PART + 10)
    transport.reads.length = 0
    const { events, result } = await resume(transport, dest, settings)
    const truncated = events.find((e) => e.type === 'resume-truncated')
    assert.ok(truncated && truncated.type === 'resume-truncated', 'a resume-truncated event')
    assert.equal(truncated.length, PART + 10)
    assert.ok(truncated.partsRefetched.length >= 4, `lost parts: ${truncated.partsRefetched}`)
    assert.ok(!truncated.partsRefetched.includes(0), 'part 0 lies within the file: kept')
    assert.ok(!transport.reads.some((r) => r.start === 0), 'part 0 was not requested again')
    assert.deepEqual(new Uint8Array(await readFile(dest)), object.bytes)
    assert.equal(result.verification.method, 'crc64xz')
  })
})

describe('resuming from a temporary file longer than the object', () => {
  it('discards the checkpoint as temp-unusable, saying how long the file is, not that it is gone', async () => {
    const object = makeObject(4 * PART, 8)
    const transport = new FakeTransport(object)
    transport.chunkDelayMs = 2
    const dest = join(root, 'longer.bin')
    const settings = { partSize: PART, concurrency: 1, checkpointIntervalMs: 1 }
    await pauseAfter(transport, dest, settings, 1)
    // Grow the partial file past the object's end, as a stray writer or a hand edit would.
    await appendFile(`${dest}${TEMP_SUFFIX}`, new Uint8Array(4 * PART + 1))
    const { events, result } = await resume(transport, dest, settings)
    const discarded = events.find((e) => e.type === 'checkpoint-discarded')
    assert.ok(discarded?.type === 'checkpoint-discarded', 'a checkpoint-discarded event')
    assert.equal(discarded.problem, 'temp-unusable')
    assert.match(discarded.message, /holds \d+ bytes, more than the object's 524288/)
    assert.equal(result.resumedBytes, 0)
    assert.deepEqual(new Uint8Array(await readFile(dest)), object.bytes)
  })
})
