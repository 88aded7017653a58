import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { FileTarget } from '@resumable/store-fs'
import { runtimeCommand } from '@resumable/testkit/node'
import { WriteCost } from '../src/write-cost.ts'
import { WriteThread } from '../src/write-thread.ts'
import { writeChunks } from './helpers/write-chunks.ts'

// Large writes take libuv's pool in one call while the page cache takes them at memory speed,
// and the write thread (16 KiB calls) once they were seen waiting on the host.
const MiB = 1024 * 1024
let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-cost-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('WriteCost', () => {
  /** Writes `count` MiB-sized writes, probing where asked (each probe taking `ms`); returns which were probes. */
  function run(cost: WriteCost, count: number, ms = 0.4): number[] {
    const probes: number[] = []
    for (let i = 0; i < count; i++) {
      if (cost.probeNext(MiB)) {
        probes.push(i)
        cost.probed(MiB, ms)
      } else cost.wrote(MiB)
    }
    return probes
  }

  it('the first large write is a probe, then one after each 4 MiB written for three probes, then after each 64 MiB', () => {
    const cost = new WriteCost()
    assert.deepEqual(run(cost, 200), [0, 5, 10, 75, 140])
    assert.equal(cost.slowHost, false, 'fast probes keep writes on the pool')
  })

  it('writes under 256 KiB or over 4 MiB (a probe blocks its thread) are never probes', () => {
    const cost = new WriteCost()
    assert.equal(cost.probeNext(128 * 1024), false)
    assert.equal(cost.probeNext(8 * MiB), false)
    assert.equal(cost.probeNext(256 * 1024), true)
    assert.equal(cost.probeNext(4 * MiB), true)
  })

  it('two probes slower than 3 ms per MiB among the last three turn the thread on, for good; one does not', () => {
    const cost = new WriteCost()
    cost.probed(MiB, 0.4)
    cost.probed(2 * MiB, 7)
    cost.probed(MiB, 0.3)
    cost.probed(MiB, 0.5)
    assert.equal(cost.slowHost, false, 'one slow probe in three (a preemption) is not enough')
    cost.probed(512 * 1024, 1.6)
    cost.probed(MiB, 3.5)
    assert.equal(cost.slowHost, true)
    assert.equal(cost.probeNext(MiB), false, 'no more probes: the thread writes')
    cost.probed(MiB, 0.1)
    cost.probed(MiB, 0.1)
    assert.equal(cost.slowHost, true, 'fast probes later do not turn it off')
  })

  it('after stopProbing (a runtime whose descriptors cannot be written synchronously) no write is a probe', () => {
    const cost = new WriteCost()
    cost.stopProbing()
    assert.deepEqual(run(cost, 100), [])
  })
})

describe('FileTarget with writeSlice unset', () => {
  /** Counts how often targets ask for the write thread while `run` runs. */
  async function threadAsks(run: () => Promise<void>): Promise<number> {
    const shared = WriteThread.shared
    let asked = 0
    WriteThread.shared = () => {
      asked++
      return shared.call(WriteThread)
    }
    try {
      await run()
    } finally {
      WriteThread.shared = shared
    }
    return asked
  }

  async function writeMiB(name: string, options: { writeSlice?: number } = {}): Promise<void> {
    const target = new FileTarget(join(root, name), options)
    await target.open({ size: 2 * MiB, resume: false })
    await target.write(0, new Uint8Array(MiB).fill(1))
    await writeChunks(target, MiB, [
      new Uint8Array(MiB / 2).fill(2),
      new Uint8Array(MiB / 2).fill(3),
    ])
    await target.commit()
    const bytes = await readFile(join(root, name))
    assert.deepEqual([bytes[0], bytes[MiB], bytes[2 * MiB - 1], bytes.length], [1, 2, 3, 2 * MiB])
  }

  it('writes on the pool while writes are fast, through the thread once they were slow, and never with writeSlice 0', async () => {
    const cost = WriteCost.shared()
    const asked = await threadAsks(() => writeMiB('fast.bin'))
    // This machine's own writes may have shown the slow case already; then the thread is right.
    assert.ok(asked === 0 || cost.slowHost, `asked for the thread ${asked} times on a fast host`)
    for (let i = 0; i < 2; i++) cost.probed(MiB, 100)
    assert.equal(cost.slowHost, true)
    assert.ok((await threadAsks(() => writeMiB('slow.bin'))) > 0, 'the thread once slow')
    assert.equal(await threadAsks(() => writeMiB('pool.bin', { writeSlice: 0 })), 0)
  })

  it('a probe (a fresh process’s first large write) writes gathered pieces, views of shared memory among them, where they belong', async () => {
    const child = fileURLToPath(new URL('./fixtures/probe-child.ts', import.meta.url))
    const [command, args] = runtimeCommand(child, [join(root, 'probe.bin')])
    const { stdout } = await promisify(execFile)(command, args)
    assert.match(stdout, /probe ok/)
  })
})
