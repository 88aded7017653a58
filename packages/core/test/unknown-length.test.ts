import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { download, OptionsError, type Target } from '@resumable/core'
import { MemoryCheckpointStore } from '@resumable/store-memory'
import { FakeTransport, makeObject } from '@resumable/testkit'

const KiB = 1024

/** A Target that grows with its writes, as a file does, and takes its final size from setSize. */
class GrowingTarget implements Target {
  readonly id = 'growing'
  bytes = new Uint8Array(0)
  committed: Uint8Array | undefined
  size = -1
  async open(): Promise<{ resumed: boolean }> {
    return { resumed: false }
  }
  async write(offset: number, data: Uint8Array): Promise<void> {
    if (offset + data.length > this.bytes.length) {
      const grown = new Uint8Array(offset + data.length)
      grown.set(this.bytes)
      this.bytes = grown
    }
    this.bytes.set(data, offset)
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.bytes.slice(offset, offset + length)
  }
  async sync(): Promise<void> {}
  async setSize(size: number): Promise<void> {
    this.size = size
  }
  async commit(): Promise<void> {
    assert.equal(this.bytes.length, this.size)
    this.committed = this.bytes
  }
  async abort(): Promise<void> {}
}

function unknownLength(transport: FakeTransport, checksum: boolean): void {
  const stat = transport.stat.bind(transport)
  transport.stat = async () => {
    const { checksum: crc, ...info } = await stat()
    return { ...info, ...(checksum && crc ? { checksum: crc } : {}), size: 0, sizeKnown: false }
  }
}

describe('download: an object of unknown length', () => {
  it('reads one stream to its end, retries a drop from the last byte, and checks a published CRC-64', async () => {
    const object = makeObject(700 * KiB)
    const transport = new FakeTransport(object)
    unknownLength(transport, true)
    transport.fault = ({ n }) => (n === 0 ? { type: 'reset', afterBytes: 300 * KiB } : undefined)
    const target = new GrowingTarget()
    const result = await download({
      transport,
      target,
      checkpoint: new MemoryCheckpointStore(),
      retryBaseDelayMs: 1,
      writeBufferSize: 64 * KiB,
    })
    assert.deepEqual(target.committed, object.bytes)
    assert.equal(result.bytes, object.bytes.length)
    assert.equal(result.object.size, object.bytes.length)
    assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
    assert.equal(transport.reads.length, 2)
    assert.equal(transport.reads[1]?.start, 300 * KiB, 'the retry asks for the rest only')
  })

  it('says that only the end of the stream was checked when no checksum was published', async () => {
    const object = makeObject(200 * KiB)
    const transport = new FakeTransport(object)
    unknownLength(transport, false)
    const events: string[] = []
    const result = await download({
      transport,
      target: new GrowingTarget(),
      onEvent: (e) => void events.push(e.type === 'sequential' ? e.reason : e.type),
    })
    assert.equal(result.verification.method, 'size')
    assert.match(
      result.verification.method === 'size' ? result.verification.reason : '',
      /only the end of the stream/,
    )
    assert.ok(events.includes('unknown-size'))
  })

  it('refuses a Target without setSize before writing anything', async () => {
    const transport = new FakeTransport(makeObject(10 * KiB))
    unknownLength(transport, false)
    const target: Target = {
      id: 'fixed',
      open: async () => ({ resumed: false }),
      write: async () => assert.fail('nothing may be written'),
      read: async () => new Uint8Array(0),
      sync: async () => {},
      commit: async () => {},
      abort: async () => {},
    }
    await assert.rejects(download({ transport, target }), (e) => {
      return e instanceof OptionsError && e.option === 'target'
    })
    assert.equal(transport.reads.length, 0)
  })
})
