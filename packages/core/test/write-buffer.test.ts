import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { download, type ReadRequest, type Transport } from '@resumable/core'
import { MemoryTarget } from '@resumable/store-memory'
import { makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024

/** A MemoryTarget that hands out the engine's write buffers and notes which memory each write came from. */
class BufferGivingTarget extends MemoryTarget {
  readonly given = new Set<ArrayBufferLike>()
  writes = 0
  foreign = 0
  writeBuffer(byteLength: number): Uint8Array {
    const buffer = new Uint8Array(byteLength)
    this.given.add(buffer.buffer)
    return buffer
  }
  override write(offset: number, data: Uint8Array): Promise<void> {
    this.writes++
    if (!this.given.has(data.buffer)) this.foreign++
    return super.write(offset, data)
  }
}

/** `inner`, its chunks marked as lent (reused after the next read), so the engine copies them. */
function lending(inner: Transport): Transport {
  return {
    id: inner.id,
    stat: inner.stat.bind(inner),
    async read(request: ReadRequest) {
      return { ...(await inner.read(request)), chunksLent: true }
    },
  }
}

describe('Target.writeBuffer', () => {
  it('the engine copies lent chunks into buffers the Target gave, one per worker, and writes from them', async () => {
    const object = makeObject(1024 * KiB + 333)
    const base = setup(object)
    const target = new BufferGivingTarget('/dest/file.bin', { volume: base.volume })
    await download(
      base.options({
        target,
        transport: lending(base.transport),
        concurrency: 3,
        partSize: 200 * KiB,
        writeBufferSize: 64 * KiB,
      }),
    )
    assert.deepEqual(target.committed, object.bytes)
    assert.ok(target.writes > 6, `${target.writes} writes`)
    assert.equal(target.foreign, 0, 'every write came from a buffer the target gave')
    assert.ok(target.given.size >= 1 && target.given.size <= 3, `${target.given.size} buffers`)
  })
})
