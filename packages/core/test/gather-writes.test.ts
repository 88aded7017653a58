import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  download,
  type ReadRequest,
  type ReadResponse,
  type Target,
  type Transport,
} from '@resumable/core'
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

/**
 * Lends every chunk like a socket wire reading into reused memory: one buffer per response, and
 * asking for the next chunk scribbles over the last one. An engine that kept a lent chunk writes
 * the scribble.
 */
function lending(inner: Transport): Transport {
  return {
    id: inner.id,
    stat: (options) => inner.stat(options),
    async read(request: ReadRequest): Promise<ReadResponse> {
      const response = await inner.read(request)
      const upstream = response.body as AsyncIterable<Uint8Array>
      async function* lent(): AsyncGenerator<Uint8Array> {
        const memory = new Uint8Array(64 * KiB)
        for await (const chunk of upstream) {
          for (let at = 0; at < chunk.length; at += memory.length) {
            const piece = chunk.subarray(at, at + memory.length)
            memory.set(piece)
            yield memory.subarray(0, piece.length)
            memory.fill(0xee)
          }
        }
      }
      return { ...response, body: lent(), chunksLent: true }
    },
  }
}

describe('download into a Target with gather writes', () => {
  it('copies lent chunks (chunksLent) instead of holding them, and the file comes out exact', async () => {
    const object = makeObject(700 * KiB + 5)
    const base = setup(object)
    const target = new GatherTarget('/dest/file.bin', { volume: base.volume })
    const result = await download(base.options({ target, transport: lending(base.transport) }))
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    assert.equal(target.gathered, 0)
    assert.ok(target.single > 0)
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
