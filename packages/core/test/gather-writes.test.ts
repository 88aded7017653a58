import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { download } from '@resumable/core'
import { makeObject } from '@resumable/testkit'
import { GatherTarget } from './helpers/gather-target.ts'
import { setup } from './helpers/harness.ts'
import { type KeepCounts, lendingTransport } from './helpers/lending-transport.ts'

const KiB = 1024

/** A 700 KiB object, a GatherTarget for it, and zeroed keep counts. */
function keptSetup() {
  const object = makeObject(700 * KiB + 5)
  const base = setup(object)
  const target = new GatherTarget('/dest/file.bin', { volume: base.volume })
  const counts: KeepCounts = { kept: 0, released: 0, blocks: new Set() }
  return { object, base, target, counts }
}

describe('download into a Target with gather writes', () => {
  it('copies lent chunks (chunksLent) instead of holding them, and the file comes out exact', async () => {
    const object = makeObject(700 * KiB + 5)
    const base = setup(object)
    const target = new GatherTarget('/dest/file.bin', { volume: base.volume })
    const result = await download(
      base.options({ target, transport: lendingTransport(base.transport, { offersKeep: false }) }),
    )
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    assert.equal(target.gathered, 0)
    assert.ok(target.single > 0)
  })

  it('keeps lent chunks it may keep (keep) and hands them to writeChunks uncopied; file and CRC exact, every one let go', async () => {
    const { object, base, target, counts } = keptSetup()
    const result = await download(
      base.options({ target, transport: lendingTransport(base.transport, { counts }) }),
    )
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    assert.ok(target.gathered > 0)
    assert.equal(target.single, 0)
    // Uncopied: every chunk written is the transport's own lent memory.
    for (const from of target.gatheredFrom) assert.ok(counts.blocks.has(from), 'a copied chunk')
    assert.ok(counts.kept > 0)
    assert.equal(counts.released, counts.kept)
  })

  it('a keep() that throws fails only that read: the retry leaves file and CRC exact, every kept chunk let go', async () => {
    const { object, base, target, counts } = keptSetup()
    // The second chunk of the first part: the first is still held, unwritten, when it throws.
    const transport = lendingTransport(base.transport, { counts, refuse: 1 })
    const result = await download(
      // No checkpoint flush in between: the held chunk waits for the buffer to fill.
      base.options({
        target,
        transport,
        concurrency: 1,
        writeBufferSize: 256 * KiB,
        checkpointIntervalMs: 60_000,
      }),
    )
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    assert.ok(counts.kept > 0)
    assert.equal(counts.released, counts.kept)
  })

  it('lets go of every kept chunk when a write fails', async () => {
    const { base, counts } = keptSetup()
    class FailingTarget extends GatherTarget {
      override async writeChunks(offset: number, chunks: readonly Uint8Array[]): Promise<void> {
        if (this.gathered === 1) throw new Error('disk gone')
        await super.writeChunks(offset, chunks)
      }
    }
    const target = new FailingTarget('/dest/file.bin', { volume: base.volume })
    await assert.rejects(
      download(
        base.options({
          target,
          transport: lendingTransport(base.transport, { counts }),
          concurrency: 1,
        }),
      ),
    )
    assert.ok(counts.kept > 0)
    assert.equal(counts.released, counts.kept)
  })

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
