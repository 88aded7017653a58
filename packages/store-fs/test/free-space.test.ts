import assert from 'node:assert/strict'
import { existsSync, statSync, writeFileSync } from 'node:fs'
import fsPromises, { mkdtemp, rm, statfs } from 'node:fs/promises'
import { syncBuiltinESMExports } from 'node:module'
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
      assert.match(
        error.message,
        /[\d.]+ [KMGT]iB more are needed and the file system has [\d.]+ [KMGT]iB free/,
      )
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

/**
 * `statfs` replaced for the test's length, as a file system with `free` bytes available. Node
 * only: the named export free-space.ts imports follows the module object there
 * (`syncBuiltinESMExports`); Deno and Bun keep their own binding.
 */
async function withFreeSpace(free: () => number, run: () => Promise<void>): Promise<void> {
  const real = fsPromises.statfs
  const fake = (async () => ({
    ...(await real(root)),
    bavail: Math.floor(free() / 4096),
    bsize: 4096,
  })) as unknown as typeof real
  Object.assign(fsPromises, { statfs: fake })
  syncBuiltinESMExports()
  try {
    await run()
  } finally {
    Object.assign(fsPromises, { statfs: real })
    syncBuiltinESMExports()
  }
}

const onNode = !('Deno' in globalThis) && !('Bun' in globalThis)
const MiB = 1024 * 1024

describe('FileTarget: free space judged with a discarded partial file', () => {
  it('counts the stale partial file it is about to remove as free: a download that fits once it is gone starts', async (t) => {
    if (!onNode) return t.skip('statfs can be replaced only on Node')
    const dest = join(root, 'restart.bin')
    // A killed run's partial file of 8 MiB whose checkpoint no longer matches: started over.
    const temp = dest + TEMP_SUFFIX
    writeFileSync(temp, Buffer.alloc(8 * MiB, 1))
    // A file system of 12 MiB free without that file's blocks.
    const free = () => 12 * MiB - (existsSync(temp) ? statSync(temp).blocks * 512 : 0)
    assert.ok(free() < 10 * MiB, 'with the partial file, the object would not fit')
    await withFreeSpace(free, async () => {
      const target = new FileTarget(dest)
      assert.deepEqual(
        await target.open({ size: 10 * MiB, resume: false, checkpointDiscarded: true }),
        { resumed: false },
      )
      assert.equal(statSync(temp).size, 0, 'the old partial file was replaced')
      await target.abort({ keep: false })
    })
  })

  it('names small sizes in a unit that shows them, and carries both sizes in bytes', async (t) => {
    if (!onNode) return t.skip('statfs can be replaced only on Node')
    const dest = join(root, 'small-free.bin')
    await withFreeSpace(
      () => 4 * MiB,
      async () => {
        const target = new FileTarget(dest)
        await assert.rejects(target.open({ size: 10 * MiB, resume: false }), (error: unknown) => {
          assert.ok(error instanceof TargetError)
          assert.equal(error.kind, 'no-space')
          assert.match(
            error.message,
            /10\.00 MiB more are needed and the file system has 4\.00 MiB free/,
          )
          assert.deepEqual(error.space, { needed: 10 * MiB, free: 4 * MiB })
          return true
        })
      },
    )
    assert.equal(existsSync(dest + TEMP_SUFFIX), false)
  })
})
