import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  AbortedError,
  CheckpointCodec,
  createDownload,
  type DownloadEvent,
  download,
  type ReadRequest,
  SlotPool,
  type Transport,
} from '@resumable/core'
import { MemoryTarget } from '@resumable/store-memory'
import { makeObject, PowerSwitch } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024
const MiB = 1024 * KiB

interface PacedRead {
  readonly start: number
  readonly end: number
  /** Body bytes the engine pulled from this response. */
  pulled: number
}

/**
 * Wraps a transport so each response's chunks come `delayMs(read)` ms apart (0: at once), and
 * records how many bytes the engine pulled from each response: a connection that slows down.
 */
function paced(
  inner: Transport,
  delayMs: (read: { start: number; n: number }) => number,
  onChunk?: (read: PacedRead) => void,
): Transport & { reads: PacedRead[] } {
  const reads: PacedRead[] = []
  return {
    reads,
    id: inner.id,
    stat: inner.stat.bind(inner),
    async read(request: ReadRequest) {
      const record: PacedRead = { start: request.start, end: request.end, pulled: 0 }
      const n = reads.length
      reads.push(record)
      const response = await inner.read(request)
      const body = response.body as ReadableStream<Uint8Array>
      async function* slowly(): AsyncGenerator<Uint8Array> {
        const reader = body.getReader()
        try {
          for (;;) {
            const wait = delayMs({ start: request.start, n })
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
            const { done, value } = await reader.read()
            if (done) return
            record.pulled += value.length
            onChunk?.(record)
            yield value
          }
        } finally {
          await reader.cancel().catch(() => undefined)
        }
      }
      return { ...response, body: slowly() }
    },
  }
}

const lastResumeCheck = (events: DownloadEvent[]): DownloadEvent | undefined =>
  events.filter((e) => e.type === 'resume-checked').at(-1)

const partDones = (events: DownloadEvent[]): number[] =>
  events.flatMap((e) => (e.type === 'part-done' ? [e.index] : []))

