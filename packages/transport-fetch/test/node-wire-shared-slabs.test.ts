import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { download, MIN_PART_SIZE, type Target } from '@resumable/core'
import { MemoryCheckpointStore, MemoryTarget, MemoryVolume } from '@resumable/store-memory'
import { makeBytes } from '@resumable/testkit'
import { createUrlTransport } from '../src/index.node.ts'
import { nodeWire } from '../src/node.ts'

// The Node wire's read slabs belong to the process, not to one connection: a connection that
// closes leaves its slabs to the next one, and connections that trade places in the pool do not
// each grow a stock of their own (issue 13: at concurrency 8 the per-connection stocks held
// 19 MiB where 11 were ever out at once).

const PARTS = 16
const bytes = makeBytes(PARTS * MIN_PART_SIZE, 31)

/** A MemoryTarget with gather writes that notes every slab (shared memory) it was handed. */
class SlabCountingTarget extends MemoryTarget implements Target {
  readonly slabs = new Set<SharedArrayBuffer>()
  async writeChunks(offset: number, chunks: readonly Uint8Array[]): Promise<void> {
    let at = offset
    for (const chunk of chunks) {
      if (chunk.buffer instanceof SharedArrayBuffer) this.slabs.add(chunk.buffer)
      await super.write(at, chunk)
      at += chunk.length
    }
  }
}

describe('the Node wire shares its read slabs between connections', () => {
  let server: Server
  let url = ''
  let accepted = 0
  before(async () => {
    // Every response closes its connection: each part comes on a connection of its own.
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
      const [start, end] = match ? [Number(match[1]), Number(match[2])] : [0, bytes.length - 1]
      res.statusCode = match ? 206 : 200
      res.setHeader('connection', 'close')
      res.setHeader('etag', '"SHARED"')
      res.setHeader('accept-ranges', 'bytes')
      res.setHeader('content-length', end - start + 1)
      if (match) res.setHeader('content-range', `bytes ${start}-${end}/${bytes.length}`)
      if (req.method === 'HEAD') return void res.end()
      res.end(bytes.subarray(start, end + 1))
    })
    server.on('connection', () => accepted++)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/o`
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('sixteen parts on sixteen connections, one after another, are read into a few slabs, not new ones per connection', async () => {
    const target = new SlabCountingTarget('shared.bin', { volume: new MemoryVolume() })
    await download({
      transport: createUrlTransport({ url, wire: nodeWire() }),
      target,
      checkpoint: new MemoryCheckpointStore(),
      partSize: MIN_PART_SIZE,
      concurrency: 1,
      writeBufferSize: 1024 * 1024,
    })
    assert.deepEqual(target.committed, bytes)
    assert.ok(accepted >= PARTS, `each part had a connection of its own (${accepted})`)
    // A part of 100 KiB spans at most two 128 KiB slabs; one more may be in a read meanwhile.
    assert.ok(
      target.slabs.size <= 4,
      `${target.slabs.size} slabs written from, on ${accepted} connections, for ${PARTS} parts`,
    )
  })
})
