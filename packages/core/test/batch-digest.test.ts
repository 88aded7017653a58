import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { downloadMany } from '@resumable/core'
import { MemoryBatchJournalStore } from '@resumable/store-memory'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'
import { forwarding } from './helpers/forwarding-target.ts'

const KiB = 1024
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('downloadMany: objects listed with a digest', () => {
  it('publishes the one whose bytes have it; the one that does not, and the one whose Target cannot compute it, fail alone', async () => {
    const bucket = new FakeBucket()
    for (const [i, key] of ['data/good.bin', 'data/wrong.bin', 'data/plain.bin'].entries())
      bucket.put(key, 300 * KiB + i)
    const bytes = (key: string) => bucket.objects.get(key)?.bytes as Uint8Array
    const listing = bucket.listing().map((object) => ({
      ...object,
      digest: {
        algorithm: 'sha256' as const,
        value: sha256(bytes(object.key === 'data/wrong.bin' ? 'data/good.bin' : object.key)),
      },
    }))
    const dest = new MemoryDestination(bucket)
    const summary = await downloadMany({
      id: 'fake://bucket/data/ → /dest',
      prefix: 'data/',
      objects: listing,
      open: (location, object) => {
        const io = dest.open(location, object)
        if (object.key !== 'data/plain.bin') return io
        return { ...io, target: (options) => forwarding(io.target(options)) }
      },
      journal: new MemoryBatchJournalStore(),
      concurrency: 4,
      download: { partSize: 128 * KiB, retryBaseDelayMs: 1 },
    })
    assert.equal(summary.ok, false)
    assert.equal(summary.downloaded, 1)
    assert.deepEqual(summary.failures.map((f) => [f.key, f.kind]).sort(), [
      ['data/plain.bin', 'invalid-options'],
      ['data/wrong.bin', 'integrity'],
    ])
    assert.deepEqual(dest.file('good.bin'), bytes('data/good.bin'))
    assert.equal(dest.file('wrong.bin'), undefined)
    assert.equal(dest.file('plain.bin'), undefined)
  })
})
