// The `verifying` event of the digest option through the real FileTarget: its `bytes` is what the
// check still reads back, not the object's size, once most of the file was hashed as it landed.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AbortedError, createDownload, type DownloadEvent } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { FakeTransport, makeObject } from '@resumable/testkit'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-verifying-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const MiB = 1024 * 1024
const KiB = 1024
/** Less than the piece FileTarget hashes ahead at a time (1 MiB): it is left for the check. */
const TAIL = 64 * KiB
const SIZE = 6 * MiB + TAIL

type Verifying = Extract<DownloadEvent, { type: 'verifying' }>

/**
 * A download of SIZE bytes in 1 MiB parts, one at a time, with the digest option; the last part
 * (the tail) is answered after `tailDelayMs`, time enough for the hashing ahead to catch up.
 */
function setup(name: string, tailDelayMs: number) {
  const object = makeObject(SIZE, 12)
  const transport = new FakeTransport(object)
  transport.fault = ({ start }) =>
    start === SIZE - TAIL ? { type: 'delay-headers', ms: tailDelayMs } : undefined
  const dest = join(root, name)
  const value = createHash('sha256').update(object.bytes).digest('hex')
  const checkpoint = new FileCheckpointStore()
  const run = () => {
    const events: Verifying[] = []
    const task = createDownload({
      transport,
      target: new FileTarget(dest),
      checkpoint,
      partSize: MiB,
      concurrency: 1,
      // A checkpoint after each part: a pause keeps what landed.
      checkpointIntervalMs: 1,
      digest: { algorithm: 'sha256', value },
    })
    task.on('verifying', (event) => {
      if (event.digest) events.push(event)
    })
    return { task, events }
  }
  return { object, transport, dest, run }
}

/**
 * What is left once the hashing ahead caught up before the delayed tail: at most the tail and
 * less than a piece before it (FileTarget hashes a whole piece at a time, so a last stretch may
 * wait; some of the tail may be hashed too, as its chunks land, so there is no lower bound).
 */
function assertTailLeft(bytes: number): void {
  assert.ok(bytes < SIZE, `bytes ${bytes} is less than the ${SIZE}-byte object`)
  assert.ok(bytes < TAIL + MiB, `bytes ${bytes}: at most the tail and under a piece`)
}

describe('the verifying event of a digest through FileTarget', () => {
  it('reports only the bytes not hashed ahead: the tail, not the whole object', async () => {
    const { object, dest, run } = setup('fresh.bin', 1000)
    const { task, events } = run()
    const result = await task.start()
    assert.equal(result.resumedBytes, 0)
    assert.equal(events.length, 1)
    assertTailLeft((events[0] as Verifying).bytes)
    assert.deepEqual(new Uint8Array(await readFile(dest)), object.bytes)
  })

  it('a resumed download counts the bytes of the earlier run that it hashed ahead, and reads back the rest', async () => {
    const { object, transport, dest, run } = setup('resumed.bin', 1000)
    const tail = transport.fault
    // The first run is paused while the third part's answer is held back.
    transport.fault = ({ start }) =>
      start === 2 * MiB ? { type: 'delay-headers', ms: 5000 } : undefined
    const first = run()
    first.task.on('checkpoint-saved', (event) => {
      if (event.durableBytes >= 2 * MiB) first.task.pause()
    })
    await assert.rejects(first.task.start(), AbortedError)
    transport.fault = tail
    const second = run()
    const result = await second.task.start()
    assert.ok(
      result.resumedBytes >= 2 * MiB && result.resumedBytes < SIZE - TAIL,
      `resumed ${result.resumedBytes}`,
    )
    // The earlier run's bytes are read back in the background while this run's parts land.
    assertTailLeft((second.events[0] as Verifying).bytes)
    assert.deepEqual(new Uint8Array(await readFile(dest)), object.bytes)
  })

  it('a resumed download with every part already in place hashed nothing ahead: it reads the whole file back', async () => {
    const { object, dest, run } = setup('complete.bin', 0)
    const first = run()
    first.task.on('verifying', (event) => {
      if (event.digest) first.task.pause()
    })
    await assert.rejects(first.task.start(), AbortedError)
    const second = run()
    const result = await second.task.start()
    assert.equal(result.resumedBytes, SIZE)
    assert.equal((second.events[0] as Verifying).bytes, SIZE)
    assert.deepEqual(new Uint8Array(await readFile(dest)), object.bytes)
  })
})
