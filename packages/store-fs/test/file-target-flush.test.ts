import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { type FileHandle, mkdtemp, open, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { OptionsError, TargetError } from '@resumable/core'
import { FileTarget, TEMP_SUFFIX } from '@resumable/store-fs'
import { writeChunks } from './helpers/write-chunks.ts'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-flush-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const KiB = 1024
const block = (fill: number) => new Uint8Array(64 * KiB).fill(fill)

/**
 * Watches every `FileHandle.datasync` of this process while `body` runs (the handles' shared
 * prototype), optionally failing the first one with EIO as a failing disk would.
 */
async function watchingDatasync(
  options: { failFirst?: boolean; gate?: Promise<void> },
  body: (calls: { count: number; settled: () => Promise<unknown> }) => Promise<void>,
): Promise<void> {
  const probe = await open(join(root, 'probe'), 'w')
  const proto = Object.getPrototypeOf(probe) as FileHandle
  await probe.close()
  const original = proto.datasync
  const pending: Promise<void>[] = []
  const calls = { count: 0, settled: () => Promise.allSettled(pending) }
  proto.datasync = function (this: FileHandle) {
    calls.count++
    const done =
      options.failFirst && calls.count === 1
        ? Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }))
        : options.gate
          ? options.gate.then(() => original.call(this))
          : original.call(this)
    pending.push(done)
    return done
  }
  try {
    await body(calls)
  } finally {
    proto.datasync = original
  }
}

describe('FileTarget background flush (flushAfter)', () => {
  it('starts writing back once flushAfter bytes are written, before anyone calls sync', async () => {
    const dest = join(root, 'early.bin')
    await watchingDatasync({}, async (calls) => {
      const target = new FileTarget(dest, { flushAfter: 128 * KiB })
      await target.open({ size: 256 * KiB, resume: false })
      await target.write(0, block(1))
      assert.equal(calls.count, 0, 'no flush before flushAfter bytes are written')
      await writeChunks(target, 64 * KiB, [block(2)])
      assert.equal(calls.count, 1, 'a flush once 128 KiB are written, with no sync asked for')
      await calls.settled()
      await target.write(128 * KiB, block(3))
      await writeChunks(target, 192 * KiB, [block(4)])
      assert.equal(calls.count, 2, 'and another for the next 128 KiB, once the first has ended')
      await target.commit()
    })
    const bytes = new Uint8Array(await readFile(dest))
    assert.deepEqual(
      [bytes[0], bytes[64 * KiB], bytes[128 * KiB], bytes[256 * KiB - 1]],
      [1, 2, 3, 4],
    )
  })

  it('does not flush in the background with flushAfter 0', async () => {
    await watchingDatasync({}, async (calls) => {
      const target = new FileTarget(join(root, 'off.bin'), { flushAfter: 0 })
      await target.open({ size: 256 * KiB, resume: false })
      for (let i = 0; i < 4; i++) await target.write(i * 64 * KiB, block(i))
      await target.commit()
      assert.equal(calls.count, 0, 'commit fsyncs; nothing called fdatasync')
    })
  })

  it('a failed background flush fails the next sync and commit, and nothing is published', async () => {
    const dest = join(root, 'eio.bin')
    await watchingDatasync({ failFirst: true }, async (calls) => {
      const target = new FileTarget(dest, { flushAfter: 64 * KiB })
      await target.open({ size: 128 * KiB, resume: false })
      await target.write(0, block(7))
      await target.write(64 * KiB, block(8))
      await calls.settled()
      assert.ok(calls.count >= 1, 'the background flush ran')
      // The kernel reports a write-back error once, to the call that checks first: here the
      // background flush. A later fdatasync succeeds, so the target must remember it.
      await assert.rejects(
        target.sync(),
        (e: unknown) =>
          e instanceof TargetError && e.kind === 'io' && /write back.*EIO/.test(e.message),
      )
      await assert.rejects(target.commit(), (e: unknown) => e instanceof TargetError)
      await target.abort({ keep: false })
    })
    assert.equal(existsSync(dest), false, 'nothing at the destination')
    assert.equal(existsSync(dest + TEMP_SUFFIX), false)
  })

  it('runs at most two background flushes at once in a process, however many targets write', async () => {
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    await watchingDatasync({ gate }, async (calls) => {
      const targets = Array.from(
        { length: 4 },
        (_, i) => new FileTarget(join(root, `many-${i}.bin`), { flushAfter: 64 * KiB }),
      )
      for (const target of targets) await target.open({ size: 128 * KiB, resume: false })
      for (const target of targets) await target.write(0, block(1))
      assert.equal(calls.count, 2, 'two flushes started; the other two targets wait their turn')
      release()
      await calls.settled()
      // A target passed over keeps its count: its next write starts the flush it was refused.
      const [first, second, third, fourth] = targets as [
        FileTarget,
        FileTarget,
        FileTarget,
        FileTarget,
      ]
      await third.write(64 * KiB, block(2))
      await fourth.write(64 * KiB, block(2))
      assert.equal(calls.count, 4, 'each of the two passed-over targets flushed at its next write')
      await calls.settled()
      await first.write(64 * KiB, block(2))
      await second.write(64 * KiB, block(2))
      for (const target of targets) await target.commit()
    })
  })

  it('refuses a flushAfter that is not a whole number of bytes', () => {
    for (const flushAfter of [-1, 1.5, Number.NaN]) {
      assert.throws(
        () => new FileTarget(join(root, 'x.bin'), { flushAfter }),
        (e: unknown) => e instanceof OptionsError && e.option === 'flushAfter',
      )
    }
  })
})
