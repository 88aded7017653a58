import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { download, IntegrityError, type Target } from '@resumable/core'
import { makeObject } from '@resumable/testkit'
import { journaled } from '../src/batch/object-steps.ts'
import { setup } from './helpers/harness.ts'

// A store that publishes no CRC-64 but vouches for an MD5 (S3's single-part ETag): the engine
// reads the finished file back and checks it before the rename.
const SIZE = 1000 * 1024 + 77

function withoutCrc(md5?: string) {
  const { checksum: _, ...object } = makeObject(SIZE, 7)
  const digest = md5 ?? createHash('md5').update(object.bytes).digest('hex')
  return { ...object, md5: digest }
}

/** Counts the target's reads (the second pass) without changing what it does. */
function countReads(target: Target): { reads: number } {
  const counter = { reads: 0 }
  const read = target.read.bind(target)
  target.read = (offset, length) => {
    counter.reads++
    return read(offset, length)
  }
  return counter
}

describe('MD5 verification (no CRC-64 published)', () => {
  it('says it is verifying, reads the file back, checks the MD5 and commits; the result says md5 and its value', async () => {
    const object = withoutCrc()
    const { target, options, events } = setup(object)
    const counter = countReads(target)
    const result = await download(options())
    assert.deepEqual(result.verification, { method: 'md5', value: object.md5 })
    const after = events.filter((e) => e.type === 'verifying' || e.type === 'verified')
    assert.deepEqual(
      after.map((e) => e.type),
      ['verifying', 'verified'],
      'one verifying event, before the verified one',
    )
    assert.deepEqual(after[0], { type: 'verifying', method: 'md5', bytes: SIZE })
    assert.deepEqual(target.committed, object.bytes)
    // 1 MiB read-back pieces: the whole file once, in order.
    assert.equal(counter.reads, 1)
  })

  it("uses the target's native md5 when it has one, and then reads nothing back itself", async () => {
    const object = withoutCrc()
    const { target, options } = setup(object)
    const read = target.read.bind(target)
    let asked = 0
    const md5 = async (length: number): Promise<string> => {
      asked++
      return createHash('md5')
        .update(await read(0, length))
        .digest('hex')
    }
    Object.defineProperty(target, 'md5', { value: md5 })
    const counter = countReads(target)
    const result = await download(options())
    assert.deepEqual(result.verification, { method: 'md5', value: object.md5 })
    assert.deepEqual([asked, counter.reads], [1, 0])
  })

  it("a batch's journaled target keeps the target's md5 and its readable: false", () => {
    const base = setup(withoutCrc()).target
    const target: Target = {
      id: base.id,
      open: (options) => base.open(options),
      write: (offset, data) => base.write(offset, data),
      read: (offset, length) => base.read(offset, length),
      sync: () => base.sync(),
      commit: () => base.commit(),
      abort: (options) => base.abort(options),
      readable: false,
      md5: async () => 'x',
    }
    const wrapped = journaled(target, async () => {})
    assert.equal(wrapped.readable, false)
    assert.equal(typeof wrapped.md5, 'function')
    assert.equal(journaled(setup(withoutCrc()).target, async () => {}).md5, undefined)
  })

  it('a mismatch is an IntegrityError naming md5 and the ETag rule; nothing is committed or kept', async () => {
    const object = withoutCrc('0123456789abcdef0123456789abcdef')
    const { target, store, options } = setup(object)
    const error = await download(options()).then(
      () => assert.fail('expected an IntegrityError'),
      (e: unknown) => e,
    )
    assert.ok(error instanceof IntegrityError, String(error))
    assert.equal(error.check, 'md5')
    assert.equal(error.expected, '0123456789abcdef0123456789abcdef')
    assert.equal(error.actual, createHash('md5').update(object.bytes).digest('hex'))
    assert.match(error.message, /ETag was taken as the MD5/)
    assert.equal(target.committed, undefined)
    assert.deepEqual(store.keys(), [], 'the checkpoint is removed: the bytes cannot be trusted')
  })

  it('an MD5 the uploader recorded in the metadata (md5Source) is checked the same way; the events, the result and a mismatch name its header', async () => {
    const md5Source = 'x-amz-meta-md5chksum'
    const right = { ...withoutCrc(), md5Source }
    const ok = setup(right)
    const result = await download(ok.options())
    assert.deepEqual(result.verification, { method: 'md5', value: right.md5, source: md5Source })
    assert.deepEqual(
      ok.events.find((e) => e.type === 'verifying'),
      { type: 'verifying', method: 'md5', bytes: SIZE, source: md5Source },
    )
    assert.deepEqual(ok.target.committed, right.bytes)

    const wrong = { ...withoutCrc('0123456789abcdef0123456789abcdef'), md5Source }
    const bad = setup(wrong)
    const error = await download(bad.options()).then(
      () => assert.fail('expected an IntegrityError'),
      (e: unknown) => e,
    )
    assert.ok(error instanceof IntegrityError, String(error))
    assert.equal(error.check, 'md5')
    assert.match(error.message, /the MD5 in the object's x-amz-meta-md5chksum was taken/)
    assert.doesNotMatch(error.message, /ETag/)
    assert.equal(bad.target.committed, undefined)
  })

  it('with a CRC-64 published the CRC decides, nothing is read back and no verifying event is sent', async () => {
    const object = { ...makeObject(SIZE, 7), md5: '0123456789abcdef0123456789abcdef' }
    const { target, options, events } = setup(object)
    const counter = countReads(target)
    const result = await download(options())
    assert.equal(result.verification.method, 'crc64xz')
    assert.equal(counter.reads, 0)
    assert.equal(events.filter((e) => e.type === 'verifying').length, 0)
  })

  it('verify: false skips it, and a target that cannot be read back says why', async () => {
    const off = setup(withoutCrc('0123456789abcdef0123456789abcdef'))
    const skipped = await download(off.options({ verify: false }))
    assert.equal(skipped.verification.method, 'size')
    const pipe = setup(withoutCrc('0123456789abcdef0123456789abcdef'))
    Object.defineProperty(pipe.target, 'readable', { value: false })
    const streamed = await download(pipe.options())
    assert.equal(streamed.verification.method, 'size')
    assert.match(
      streamed.verification.method === 'size' ? streamed.verification.reason : '',
      /vouches only for a digest of the whole object \(an MD5 or a SHA\).*cannot be read back/,
    )
  })

  it('a byte range is not checked against the whole object MD5', async () => {
    const { options } = setup(withoutCrc('0123456789abcdef0123456789abcdef'))
    const result = await download(options({ range: { start: 10, end: 5000 } }))
    assert.equal(result.verification.method, 'size')
  })
})
