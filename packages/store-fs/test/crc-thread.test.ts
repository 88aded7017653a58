import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { crc } from '@resumable/core'
import { crcThread } from '@resumable/store-fs'
import { runtimeCommand } from '@resumable/testkit/node'

const KiB = 1024
const MiB = 1024 * KiB

/** Threads of this process, where Linux's /proc tells; undefined elsewhere. */
function threadCount(): number | undefined {
  return existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : undefined
}

/** `size` bytes of shared memory, as a body's chunks arrive in, filled with a pattern. */
function sharedBytes(size: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(size)).map((_, i) => (i * 29 + 5) & 255)
}

/** Shared memory filled with a pattern, and a plain buffer too (the thread gets a copy of it). */
function pieces(): Uint8Array[] {
  const shared = new Uint8Array(new SharedArrayBuffer(900 * KiB)).map((_, i) => (i * 7 + 3) & 255)
  const plain = new Uint8Array(70 * KiB + 3).map((_, i) => (i * 13 + 1) & 255)
  return [shared.subarray(5, 300 * KiB), plain, new Uint8Array(0), shared.subarray(300 * KiB)]
}

describe('crcThread', () => {
  for (const algorithm of ['crc64xz', 'crc64nvme'] as const) {
    it(`gives crc('${algorithm}') of the pieces of every update, back to back, from the run's previous value`, async () => {
      const all = pieces()
      const want = all.reduce((value, piece) => crc(algorithm, piece, value), 0x1234n)
      const run = crcThread({ inlineBytes: 0 }).begin(algorithm, 0x1234n)
      run.update(all.slice(0, 2))
      run.update(all.slice(2))
      assert.equal(await run.value(), want)
    })
  }

  it('gives no value for a run whose pieces did not all reach the thread: the caller computes it', async () => {
    const [a, b] = pieces() as [Uint8Array, Uint8Array]
    // A view of a buffer moved elsewhere since cannot be posted.
    const moved = new ArrayBuffer(4 * KiB)
    const view = new Uint8Array(moved)
    structuredClone(moved, { transfer: [moved] })
    const run = crcThread({ inlineBytes: 0 }).begin('crc64xz', 0n)
    run.update([a])
    run.update([view])
    run.update([b])
    await assert.rejects(run.value())
  })

  it('keeps runs apart: two interleaved runs on one thread each get their own CRC', async () => {
    const thread = crcThread({ inlineBytes: 0 })
    const [a, b, c, d] = pieces() as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]
    const first = thread.begin('crc64xz', 0n)
    const second = thread.begin('crc64nvme', 7n)
    first.update([a])
    second.update([d])
    first.update([b, c])
    const [one, two] = await Promise.all([first.value(), second.value()])
    assert.equal(one, crc('crc64xz', c, crc('crc64xz', b, crc('crc64xz', a))))
    assert.equal(two, crc('crc64nvme', d, 7n))
  })

  it('a run answers once: asking its value again rejects', async () => {
    const run = crcThread({ inlineBytes: 0 }).begin('crc64xz', 0n)
    run.update([new Uint8Array(new SharedArrayBuffer(16)).fill(1)])
    await run.value()
    await assert.rejects(run.value(), /already ended/)
  })

  it('does not keep a process alive once its runs are answered', async () => {
    const child = fileURLToPath(new URL('./fixtures/crc-child.ts', import.meta.url))
    const [command, args] = runtimeCommand(child, [])
    const { stdout } = await promisify(execFile)(command, args, { timeout: 60_000 })
    const found = /thread (\d+) core (\d+)/.exec(stdout)
    assert.ok(found, stdout)
    assert.equal(found[1], found[2])
  })

  it('hashes a small download on the calling thread: no worker thread starts for 1 MiB', async (t) => {
    const before = threadCount()
    if (before === undefined) return t.skip('no /proc/self/task to count threads in')
    const bytes = sharedBytes(MiB)
    const run = crcThread().begin('crc64xz', 0n)
    run.update([bytes.subarray(0, 4000), bytes.subarray(4000)])
    assert.equal(await run.value(), crc('crc64xz', bytes))
    assert.equal(threadCount(), before, 'a thread started for 1 MiB')
  })

  it('a run begun on the calling thread goes on in the worker once inlineBytes are used up: one CRC of all', async (t) => {
    const bytes = sharedBytes(2 * MiB)
    const thread = crcThread({ inlineBytes: 256 * KiB })
    // A small run first: the budget is the thread's, not the run's.
    const small = thread.begin('crc64nvme', 3n)
    small.update([bytes.subarray(0, 100 * KiB)])
    assert.equal(await small.value(), crc('crc64nvme', bytes.subarray(0, 100 * KiB), 3n))
    const before = threadCount()
    const run = thread.begin('crc64xz', 0x55n)
    for (let at = 0; at < bytes.length; at += 64 * KiB)
      run.update([bytes.subarray(at, at + 64 * KiB)])
    assert.equal(await run.value(), crc('crc64xz', bytes, 0x55n))
    if (before === undefined) return t.skip('no /proc/self/task to count threads in')
    assert.ok((threadCount() as number) > before, 'the worker thread took the rest of the run')
  })

  it('where no worker can start, a run either gives the CRC of all its pieces or rejects, never the CRC of some', async (t) => {
    const runtime = process as { getBuiltinModule?: unknown }
    const saved = runtime.getBuiltinModule
    try {
      delete runtime.getBuiltinModule
    } catch {
      return t.skip('this runtime does not let process.getBuiltinModule be removed')
    }
    if (runtime.getBuiltinModule !== undefined)
      return t.skip('this runtime does not let process.getBuiltinModule be removed')
    try {
      const bytes = sharedBytes(MiB)
      const thread = crcThread({ inlineBytes: 256 * KiB })
      const first = thread.begin('crc64xz', 0n)
      first.update([bytes.subarray(0, 512 * KiB)])
      await assert.rejects(first.value(), /no thread can compute a CRC here/)
      // Begun after the thread broke, within the budget left: hashed here, in full.
      const small = thread.begin('crc64xz', 7n)
      small.update([bytes.subarray(0, 40 * KiB)])
      small.update([bytes.subarray(40 * KiB, 100 * KiB)])
      assert.equal(await small.value(), crc('crc64xz', bytes.subarray(0, 100 * KiB), 7n))
      // Past the budget: no value, so the engine computes it.
      const big = thread.begin('crc64xz', 0n)
      big.update([bytes.subarray(0, 200 * KiB)])
      await assert.rejects(big.value(), /no thread can compute a CRC here/)
    } finally {
      runtime.getBuiltinModule = saved
    }
  })

  it('refuses an inlineBytes that is not a whole number of bytes, 0 or more, with an OptionsError', () => {
    for (const inlineBytes of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => crcThread({ inlineBytes }), {
        name: 'OptionsError',
        kind: 'invalid-options',
        option: 'inlineBytes',
      })
    }
  })
})
