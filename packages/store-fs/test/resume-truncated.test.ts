import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, truncate } from 'node:fs/promises'
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

describe('resuming from a temporary file shorter than its checkpoint says', () => {
  it('fetches again every part past the file’s end, says so, and ends byte-identical', async () => {
    const object = makeObject(8 * PART + 123, 7)
    const transport = new FakeTransport(object)
    transport.chunkDelayMs = 2
    const dest = join(root, 'object.bin')
    const settings = { partSize: PART, concurrency: 2, checkpointIntervalMs: 1 }
    let done = 0
    const first = createDownload({
      transport,
      target: new FileTarget(dest),
      checkpoint: new FileCheckpointStore(),
      ...settings,
      onEvent: (event) => {
        if (event.type === 'part-done' && ++done === 5) first.pause()
      },
    })
    await assert.rejects(first.start(), (e: unknown) => e instanceof AbortedError)
    // Keep part 0 and a little of part 1: everything the checkpoint names past that is lost.
    await truncate(`${dest}${TEMP_SUFFIX}`, PART + 10)
    const events: DownloadEvent[] = []
    transport.reads.length = 0
    const result = await download({
      transport,
      target: new FileTarget(dest),
      checkpoint: new FileCheckpointStore(),
      ...settings,
      onEvent: (event) => events.push(event),
    })
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