describe('an idle worker splits the tail off a part still in flight', () => {
  it('fetches the second half of a slow last part on another request, and the file and CRC come out exact', async () => {
    // Three parts of 4 MiB; the third part's connection is slow (64 KiB every 25 ms: ~1.5 s left
    // when the others end, so a loaded machine's slow answers still make a split pay), the others
    // take ~70 ms (long enough for the slow one to show its rate).
    const object = makeObject(12 * MiB)
    const { options, transport: inner, target, events } = setup(object)
    inner.chunkSize = 64 * KiB
    const transport = paced(inner, ({ start, n }) => (start === 8 * MiB && n < 3 ? 25 : 1))
    const result = await download(
      options({ transport, partSize: 4 * MiB, concurrency: 3, writeBufferSize: 256 * KiB }),
    )
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    const slow = transport.reads.find((r) => r.start === 8 * MiB) as PacedRead
    const tails = transport.reads.filter((r) => r.start % (4 * MiB) !== 0)
    assert.ok(tails.length >= 1, `reads: ${JSON.stringify(transport.reads)}`)
    // The tail ends where the part ends; the slow request stopped where the tail begins.
    const first = tails[0] as PacedRead
    assert.ok(first.start > 8 * MiB && first.end === 12 * MiB - 1, JSON.stringify(first))
    assert.ok(slow.pulled <= first.start - 8 * MiB, `the slow request pulled ${slow.pulled}`)
    assert.ok(slow.pulled < 4 * MiB)
    // Not one byte fetched twice; each part reported done once.
    assert.equal(result.fetchedBytes, object.bytes.length)
    assert.deepEqual(
      partDones(events).sort((a, b) => a - b),
      [0, 1, 2],
    )
    // Each tail request was announced with the range it asked for, before its part was done.
    const splits = events.flatMap((e) => (e.type === 'part-split' ? [e] : []))
    assert.deepEqual(
      splits.map(({ index, start, end }) => ({ index, start, end })),
      tails.map(({ start, end }) => ({ index: 2, start, end })),
    )
    assert.ok(
      events.indexOf(splits[0] as DownloadEvent) <
        events.findIndex((e) => e.type === 'part-done' && e.index === 2),
    )
  })

  it('splits a tail again while it is still slow, and every piece lands at its offset', async () => {
    // One straggling part of 8 MiB; every request but the first two parts' is slow, so the
    // tails are split in turn until the pieces are too short.
    const object = makeObject(16 * MiB + 5)
    const { options, transport: inner, target } = setup(object)
    inner.chunkSize = 64 * KiB
    const transport = paced(inner, ({ n }) => (n === 0 ? 0 : 10))
    const result = await download(
      options({ transport, partSize: 8 * MiB, concurrency: 4, writeBufferSize: 128 * KiB }),
    )
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    assert.equal(result.fetchedBytes, object.bytes.length)
    const tails = transport.reads.filter((r) => r.start % (8 * MiB) !== 0)
    assert.ok(tails.length >= 2, `reads: ${JSON.stringify(transport.reads)}`)
    for (const tail of tails) {
      assert.ok(tail.end - tail.start + 1 >= 512 * KiB, `a piece of ${tail.end - tail.start + 1}`)
    }
  })

  it('does not split a tail that its own request finishes in less than four of the run’s slowest answers', async () => {
    // The third part's request needs ~1.5 s more when the others end. Near the store, a new
    // request for half of it pays (unless the machine is so loaded that its slowest answer took
    // over 375 ms); from a distant one (every answer 2 s, four of them 8 s) it would save less
    // than it costs, even if a loaded machine paced the bytes several times slower.
    const object = makeObject(12 * MiB)
    for (const answerMs of [0, 2000]) {
      const { options, transport: inner, target } = setup(object)
      inner.chunkSize = 64 * KiB
      if (answerMs > 0) inner.fault = () => ({ type: 'delay-headers', ms: answerMs })
      const transport = paced(inner, ({ start }) => (start === 8 * MiB ? 25 : 1))
      await download(
        options({ transport, partSize: 4 * MiB, concurrency: 3, writeBufferSize: 256 * KiB }),
      )
      assert.deepEqual(target.committed, object.bytes)
      const starts = transport.reads.map((r) => r.start)
      if (answerMs === 0) assert.ok(starts.length > 3, `near: ${starts}`)
      else assert.deepEqual(starts, [0, 4 * MiB, 8 * MiB], `distant: ${starts}`)
    }
  })

  it('spreads an object of fewer parts than workers over more requests, but not under a shared slot budget', async () => {
    // Two parts of 4 MiB at concurrency 4: the two spare workers split tails off them once their
    // rates show. Sharing a SlotPool, spare workers would hold slots others wait for: two requests.
    const object = makeObject(8 * MiB)
    for (const shared of [false, true]) {
      const { options, transport: inner, target } = setup(object)
      inner.chunkSize = 64 * KiB
      const transport = paced(inner, () => 8)
      const result = await download(
        options({
          transport,
          partSize: 4 * MiB,
          concurrency: 4,
          ...(shared ? { slots: new SlotPool(4) } : {}),
        }),
      )
      assert.deepEqual(target.committed, object.bytes)
      assert.equal(result.fetchedBytes, object.bytes.length)
      const starts = transport.reads.map((r) => r.start)
      if (shared) assert.deepEqual(starts, [0, 4 * MiB])
      else assert.ok(starts.length >= 4, `${starts}`)
    }
  })

  it('does not split a part whose untaken bytes are under 2 MiB', async () => {
    const object = makeObject(3 * MiB)
    const { options, transport: inner, target } = setup(object)
    inner.chunkSize = 64 * KiB
    const transport = paced(inner, ({ start }) => (start === 2 * MiB ? 5 : 0))
    await download(options({ transport, partSize: MiB, concurrency: 3 }))
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(
      transport.reads.map((r) => r.start),
      [0, MiB, 2 * MiB],
    )
  })
})

