import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { download, IntegrityError, type ReadRequest } from '@resumable/core'
import { makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const SIZE = 300 * 1024

/** A server that ignores Range (real fault) and puts `md5` on its 200 answers; its HEAD has none. */
function ignoringRangeWithMd5(md5: (bytes: Uint8Array) => string) {
  const { checksum: _, ...object } = makeObject(SIZE, 3)
  const made = setup(object)
  const { transport } = made
  transport.fault = () => ({ type: 'ignore-range' })
  const read = transport.read.bind(transport)
  transport.read = async (request: ReadRequest) => {
    const response = await read(request)
    const whole = response.range.start === 0 && response.range.end === SIZE - 1
    return whole ? { ...response, md5: md5(object.bytes), md5Source: 'Content-MD5' } : response
  }
  return { ...made, object }
}

describe("a whole-object answer's Content-MD5", () => {
  it('is checked before commit when the HEAD had none: a wrong one publishes nothing', async () => {
    const { options, target } = ignoringRangeWithMd5(() => '00'.repeat(16))
    await assert.rejects(download(options({ concurrency: 1 })), (e: unknown) => {
      assert.ok(e instanceof IntegrityError)
      assert.match(e.message, /Content-MD5/)
      return true
    })
    assert.equal(target.committed, undefined)
  })

  it('verifies the file when it is right', async () => {
    const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex')
    const { options, target, object } = ignoringRangeWithMd5(md5)
    const result = await download(options({ concurrency: 1 }))
    assert.deepEqual(target.committed, object.bytes)
    assert.equal(result.verification.method, 'md5')
  })
})
