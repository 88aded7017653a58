import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, statfs } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { TargetError } from '@resumable/core'
import { FileTarget, LOCK_SUFFIX, TEMP_SUFFIX } from '@resumable/store-fs'

let root = ''
let free = 0
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-free-'))
  const stats = await statfs(root)
  free = Number(stats.bavail) * Number(stats.bsize)
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('FileTarget: an object larger than the free space', () => {
  it('is refused at open (no-space, sizes named) with no temporary file and no lock left', async (t) => {
    if (!(free > 0)) return t.skip('this file system reports no free blocks')
    const dest = join(root, 'huge.bin')
    const target = new FileTarget(dest)
    const size = free + 2 ** 40
    await assert.rejects(target.open({ size, resume: false }), (error: unknown) => {
      assert.ok(error instanceof TargetError)
      assert.equal(error.kind, 'no-space')
      assert.match(error.message, /GiB more are needed and the file system has .* GiB free/)
      return true
    })
    assert.equal(existsSync(dest + TEMP_SUFFIX), false)
    assert.equal(existsSync(dest + LOCK_SUFFIX), false)
  })

  it('one that fits opens as before', async () => {
    const target = new FileTarget(join(root, 'fits.bin'))
    assert.deepEqual(await target.open({ size: 1024, resume: false }), { resumed: false })
    await target.abort({ keep: false })
  })
})
