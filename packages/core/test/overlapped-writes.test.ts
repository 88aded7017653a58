import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { download, type ReadRequest, TargetError, type Transport } from '@resumable/core'
import { MemoryTarget } from '@resumable/store-memory'
import { makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024

/** Counts the body bytes the engine has pulled from `inner`'s responses. */
function counting(inner: Transport): Transport & { pulled: number } {
  const counted = {
    pulled: 0,
    id: inner.id,
    stat: inner.stat.bind(inner),
    async read(request: ReadRequest) {
      const response = await inner.read(request)
      const body = response.body as AsyncIterable<Uint8Array>
      async function* pulled(): AsyncGenerator<Uint8Array> {
        for await (const chunk of body) {
          counted.pulled += chunk.length
          yield chunk
        }
      }
      return { ...response, body: pulled() }
    },
  }
  return counted
}

/** A MemoryTarget whose writes take a while, counting how many overlap and failing on request. */
class SlowTarget extends MemoryTarget {
  inFlight = 0
  mostInFlight = 0
  writes = 0
  failAt = -1
  /** Writes during which the engine pulled more of the body. */
  overlapped = 0
  pulled: () => number = () => 0
  override async write(offset: number, data: Uint8Array): Promise<void> {
    const n = this.writes++
    this.inFlight++
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight)
    // Reads go on meanwhile; the data must still be intact when the write lands.
    const copy = data.slice()
    const before = this.pulled()
    await new Promise((resolve) => setTimeout(resolve, 3))
    if (this.pulled() > before) this.overlapped++
    this.inFlight--
    if (!copy.every((byte, i) => byte === data[i]))
      throw new Error('the buffer changed under a write')
    if (n === this.failAt) throw new TargetError('io', 'disk full (simulated)')
    return super.write(offset, data)
  }
}

describe('a part reads on while its previous buffer is written', () => {
  it('overlaps a part’s own writes with its reads, and the file and CRC come out exact', async () => {
    const object = makeObject(3 * 1024 * KiB + 17)
    const base = setup(object)
    const target = new SlowTarget('/dest/file.bin', { volume: base.volume })
    const transport = counting(base.transport)
    target.pulled = () => transport.pulled
    const result = await download(
      base.options({
        target,
        transport,
        concurrency: 1,
        partSize: 4 * 1024 * KiB,
        writeBufferSize: 256 * KiB,
      }),
    )
    assert.deepEqual(target.committed, object.bytes)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    // One part, writes of at most 128 KiB: never more than one in flight, but more than 24 of them.
    assert.equal(target.mostInFlight, 1)
    assert.ok(target.writes >= 24, `${target.writes} writes`)
    assert.ok(
      target.overlapped > target.writes / 2,
      `${target.overlapped} of ${target.writes} overlapped`,
    )
  })

  it('fails with the target’s error when a write fails mid-part, without retrying it as a network fault', async () => {
    const object = makeObject(2 * 1024 * KiB)
    const base = setup(object)
    const target = new SlowTarget('/dest/file.bin', { volume: base.volume })
    target.failAt = 5
    await assert.rejects(
      download(
        base.options({
          target,
          concurrency: 1,
          partSize: 4 * 1024 * KiB,
          writeBufferSize: 256 * KiB,
        }),
      ),
      (error) => error instanceof TargetError && /disk full/.test(error.message),
    )
    assert.equal(base.transport.reads.length, 1)
  })
})
