import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  AbortedError,
  CheckpointCodec,
  createDownload,
  download,
  IntegrityError,
  ObjectChangedError,
  OptionsError,
  TargetError,
  TransportError,
} from '@resumable/core'
import { MemoryTarget, type MemoryVolume } from '@resumable/store-memory'
import { makeObject, PowerSwitch } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024

/** Flips one byte of a paused download's temp data, as a faulty disk would. */
async function flipDurableByte(
  volume: MemoryVolume,
  id: string,
  offset: number,
  size: number,
): Promise<void> {
  const editor = new MemoryTarget(id, { volume })
  await editor.open({ size, resume: true })
  const [byte] = await editor.read(offset, 1)
  await editor.write(offset, new Uint8Array([(byte as number) ^ 0xff]))
  await editor.sync()
}

describe('download: happy paths', () => {
  it('downloads byte-identical, verifies CRC-64/XZ and removes the checkpoint', async () => {
    const object = makeObject(1000 * KiB + 123)
    const { target, store, options, transport } = setup(object)
    const result = await download(options())
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    assert.equal(result.partCount, 11)
    assert.equal(result.fetchedBytes, object.bytes.length)
    assert.equal(transport.servedBytes, object.bytes.length)
    assert.deepEqual(store.keys(), [])
  })

  it('asks for exactly the planned ranges: full parts and a short last part', async () => {
    const { transport, options } = setup(makeObject(250 * KiB))
    await download(options({ concurrency: 1 }))
    assert.deepEqual(
      transport.reads.map((r) => [r.start, r.end]),
      [
        [0, 102399],
        [102400, 204799],
        [204800, 255999],
      ],
    )
  })

  it('commits an empty object without reading and verifies its CRC of 0', async () => {
    const object = makeObject(0)
    const { target, transport, options } = setup(object)
    const result = await download(options())
    assert.deepEqual(target.committed, new Uint8Array(0))
    assert.equal(transport.reads.length, 0)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: 0n })
  })

  it('downloads a 1-byte object with one request', async () => {
    const object = makeObject(1)
    const { target, transport, options } = setup(object)
    await download(options())
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(
      transport.reads.map((r) => [r.start, r.end]),
      [[0, 0]],
    )
  })

  it('uses one request below the single-request threshold', async () => {
    const { transport, options } = setup(makeObject(300 * KiB))
    await download(options({ singleRequestThreshold: 512 * KiB }))
    assert.deepEqual(
      transport.reads.map((r) => [r.start, r.end]),
      [[0, 300 * KiB - 1]],
    )
  })

  it('reports size-only verification when the store publishes no checksum', async () => {
    const { checksum: _, ...object } = makeObject(150 * KiB)
    const { target, options } = setup(object)
    const result = await download(options())
    assert.equal(result.verification.method, 'size')
    assert.deepEqual(target.committed, object.bytes)
  })
})

