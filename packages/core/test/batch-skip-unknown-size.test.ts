import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import type { BatchObjectIO, BatchOptions, ObjectInfo } from '@resumable/core'
import { decideExisting } from '../src/batch/decide-existing.ts'

// A server that does not say how long an object is (a chunked HEAD) gives size 0 as a placeholder
// (sizeKnown: false): no local file is that object's size, whatever digest would match.
describe('skipExisting with an object of unknown length', () => {
  it('never skips the local file, even an empty one whose digest is the one listed: it fails as exists, saying why', async () => {
    const empty = createHash('md5').update(new Uint8Array()).digest('hex')
    const info: ObjectInfo = { size: 0, sizeKnown: false, etag: '"v1"' }
    const io = {
      transport: { id: 'x', stat: async () => info, read: async () => assert.fail('no read') },
      target: () => assert.fail('no target'),
      existing: async () => ({ size: 0, modifiedMs: 0 }),
      existingChecksum: async () => 0n,
      existingDigest: async () => empty,
    } as unknown as BatchObjectIO
    const listed = { key: 'k', digest: { algorithm: 'md5' as const, value: empty } }
    const options = { skipExisting: true } as unknown as BatchOptions
    // Not skipped: the file is left alone, and the failure says why.
    await assert.rejects(
      decideExisting(io, listed, undefined, options, new AbortController().signal),
      /a file is already at the destination, and the store does not say the object's size to compare it with; not overwritten/,
    )
  })
})

describe('skipExisting with nothing to compare the file with', () => {
  it('a file of the size of an object with no CRC and no digest: fails as exists, saying that nothing could compare them, in one sentence', async () => {
    const info: ObjectInfo = { size: 5, etag: '"v1"' }
    const io = {
      transport: { id: 'x', stat: async () => info, read: async () => assert.fail('no read') },
      target: () => assert.fail('no target'),
      existing: async () => ({ size: 5, modifiedMs: 0 }),
    } as unknown as BatchObjectIO
    const options = { skipExisting: true } as unknown as BatchOptions
    await assert.rejects(
      decideExisting(io, { key: 'k', size: 5 }, undefined, options, new AbortController().signal),
      /^TargetError: a file of the same size is already at the destination, but the store gives no CRC, and the object no digest, to compare it with; not overwritten \(see overwrite, update\)$/,
    )
  })
})
