// A long-running process (a server) hands `new FileTarget(p)` to download() and never closes it
// itself: however the download ends, the lock file must be gone and every descriptor closed, or
// the next download of that destination is refused "in this process" until the process exits.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, truncateSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  type CheckpointStore,
  createDownload,
  type DownloadOptions,
  download,
  TargetError,
  TransportError,
} from '@resumable/core'
import { FileCheckpointStore, FileTarget, LOCK_SUFFIX, TEMP_SUFFIX } from '@resumable/store-fs'
import { FakeTransport, makeObject } from '@resumable/testkit'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-lock-release-'))
  // The shared write and digest threads (each with descriptors of its own, started on demand, the
  // write thread once writes look slow under load) and the runtime's own descriptors are opened
  // once, by a first download, so that what is counted afterwards is what a download leaves.
  const warmUp = base('warm-up.bin')
  await download({
    ...warmUp.options,
    target: new FileTarget(warmUp.dest, { writeSlice: 16 * 1024 }),
    digest: { algorithm: 'sha256', value: createHash('sha256').update(object.bytes).digest('hex') },
  })
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const MiB = 1024 * 1024
const SIZE = 3 * MiB
const object = makeObject(SIZE, 7)

/** Open descriptors of this process, where the system lists them (Linux); else undefined. */
function openDescriptors(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return undefined
  }
}

/** A parts download of SIZE to `name`, in 1 MiB parts, one at a time, checkpointed after each. */
function base(name: string, more: Partial<DownloadOptions> = {}) {
  const dest = join(root, name)
  const transport = new FakeTransport(object)
  const options: DownloadOptions = {
    transport,
    target: new FileTarget(dest),
    checkpoint: new FileCheckpointStore(),
    partSize: MiB,
    concurrency: 1,
    checkpointIntervalMs: 1,
    retries: 0,
    ...more,
  }
  return { dest, transport, options }
}

/**
 * Runs `body` (a download that ends somehow), then says the destination is unlocked and the
 * process holds no more descriptors than before: a second download of it runs at once.
 */
async function assertReleased(dest: string, body: () => Promise<unknown>): Promise<void> {
  const before = openDescriptors()
  await body().catch(() => undefined)
  assert.equal(existsSync(`${dest}${LOCK_SUFFIX}`), false, 'the lock file is removed')
  const afterwards = openDescriptors()
  if (before !== undefined && afterwards !== undefined)
    assert.ok(afterwards <= before, `descriptors: ${before} before, ${afterwards} after`)
  // Not "locked in this process": the same destination downloads again, to the end.
  await download({
    transport: new FakeTransport(object),
    target: new FileTarget(dest, { overwrite: true }),
    checkpoint: new FileCheckpointStore(),
    partSize: MiB,
  })
  assert.equal(existsSync(`${dest}${LOCK_SUFFIX}`), false)
}

/** A CheckpointStore whose `method` throws; the rest is a FileCheckpointStore. */
function failingStore(method: 'load' | 'save' | 'remove'): CheckpointStore {
  const inner = new FileCheckpointStore()
  const fail = async (): Promise<never> => {
    throw new Error(`the checkpoint store failed to ${method}`)
  }
  return {
    load: method === 'load' ? fail : (key) => inner.load(key),
    save: method === 'save' ? fail : (key, bytes) => inner.save(key, bytes),
    remove: method === 'remove' ? fail : (key) => inner.remove(key),
  }
}

const forbidden = new TransportError('forbidden', 'AccessDenied', { status: 403 })

describe('a FileTarget handed to download() and never closed by its caller', () => {
  it('is unlocked with every descriptor closed after a download that succeeds', async () => {
    const { dest, options } = base('success.bin')
    await assertReleased(dest, () => download(options))
  })

  it('is unlocked after the transport throws at stat', async () => {
    const { dest, transport, options } = base('stat.bin')
    transport.statError = forbidden
    await assertReleased(dest, () => download(options))
  })

  it('is unlocked after a part fails with a non-retryable error mid-download', async () => {
    const { dest, transport, options } = base('forbidden.bin')
    transport.fault = ({ start }) =>
      start === 2 * MiB ? { type: 'error', error: forbidden } : undefined
    await assertReleased(dest, () => download(options))
  })

  it('is unlocked after a CRC mismatch', async () => {
    const { dest, transport, options } = base('crc.bin')
    transport.wrongCrc = true
    await assertReleased(dest, () => download(options))
  })

  it('is unlocked after a pause and after a cancel', async () => {
    for (const how of ['pause', 'cancel'] as const) {
      const { dest, transport, options } = base(`${how}.bin`)
      transport.fault = ({ start }) =>
        start === 2 * MiB ? { type: 'delay-headers', ms: 5000 } : undefined
      const task = createDownload(options)
      let cancelled: Promise<void> | undefined
      task.on('checkpoint-saved', (event) => {
        if (event.durableBytes < 2 * MiB) return
        if (how === 'pause') task.pause()
        else cancelled ??= task.cancel()
      })
      // A cancel is over when its promise settles: it removes the partial file under the lock.
      await assertReleased(dest, async () => {
        await task.start().catch(() => undefined)
        await cancelled
      })
    }
  })

  it('is unlocked once a download nobody awaits has ended', async () => {
    const { dest, options } = base('unawaited.bin')
    void download(options).catch(() => undefined)
    // Ended: published, and its checkpoint (removed last) gone.
    const ended = () => existsSync(dest) && !existsSync(`${dest}.resumable.json`)
    await assertReleased(dest, async () => {
      for (let waited = 0; !ended() && waited < 20_000; waited += 10)
        await new Promise((resolve) => setTimeout(resolve, 10))
      assert.ok(ended(), 'the download ended')
    })
  })

  it('is unlocked after the checkpoint store throws at load, at save and at remove', async () => {
    for (const method of ['load', 'save', 'remove'] as const) {
      const { dest, options } = base(`store-${method}.bin`, { checkpoint: failingStore(method) })
      await assertReleased(dest, () => download(options))
    }
  })

  it('is unlocked after an event listener throws', async () => {
    const { dest, options } = base('listener.bin', {
      onEvent: (event) => {
        if (event.type === 'start') throw new Error('a listener failed')
      },
    })
    await assertReleased(dest, () => download(options))
  })

  it('is unlocked after a resume whose partial file cannot be read back to recheck its parts', async () => {
    const { dest, transport, options } = base('recheck.bin', { recheckResumedParts: true })
    transport.fault = ({ start }) =>
      start === 2 * MiB ? { type: 'delay-headers', ms: 5000 } : undefined
    const first = createDownload(options)
    first.on('checkpoint-saved', (event) => {
      if (event.durableBytes >= 2 * MiB) first.pause()
    })
    await first.start().catch(() => undefined)
    transport.fault = undefined
    // The partial file loses bytes while stopped, and more once reopened (a failing disk): the
    // recheck, which runs after open, reads past its end.
    const temp = `${dest}${TEMP_SUFFIX}`
    truncateSync(temp, 1.5 * MiB)
    const second = createDownload({ ...options, target: new FileTarget(dest) })
    second.on('resume-truncated', () => truncateSync(temp, MiB / 2))
    await assertReleased(dest, async () => {
      await assert.rejects(second.start(), TargetError)
    })
  })
})