describe('download: faults', () => {
  it('continues a dropped part from its last received byte, not from the part start', async () => {
    const object = makeObject(300 * KiB)
    const { target, transport, options, events } = setup(object)
    transport.fault = ({ n }) => (n === 0 ? { type: 'reset', afterBytes: 40_000 } : undefined)
    const result = await download(options({ concurrency: 1 }))
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(transport.reads[1], { start: 40_000, end: 102_399, fault: undefined })
    assert.equal(transport.servedBytes, object.bytes.length)
    assert.equal(events.filter((e) => e.type === 'retry').length, 1)
    assert.deepEqual(result.retriesByKind, { network: 1 })
  })

  it('aborts a stalled response after stallTimeoutMs, naming the request, and resumes it', async () => {
    const object = makeObject(200 * KiB)
    const { target, transport, options, events } = setup(object)
    transport.iterableBodies = true
    transport.fault = ({ n }) => (n === 0 ? { type: 'stall', afterBytes: 20_000 } : undefined)
    await download(options({ concurrency: 1, stallTimeoutMs: 200 }))
    assert.deepEqual(target.committed, object.bytes)
    const retry = events.find((e) => e.type === 'retry')
    assert.equal(retry?.type === 'retry' && retry.reason.kind, 'timeout')
    assert.equal(
      retry?.type === 'retry' && retry.reason.message,
      `read ${transport.id} bytes 0-${transport.reads[0]?.end}: no data received for 200 ms`,
    )
    assert.equal(transport.reads[1]?.start, 20_000)
  })

  it('gives a stat that never answers (a silent server or proxy) stallTimeoutMs, then retries it', async () => {
    const object = makeObject(120 * KiB)
    const { target, transport, options, events } = setup(object)
    let stats = 0
    // The first stat hangs and ignores its signal too: the deadline alone must end it.
    const silentFirst = {
      id: transport.id,
      read: transport.read.bind(transport),
      stat: () => (stats++ === 0 ? new Promise<never>(() => {}) : transport.stat()),
    }
    await download(options({ transport: silentFirst, stallTimeoutMs: 100 }))
    assert.deepEqual(target.committed, object.bytes)
    assert.equal(stats, 2)
    const retry = events.find((e) => e.type === 'retry')
    assert.ok(retry?.type === 'retry' && retry.part === -1 && retry.reason.kind === 'timeout')
  })

  it('fails with a timeout naming the stat when every stat goes unanswered and the retries run out', async () => {
    const object = makeObject(120 * KiB)
    const { transport, options } = setup(object)
    const silent = {
      id: transport.id,
      read: transport.read.bind(transport),
      stat: () => new Promise<never>(() => {}),
    }
    const started = Date.now()
    await assert.rejects(download(options({ transport: silent, stallTimeoutMs: 50, retries: 1 })), {
      name: 'TransportError',
      kind: 'timeout',
      message: `stat ${transport.id}: no data received for 50 ms`,
    })
    assert.ok(Date.now() - started < 5_000)
  })

  it('honours Retry-After on a 503 before retrying', async () => {
    const object = makeObject(120 * KiB)
    const { target, transport, options, events } = setup(object)
    const throttled = new TransportError('throttled', 'SlowDown', {
      status: 503,
      code: 'SlowDown',
      retryAfterMs: 40,
    })
    transport.fault = ({ n }) => (n === 0 ? { type: 'error', error: throttled } : undefined)
    const started = Date.now()
    await download(options({ concurrency: 1 }))
    assert.ok(Date.now() - started >= 35)
    const retry = events.find((e) => e.type === 'retry')
    assert.ok(retry?.type === 'retry' && retry.delayMs >= 40 && retry.reason.code === 'SlowDown')
    assert.deepEqual(target.committed, object.bytes)
  })

  it('treats a body that ends early as a failure and fetches the rest', async () => {
    const object = makeObject(200 * KiB)
    const { target, transport, options } = setup(object)
    transport.fault = ({ n }) => (n === 0 ? { type: 'short', afterBytes: 50_000 } : undefined)
    await download(options({ concurrency: 1 }))
    assert.deepEqual(target.committed, object.bytes)
    assert.equal(transport.reads[1]?.start, 50_000)
  })

  it('never writes past a part when the body is longer than asked', async () => {
    const object = makeObject(200 * KiB)
    const { target, transport, options, events } = setup(object)
    transport.fault = ({ n }) => (n === 0 ? { type: 'long', extraBytes: 5 } : undefined)
    await download(options({ concurrency: 1 }))
    assert.deepEqual(target.committed, object.bytes)
    const retry = events.find((e) => e.type === 'retry')
    assert.equal(retry?.type === 'retry' && retry.reason.kind, 'protocol')
  })

  it('switches to one sequential stream from byte 0 when a ranged read gets the whole object, writing none of the refused body', async () => {
    const object = makeObject(300 * KiB)
    const { target, transport, options, events } = setup(object)
    transport.fault = ({ start, end }) =>
      start > 0 || end < object.bytes.length - 1 ? { type: 'ignore-range' } : undefined
    const writes: [number, number][] = []
    const spy = {
      id: target.id,
      open: target.open.bind(target),
      read: target.read.bind(target),
      sync: target.sync.bind(target),
      commit: target.commit.bind(target),
      abort: target.abort.bind(target),
      write: (offset: number, data: Uint8Array) => {
        writes.push([offset, data.length])
        return target.write(offset, data)
      },
    }
    const result = await download(options({ target: spy, concurrency: 1 }))
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    // How much the first flush holds depends on timing; where it lands is the point.
    assert.equal(writes[0]?.[0], 0, 'the first write is the sequential stream at 0')
    const refused = transport.reads.filter((r) => r.fault === 'ignore-range')
    assert.equal(refused.length, 1, 'the refusal is not retried')
    assert.deepEqual(transport.reads.at(-1), {
      start: 0,
      end: object.bytes.length - 1,
      fault: undefined,
    })
    const switched = events.find((e) => e.type === 'plan-switched')
    assert.ok(switched?.type === 'plan-switched' && switched.reason === 'range-ignored')
    assert.match(switched.message, /only if the server honours Range/)
    assert.deepEqual(result.retriesByKind, { 'range-ignored': 1 })
  })

  it('retries a whole-object answer as a glitch once a 206 has proven that ranges work', async () => {
    const object = makeObject(400 * KiB)
    const { target, transport, options, events } = setup(object)
    transport.fault = ({ n }) => (n === 1 ? { type: 'ignore-range' } : undefined)
    const result = await download(options({ concurrency: 1 }))
    assert.deepEqual(target.committed, object.bytes)
    assert.equal(events.filter((e) => e.type === 'plan-switched').length, 0)
    assert.deepEqual(result.retriesByKind, { protocol: 1 })
    assert.ok(transport.reads.length > 2, 'still in parts')
  })

  it('plans one sequential part and says so when the server sends Accept-Ranges: none', async () => {
    const object = makeObject(300 * KiB)
    const { target, transport, options, events } = setup(object)
    const stat = transport.stat.bind(transport)
    transport.stat = async () => ({ ...(await stat()), acceptRanges: false })
    await download(options())
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(
      transport.reads.map((r) => [r.start, r.end]),
      [[0, object.bytes.length - 1]],
    )
    const said = events.find((e) => e.type === 'sequential')
    assert.ok(said?.type === 'sequential' && said.reason === 'ranges-refused')
  })

  it('resumes a sequential download from its durable offset when the server then honours Range, and from 0 when it does not', async () => {
    const object = makeObject(400 * KiB)
    for (const honours of [true, false]) {
      const { target, transport, options, events, volume } = setup(object)
      const stat = transport.stat.bind(transport)
      transport.stat = async () => ({ ...(await stat()), acceptRanges: false })
      transport.fault = ({ n }) => (n === 0 ? { type: 'reset', afterBytes: 150 * KiB } : undefined)
      await assert.rejects(download(options({ retries: 0, outageWaitMs: 0 })))
      assert.equal(volume.hasTemp(target.id), true)
      transport.fault = ({ start }) =>
        !honours && start > 0 ? { type: 'ignore-range' } : undefined
      const result = await download(options())
      assert.deepEqual(target.committed, object.bytes)
      const resumedAt = transport.reads[1]?.start ?? -1
      assert.ok(resumedAt > 0, 'the second run asks for the rest first')
      if (honours) {
        assert.equal(result.resumedBytes, resumedAt)
        assert.equal(transport.reads.length, 2)
      } else {
        assert.equal(transport.reads.at(-1)?.start, 0)
        const said = [...events].reverse().find((e) => e.type === 'plan-switched')
        assert.ok(said?.type === 'plan-switched' && said.discardedBytes === resumedAt)
        // The second run's one `start` (the resume), then the switch: no `start` from byte 0.
        assert.equal(events.filter((e) => e.type === 'start').length, 2, 'one per run')
        assert.ok(events.slice(events.indexOf(said)).every((e) => e.type !== 'start'))
      }
    }
  })

  it('restarts from scratch when the object changes between requests', async () => {
    const first = makeObject(400 * KiB, 1, '"E1"')
    const second = makeObject(400 * KiB, 2, '"E2"')
    const { target, transport, options, events } = setup(first)
    transport.fault = ({ n }) => {
      if (n === 2) transport.object = second
      return undefined
    }
    const result = await download(options({ concurrency: 1 }))
    assert.deepEqual(target.committed, second.bytes)
    assert.equal(result.restarts, 1)
    assert.equal(result.object.etag, '"E2"')
    assert.ok(events.some((e) => e.type === 'restart'))
  })

  it('detects a changed ETag on a response even when the server ignored If-Match', async () => {
    const object = makeObject(300 * KiB)
    const { transport, options } = setup(object)
    transport.honoursIfMatch = false
    transport.fault = ({ n }) =>
      n === 1 ? { type: 'replace', object: makeObject(300 * KiB, 2, '"OTHER"') } : undefined
    await assert.rejects(
      download(options({ concurrency: 1, onObjectChanged: 'fail' })),
      ObjectChangedError,
    )
  })

  it("with onObjectChanged 'fail' rejects and leaves no partial data or checkpoint", async () => {
    const first = makeObject(400 * KiB, 1, '"E1"')
    const { target, transport, options, store, volume } = setup(first)
    transport.fault = ({ n }) => {
      if (n === 2) transport.object = makeObject(400 * KiB, 2, '"E2"')
      return undefined
    }
    await assert.rejects(
      download(options({ concurrency: 1, onObjectChanged: 'fail' })),
      ObjectChangedError,
    )
    assert.equal(target.committed, undefined)
    assert.equal(volume.hasTemp(target.id), false)
    assert.deepEqual(store.keys(), [])
  })

  it('fails fast on 403 without retrying and keeps the checkpoint', async () => {
    const { transport, options, events, store } = setup(makeObject(300 * KiB))
    const denied = new TransportError('forbidden', 'denied', {
      status: 403,
      code: 'AccessDenied',
      requestId: 'R1',
    })
    transport.fault = ({ start }) =>
      start >= 102_400 ? { type: 'error', error: denied } : undefined
    await assert.rejects(download(options({ concurrency: 1 })), (e: unknown) => {
      return e instanceof TransportError && e.kind === 'forbidden' && e.requestId === 'R1'
    })
    assert.equal(events.filter((e) => e.type === 'retry').length, 0)
    assert.equal(transport.reads.length, 2)
    assert.deepEqual(store.keys(), ['/dest/file.bin'])
  })

  it('fails fast on a 404 stat with one request', async () => {
    const { transport, options, target } = setup(makeObject(10))
    transport.statError = new TransportError('not-found', 'no such key', {
      status: 404,
      code: 'NoSuchKey',
    })
    await assert.rejects(
      download(options()),
      (e: unknown) => e instanceof TransportError && e.kind === 'not-found',
    )
    assert.equal(transport.stats, 1)
    assert.equal(target.volume.hasTemp(target.id), false)
  })

  it('gives up after the retry budget with the last TransportError', async () => {
    const { transport, options } = setup(makeObject(120 * KiB))
    transport.fault = () => ({
      type: 'error',
      error: new TransportError('server', 'boom', { status: 500 }),
    })
    await assert.rejects(
      download(options({ retries: 3, concurrency: 1 })),
      (e: unknown) => e instanceof TransportError && e.status === 500,
    )
    assert.equal(transport.reads.length, 4)
  })

  it('never commits when the combined CRC disagrees with the store', async () => {
    const object = { ...makeObject(300 * KiB), checksum: 42n }
    const { target, options, store, volume } = setup(object)
    await assert.rejects(download(options()), IntegrityError)
    assert.equal(target.committed, undefined)
    assert.equal(volume.hasTemp(target.id), false)
    assert.deepEqual(store.keys(), [])
  })
})

