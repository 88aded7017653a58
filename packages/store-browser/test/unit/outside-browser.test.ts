import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TargetError } from '@resumable/core'
import { IndexedDbCheckpointStore, OpfsTarget } from '@resumable/store-browser'

describe('outside a browser', () => {
  it('OpfsTarget.open rejects with a TargetError saying there is no Origin Private File System', async () => {
    await assert.rejects(
      new OpfsTarget('a.bin').open({ size: 1, resume: false }),
      (e: unknown) =>
        e instanceof TargetError && e.kind === 'permission' && /getDirectory/.test(e.message),
    )
  })

  it('OpfsTarget refuses a name with a slash, and names its id after directory and file', () => {
    assert.throws(() => new OpfsTarget('a/b.bin'), TargetError)
    assert.equal(new OpfsTarget('b.bin', { directory: '/x//y/' }).id, 'opfs:/x/y/b.bin')
    assert.equal(new OpfsTarget('b.bin').id, 'opfs:/b.bin')
  })

  it('OpfsTarget.abort({ keep: true }) without open succeeds; { keep: false } without a file system rejects with a TargetError', async () => {
    await assert.rejects(new OpfsTarget('c.bin').abort({ keep: false }), TargetError)
    await new OpfsTarget('c.bin').abort({ keep: true })
  })

  it('IndexedDbCheckpointStore rejects where there is no indexedDB', async () => {
    await assert.rejects(new IndexedDbCheckpointStore().load('k'), /no indexedDB/)
  })
})
