import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { crc } from '@resumable/core'
import { crcThread } from '@resumable/store-fs'
import { runtimeCommand } from '@resumable/testkit/node'

const KiB = 1024

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
      const run = crcThread().begin(algorithm, 0x1234n)
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
    const run = crcThread().begin('crc64xz', 0n)
    run.update([a])
    run.update([view])
    run.update([b])
    await assert.rejects(run.value())
  })

  it('keeps runs apart: two interleaved runs on one thread each get their own CRC', async () => {
    const thread = crcThread()
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
    const run = crcThread().begin('crc64xz', 0n)
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
})