describe('download: without a checkpoint store', () => {
  for (const concurrency of [1, 4]) {
    it(`emits no checkpoint-saved, since nothing is saved (concurrency ${concurrency})`, async () => {
      const object = makeObject(512 * KiB)
      const { transport, target, events, options } = setup(object)
      // 32 reads of 16 KiB, 2 ms apart: dozens of 5 ms checkpoint intervals pass meanwhile.
      transport.chunkDelayMs = 2
      await download(options({ checkpoint: false, concurrency, partSize: 128 * KiB }))
      assert.deepEqual(target.committed, object.bytes)
      assert.deepEqual(
        events.filter((e) => e.type === 'checkpoint-saved'),
        [],
        'a checkpoint-saved event named durable bytes that no checkpoint holds',
      )
    })
  }
})

describe('download: options', () => {
  for (const [name, extra] of [
    ['partSize below 100 KB', { partSize: 100 * KiB - 1 }],
    ['partSize above 5 GiB', { partSize: 5 * 1024 ** 3 + 1 }],
    ['concurrency 0', { concurrency: 0 }],
    ['fractional concurrency', { concurrency: 1.5 }],
    ['negative retries', { retries: -1 }],
    ['unknown onObjectChanged', { onObjectChanged: 'ignore' as 'fail' }],
  ] as const) {
    it(`rejects ${name} with OptionsError before touching the target`, async () => {
      const { options, transport, target } = setup(makeObject(10))
      await assert.rejects(download(options(extra)), OptionsError)
      assert.equal(transport.stats, 0)
      assert.equal(target.volume.hasTemp(target.id), false)
    })
  }
})