describe('a split part and its checkpoint', () => {
  it('a checkpoint names only the part’s contiguous prefix: a finished tail ahead of it is fetched again after a pause', async () => {
    const object = makeObject(8 * MiB)
    const { options, transport: inner, target, store, events } = setup(object)
    inner.chunkSize = 64 * KiB
    // Part 1's own request crawls; the tail split off it is quick.
    const transport = paced(inner, ({ start, n }) => (start === 4 * MiB && n === 1 ? 15 : 0))
    const handle = createDownload(
      options({
        transport,
        partSize: 4 * MiB,
        concurrency: 2,
        checkpointIntervalMs: 5,
        progressIntervalMs: 0,
      }),
    )
    let tailDone = false
    handle.on('checkpoint-saved', () => {
      const tail = transport.reads[2]
      if (tail && tail.pulled === tail.end - tail.start + 1 && !tailDone) {
        tailDone = true
        handle.pause()
      }
    })
    await assert.rejects(
      handle.start(),
      (e: unknown) => e instanceof AbortedError && e.kind === 'paused',
    )
    const tail = transport.reads[2] as PacedRead
    assert.ok(tailDone, `reads: ${JSON.stringify(transport.reads)}`)
    assert.equal(tail.end, 8 * MiB - 1)
    const saved = CheckpointCodec.decode((await store.load(target.id)) as Uint8Array)
    const partial = saved.state.partial(1)
    assert.ok(saved.state.isDone(0))
    assert.ok(!saved.state.isDone(1))
    assert.ok((partial?.written ?? 0) <= tail.start - 4 * MiB, `named ${partial?.written}`)
    const paused = events.find((e) => e.type === 'paused')
    assert.ok(paused?.type === 'paused' && paused.durableBytes <= tail.start)
    // Progress counted the finished tail all the same, and never went back.
    const progress = events.flatMap((e) => (e.type === 'progress' ? [e.progress.bytesDone] : []))
    assert.ok(progress.every((bytes, i) => i === 0 || bytes >= (progress[i - 1] as number)))
    const tailBytes = tail.end - tail.start + 1
    assert.ok(
      (progress.at(-1) as number) >= paused.durableBytes + tailBytes,
      `progress ${progress.at(-1)}, durable ${paused.durableBytes}, tail ${tailBytes}`,
    )

    const again = paced(inner, () => 0)
    const result = await download(options({ transport: again, recheckResumedParts: true }))
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    const checked = lastResumeCheck(events)
    assert.ok(checked?.type === 'resume-checked' && checked.partsRefetched.length === 0)
    assert.ok(again.reads.every((r) => r.start <= tail.start))
  })

  it('once the head is written, the prefix runs on into the tail, with a CRC that a recheck accepts', async () => {
    const object = makeObject(8 * MiB)
    const { options, transport: inner, target, store, events } = setup(object)
    inner.chunkSize = 64 * KiB
    // Part 1's own request is slow until a tail is split off it, then quick; the tail crawls.
    let split = false
    const transport = paced(inner, ({ start, n }) => {
      if (n === 2) {
        split = true
        return 15
      }
      return start === 4 * MiB && !split ? 15 : 0
    })
    const handle = createDownload(
      options({ transport, partSize: 4 * MiB, concurrency: 2, checkpointIntervalMs: 5 }),
    )
    let named = 0
    handle.on('checkpoint-saved', async () => {
      const tail = transport.reads[2]
      if (!tail || named > 0) return
      const saved = CheckpointCodec.decode((await store.load(target.id)) as Uint8Array)
      const written = saved.state.partial(1)?.written ?? 0
      if (written > tail.start - 4 * MiB + 256 * KiB) {
        named = written
        handle.pause()
      }
    })
    await assert.rejects(
      handle.start(),
      (e: unknown) => e instanceof AbortedError && e.kind === 'paused',
    )
    assert.ok(named > 0, `reads: ${JSON.stringify(transport.reads)}`)
    const again = paced(inner, () => 0)
    const result = await download(options({ transport: again, recheckResumedParts: true }))
    assert.deepEqual(target.committed, object.bytes)
    const checked = lastResumeCheck(events)
    assert.ok(checked?.type === 'resume-checked' && checked.partsRefetched.length === 0)
    assert.ok(result.resumedBytes >= 4 * MiB + named)
    assert.equal(result.fetchedBytes, object.bytes.length - result.resumedBytes)
  })

  it('after power cuts at instants among split tails, resumes exactly and never trusts an unwritten byte', async () => {
    const object = makeObject(12 * MiB + 1234)
    for (let round = 0; round < 6; round++) {
      const { volume, options, transport: inner, store, events } = setup(object)
      inner.chunkSize = 64 * KiB
      const power = new PowerSwitch()
      const dying = new MemoryTarget('/dest/file.bin', { volume })
      // The third part crawls (20 ms a chunk: its tail pays to split even on a loaded machine,
      // where answers are slow), so its tail is split off; the power goes once the tails have
      // pulled 64 KiB, 214 KiB, … 814 KiB (a tail is at least 1 MiB), a different instant each round.
      const cutAt = 64 * KiB + round * 150 * KiB
      let tailBytes = 0
      const transport = paced(
        inner,
        ({ start }) => (start === 8 * MiB ? 20 : 1),
        (read) => {
          if (read.start % (4 * MiB) === 0) return
          tailBytes += 64 * KiB
          if (tailBytes >= cutAt && power.on) power.pull(() => volume.crash())
        },
      )
      const settings = { partSize: 4 * MiB, concurrency: 3, writeBufferSize: 128 * KiB }
      await assert.rejects(
        download(
          options({
            ...settings,
            transport,
            target: power.target(dying),
            checkpoint: power.store(store),
          }),
        ),
      )
      const survivor = new MemoryTarget('/dest/file.bin', { volume })
      const result = await download(
        options({ ...settings, target: survivor, recheckResumedParts: true }),
      )
      assert.deepEqual(survivor.committed, object.bytes, `round ${round}`)
      const checked = lastResumeCheck(events)
      if (checked?.type === 'resume-checked') assert.deepEqual(checked.partsRefetched, [])
      assert.equal(result.fetchedBytes, object.bytes.length - result.resumedBytes)
    }
  })
})
