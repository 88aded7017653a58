import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { download, type Target } from '@resumable/core'
import { MemoryTarget } from '@resumable/store-memory'
import { makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024

/** A MemoryTarget that also takes gather writes and counts which kind the engine used. */
class GatherTarget extends MemoryTarget implements Target {
  gathered = 0
  single = 0
  override write(offset: number, data: Uint8Array): Promise<void> {
    this.single++
    return super.write(offset, data)
  }
  async writeChunks(offset: number, chunks: readonly Uint8Array[]): Promise<void> {
    this.gathered++
    let at = offset
    for (const chunk of chunks) {
      await super.write(at, chunk)
      at += chunk.length
    }
  }
}

describe('download into a Target with gather writes', () => {
  it('hands chunks over with writeChunks only and the file and CRC come out exact', async () => {
    const object = makeObject(700 * KiB + 5)
    const base = setup(object)
    const target = new GatherTarget('/dest/file.bin', { volume: base.volume })
    const result = await download(base.options({ target }))
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    assert.ok(target.gathered > 0)
    assert.equal(target.single, 0)
  })

  it('keeps the bytes that arrived before a drop and continues from the last one', async () => {
    const object = makeObject(300 * KiB)
    const base = setup(object)
    const target = new GatherTarget('/dest/file.bin', { volume: base.volume })
    base.transport.fault = ({ n }) => (n === 0 ? { type: 'reset', afterBytes: 40_000 } : undefined)
    const result = await download(base.options({ target, concurrency: 1 }))
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(base.transport.reads[1], { start: 40_000, end: 102_399, fault: undefined })
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
  })

  it('never writes past a part when the body is longer than asked', async () => {
    const object = makeObject(200 * KiB)
    const base = setup(object)
    const target = new GatherTarget('/dest/file.bin', { volume: base.volume })
    base.transport.fault = ({ n }) => (n === 0 ? { type: 'long', extraBytes: 5 } : undefined)
    await download(base.options({ target, concurrency: 1 }))
    assert.deepEqual(target.committed, object.bytes)
  })
})