describe('download: resume', () => {
  it('after a pause, requests only the bytes that were not yet durable', async () => {
    const object = makeObject(1000 * KiB)
    const { target, transport, options, store } = setup(object)
    const handle = createDownload(options({ concurrency: 2 }))
    let parts = 0
    handle.on('part-done', () => {
      if (++parts === 4) handle.pause()
    })
    await assert.rejects(
      handle.start(),
      (e: unknown) => e instanceof AbortedError && e.kind === 'paused',
    )
    assert.equal(target.committed, undefined)
    assert.equal(store.keys().length, 1)
    const served = transport.servedBytes
    transport.servedBytes = 0
    const result = await download(options({ concurrency: 2 }))
    assert.deepEqual(target.committed, object.bytes)
    assert.ok(result.resumedBytes >= 4 * 100 * KiB, `resumed ${result.resumedBytes}`)
    assert.equal(transport.servedBytes, object.bytes.length - result.resumedBytes)
    assert.ok(served + transport.servedBytes >= object.bytes.length)
  })

  it('on a slow link, a part that never fills its write buffer is still made durable at the checkpoint cadence, so a crash keeps it', async () => {
    const object = makeObject(1024 * KiB)
    const { volume, transport, store, options } = setup(object)
    const power = new PowerSwitch()
    const dying = new MemoryTarget('/dest/file.bin', { volume })
    // 16 KiB every 20 ms: the part's 1 MiB buffer would take 1.3 s to fill.
    transport.chunkDelayMs = 20
    const settings = {
      partSize: 1024 * KiB,
      writeBufferSize: 1024 * KiB,
      concurrency: 1,
      checkpointIntervalMs: 100,
    }
    setTimeout(() => power.pull(() => volume.crash()), 600)
    await assert.rejects(
      download(
        options({ ...settings, target: power.target(dying), checkpoint: power.store(store) }),
      ),
    )
    transport.chunkDelayMs = 0
    const survivor = new MemoryTarget('/dest/file.bin', { volume })
    const result = await download(options({ ...settings, target: survivor }))
    assert.deepEqual(survivor.committed, object.bytes)
    // Without the time-bounded flush nothing of the part is ever durable here (resumed 0 bytes);
    // with it, ~30 chunks arrived and all but the last interval's were named by a checkpoint.
    // The margin is wide because CI machines stretch timers under load.
    assert.ok(result.resumedBytes >= 4 * 16 * KiB, `resumed ${result.resumedBytes} bytes`)
    assert.equal(result.fetchedBytes, object.bytes.length - result.resumedBytes)
  })

  it('after a simulated crash, re-fetches at most what was not durable', async () => {
    const object = makeObject(2000 * KiB)
    const { volume, transport, store, options } = setup(object)
    const power = new PowerSwitch()
    const dying = new MemoryTarget('/dest/file.bin', { volume })
    transport.chunkDelayMs = 1
    let reads = 0
    transport.fault = () => {
      if (++reads === 9) power.pull(() => volume.crash())
      return undefined
    }
    await assert.rejects(
      download(
        options({ target: power.target(dying), checkpoint: power.store(store), concurrency: 2 }),
      ),
    )
    const firstRun = transport.servedBytes
    transport.fault = undefined
    transport.chunkDelayMs = 0
    transport.servedBytes = 0
    const survivor = new MemoryTarget('/dest/file.bin', { volume })
    const result = await download(options({ target: survivor }))
    assert.deepEqual(survivor.committed, object.bytes)
    assert.ok(result.resumedBytes > 0, 'some progress survived the crash')
    assert.equal(transport.servedBytes, object.bytes.length - result.resumedBytes)
    const waste = firstRun + transport.servedBytes - object.bytes.length
    assert.ok(waste <= firstRun - result.resumedBytes, `waste ${waste}`)
  })

  it('with recheckResumedParts, re-fetches a resumed part whose bytes changed on disk', async () => {
    const object = makeObject(600 * KiB)
    const { target, transport, volume, options, events } = setup(object)
    await pausedAfterThreePartsThenFlipped({ options, volume, target, transport }, object)
    const result = await download(options({ recheckResumedParts: true }))
    assert.deepEqual(target.committed, object.bytes)
    const checked = events.find((e) => e.type === 'resume-checked')
    assert.deepEqual(checked?.type === 'resume-checked' && checked.partsRefetched, [1])
    assert.equal(result.resumedBytes, 2 * 100 * KiB)
    assert.equal(transport.servedBytes, object.bytes.length - result.resumedBytes)
  })

  it('with recheckResumedParts and no part CRCs to compare (no checksum published), fetches every resumed part again, saying so', async () => {
    const { checksum: _none, ...object } = makeObject(600 * KiB)
    const { target, transport, volume, options, events } = setup(object)
    await pausedAfterThreePartsThenFlipped({ options, volume, target, transport }, object)
    const result = await download(options({ recheckResumedParts: true }))
    assert.deepEqual(target.committed, object.bytes, 'the flipped byte was not published')
    const checked = events.find((e) => e.type === 'resume-checked')
    assert.ok(checked?.type === 'resume-checked' && checked.uncheckable === true)
    assert.deepEqual(checked.partsRefetched, [0, 1, 2])
    assert.equal(result.resumedBytes, 0)
    assert.equal(transport.servedBytes, object.bytes.length)
  })

  it("pauses when the caller's AbortSignal aborts, keeping the checkpoint", async () => {
    const object = makeObject(800 * KiB)
    const { target, store, options } = setup(object)
    const controller = new AbortController()
    let parts = 0
    await assert.rejects(
      download(
        options({
          concurrency: 1,
          signal: controller.signal,
          onEvent: (e) => {
            if (e.type === 'part-done' && ++parts === 2) controller.abort()
          },
        }),
      ),
      (e: unknown) => e instanceof AbortedError && e.kind === 'paused',
    )
    assert.equal(target.committed, undefined)
    assert.deepEqual(store.keys(), [target.id])
    const result = await download(options())
    assert.ok(result.resumedBytes >= 2 * 100 * KiB)
    assert.deepEqual(target.committed, object.bytes)
  })

  it('reports progress that only grows and ends at the total, counting resumed bytes', async () => {
    const object = makeObject(900 * KiB)
    const { options } = setup(object)
    const handle = createDownload(options({ concurrency: 1 }))
    handle.on('part-done', (e) => {
      if (e.index === 2) handle.pause()
    })
    await assert.rejects(handle.start(), AbortedError)
    const seen: { bytesDone: number; resumedBytes: number; totalBytes: number }[] = []
    await download(options({ progressIntervalMs: 0, onProgress: (p) => seen.push(p) }))
    assert.ok(seen.length > 3)
    for (let i = 1; i < seen.length; i++) {
      assert.ok((seen[i]?.bytesDone ?? 0) >= (seen[i - 1]?.bytesDone ?? 0))
    }
    const last = seen[seen.length - 1]
    assert.equal(last?.bytesDone, object.bytes.length)
    assert.equal(last?.totalBytes, object.bytes.length)
    assert.ok((last?.resumedBytes ?? 0) >= 3 * 100 * KiB)
  })

  it('a pause after the last byte of a part arrived records the part as done, and the checkpoint stays valid', async () => {
    const object = makeObject(300 * KiB)
    const { transport, options, store, target, events } = setup(object)
    transport.fault = ({ n }) => (n === 0 ? { type: 'stall', afterBytes: 100 * KiB } : undefined)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    await assert.rejects(
      download(options({ concurrency: 1, writeBufferSize: 25 * KiB, signal: controller.signal })),
      AbortedError,
    )
    const saved = CheckpointCodec.decode((await store.load(target.id)) as Uint8Array)
    assert.equal(saved.state.isDone(0), true)
    assert.deepEqual(saved.state.partials(), [])
    const result = await download(options())
    assert.equal(result.resumedBytes, 100 * KiB)
    assert.ok(!events.some((e) => e.type === 'checkpoint-discarded'))
    assert.deepEqual(target.committed, object.bytes)
  })

  it('a disk-full write fails with TargetError no-space, keeps the last durable checkpoint, and a later run resumes', async () => {
    const object = makeObject(800 * KiB)
    const { target, transport, options, store } = setup(object)
    transport.chunkDelayMs = 1
    let writes = 0
    const full = {
      id: target.id,
      open: target.open.bind(target),
      read: target.read.bind(target),
      sync: target.sync.bind(target),
      commit: target.commit.bind(target),
      abort: target.abort.bind(target),
      write: (offset: number, data: Uint8Array) => {
        if (++writes > 12)
          return Promise.reject(new TargetError('no-space', 'No space left on device'))
        return target.write(offset, data)
      },
    }
    await assert.rejects(
      download(options({ target: full, concurrency: 2 })),
      (e: unknown) => e instanceof TargetError && e.kind === 'no-space',
    )
    assert.equal(target.committed, undefined)
    const saved = CheckpointCodec.decode((await store.load(target.id)) as Uint8Array)
    assert.ok(saved.state.bytesDone > 0, 'progress before the disk filled up was kept')
    transport.chunkDelayMs = 0
    const result = await download(options())
    assert.equal(result.resumedBytes, saved.state.bytesDone)
    assert.deepEqual(target.committed, object.bytes)
  })

  it('a failure before any byte was durable leaves no partial file or checkpoint behind', async () => {
    // Found by scripts/reliability/bad-inputs.ts: a disk that fills up before the first
    // checkpoint left a partial file that no later run could use, holding on to the space.
    const { target, transport, options, store, volume } = setup(makeObject(800 * KiB))
    transport.chunkDelayMs = 1
    const full = {
      id: target.id,
      open: target.open.bind(target),
      read: target.read.bind(target),
      sync: target.sync.bind(target),
      commit: target.commit.bind(target),
      abort: target.abort.bind(target),
      write: () => Promise.reject(new TargetError('no-space', 'No space left on device')),
    }
    await assert.rejects(
      download(options({ target: full, checkpointIntervalMs: 60_000 })),
      (e: unknown) => e instanceof TargetError && e.kind === 'no-space',
    )
    assert.equal(volume.hasTemp(target.id), false, 'the partial file was removed')
    assert.deepEqual(store.keys(), [], 'no checkpoint naming nothing')
  })

  it('discards a corrupt checkpoint with an event and starts over', async () => {
    const object = makeObject(300 * KiB)
    const { target, store, options, events } = setup(object)
    await store.save(
      target.id,
      new TextEncoder().encode(
        '{"format":"resumable-checkpoint","version":1,"crc64":"0000000000000000","body":{}}\n',
      ),
    )
    await download(options())
    assert.deepEqual(target.committed, object.bytes)
    const discarded = events.find((e) => e.type === 'checkpoint-discarded')
    assert.equal(discarded?.type === 'checkpoint-discarded' && discarded.problem, 'corrupt')
  })

  it('discards a checkpoint of an older version of the object as stale', async () => {
    const first = makeObject(600 * KiB, 1, '"E1"')
    const { target, transport, store, options, events } = setup(first)
    const handle = createDownload(options({ concurrency: 1 }))
    handle.on('part-done', () => handle.pause())
    await assert.rejects(handle.start(), AbortedError)
    const second = makeObject(600 * KiB, 2, '"E2"')
    transport.object = second
    const result = await download(options())
    assert.deepEqual(target.committed, second.bytes)
    assert.equal(result.resumedBytes, 0)
    const discarded = events.find((e) => e.type === 'checkpoint-discarded')
    assert.equal(discarded?.type === 'checkpoint-discarded' && discarded.problem, 'stale')
    assert.deepEqual(store.keys(), [])
  })

  it('cancel() removes the temporary data and the checkpoint', async () => {
    const { target, options, store, volume } = setup(makeObject(600 * KiB))
    const handle = createDownload(options({ concurrency: 1 }))
    handle.on('part-done', () => void handle.cancel())
    await assert.rejects(
      handle.start(),
      (e: unknown) => e instanceof AbortedError && e.kind === 'cancelled',
    )
    await handle.cancel()
    assert.equal(volume.hasTemp(target.id), false)
    assert.deepEqual(store.keys(), [])
  })
})

/** Runs a download until its third part is done, pauses it, then flips a durable byte of part 1. */
async function pausedAfterThreePartsThenFlipped(
  run: Pick<ReturnType<typeof setup>, 'options' | 'volume' | 'target' | 'transport'>,
  object: { readonly bytes: Uint8Array },
): Promise<void> {
  const handle = createDownload(run.options({ concurrency: 1 }))
  let parts = 0
  handle.on('part-done', () => {
    if (++parts === 3) handle.pause()
  })
  await assert.rejects(handle.start(), AbortedError)
  await flipDurableByte(run.volume, run.target.id, 150 * KiB, object.bytes.length)
  run.transport.servedBytes = 0
}
