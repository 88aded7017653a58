import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type ChecksumRun,
  type ChecksumThread,
  type Crc64Algorithm,
  crc,
  download,
  OptionsError,
} from '@resumable/core'
import { makeObject } from '@resumable/testkit'
import { GatherTarget } from './helpers/gather-target.ts'
import { setup } from './helpers/harness.ts'
import { lendingTransport } from './helpers/lending-transport.ts'

const KiB = 1024
const MiB = 1024 * KiB

/**
 * A ChecksumThread that hashes late, as another thread would: a run's pieces are read only when
 * its value is asked for, a turn of the event loop later. `answer` can bend the result.
 */
class LateThread implements ChecksumThread {
  runs = 0
  bytes = 0
  readonly answer: (right: bigint) => Promise<bigint>
  constructor(answer: (right: bigint) => Promise<bigint> = async (right) => right) {
    this.answer = answer
  }
  begin(algorithm: Crc64Algorithm, previous: bigint): ChecksumRun {
    this.runs++
    const pieces: Uint8Array[] = []
    return {
      update: (more) => {
        pieces.push(...more)
      },
      value: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1))
        let value = previous
        for (const piece of pieces) {
          this.bytes += piece.length
          value = crc(algorithm, piece, value)
        }
        return this.answer(value)
      },
    }
  }
}

/** A 3 MiB object in 1 MiB parts, lent from shared memory into a gather Target. */
function sharedSetup(shared = true) {
  const object = makeObject(3 * MiB + 17)
  const base = setup(object)
  const target = new GatherTarget('/dest/file.bin', { volume: base.volume })
  const options = (thread: ChecksumThread) =>
    base.options({
      target,
      transport: lendingTransport(base.transport, { shared }),
      checksumThread: thread,
      partSize: MiB,
      writeBufferSize: MiB,
      checkpointIntervalMs: 60_000,
    })
  return { object, target, options }
}

describe('the CRC-64 on a checksum thread (checksumThread)', () => {
  it('hands the chunks of every full write buffer to the thread, which reads them before they are let go; file and CRC exact', async () => {
    const { object, target, options } = sharedSetup()
    const thread = new LateThread()
    const result = await download(options(thread))
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    // Each part's 1 MiB buffer went to the thread whole; only the 17-byte tail was hashed inline.
    assert.equal(thread.runs, 3)
    assert.equal(thread.bytes, 3 * MiB)
  })

  it("uses the thread's answer: a wrong one fails verification and nothing is published", async () => {
    const { target, options } = sharedSetup()
    const thread = new LateThread(async (right) => right ^ 1n)
    await assert.rejects(download(options(thread)), /crc64xz/)
    assert.equal(target.committed, undefined)
  })

  it('computes the CRC itself when the thread fails, and the file and CRC come out exact', async () => {
    const { object, target, options } = sharedSetup()
    const thread = new LateThread(async () => {
      throw new Error('the thread exited')
    })
    const result = await download(options(thread))
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    assert.ok(thread.runs > 0)
  })

  it('leaves chunks outside shared memory to the engine', async () => {
    const { object, target, options } = sharedSetup(false)
    const thread = new LateThread()
    const result = await download(options(thread))
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    assert.equal(thread.runs, 0)
  })

  it('refuses a checksumThread without begin() before anything is touched', async () => {
    const { target, options } = sharedSetup()
    await assert.rejects(
      download(options({} as ChecksumThread)),
      (error: unknown) => error instanceof OptionsError && /checksumThread/.test(error.message),
    )
    assert.equal(target.committed, undefined)
  })
})
