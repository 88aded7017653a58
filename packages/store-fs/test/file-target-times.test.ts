import assert from 'node:assert/strict'
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { FileTarget, type FileTargetOptions } from '@resumable/store-fs'
import { FdFile } from '../src/fd-file.ts'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-times-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const STORE_TIME = Date.UTC(2015, 9, 21, 7, 28, 0)
const bytes = new TextEncoder().encode('the object')

/** Writes `bytes` through a FileTarget at `name` and commits with the store's time. */
async function publish(name: string, options: FileTargetOptions = {}): Promise<string> {
  const dest = join(root, name)
  const target = new FileTarget(dest, options)
  await target.open({ size: bytes.length, resume: false })
  await target.write(0, bytes)
  await target.commit({ modifiedMs: STORE_TIME })
  assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
  return dest
}

describe("FileTarget and the store's modification time", () => {
  it("publishes the file with the store's Last-Modified as its mtime, under a lock", async () => {
    const dest = await publish('locked.bin')
    assert.equal((await stat(dest)).mtimeMs, STORE_TIME)
  })

  it('publishes it so from a private temporary file too (a batch’s one-request object)', async () => {
    const dest = await publish('private.bin', { privateTempPath: join(root, 'private.tmp') })
    assert.equal((await stat(dest)).mtimeMs, STORE_TIME)
  })

  it('publishes the file with the time of writing where the file system refuses times (EPERM), locked or private', async () => {
    const probe = await open(join(root, 'probe'), 'w')
    const handleProto = Object.getPrototypeOf(probe) as { utimes: unknown }
    await probe.close()
    const refuse = async () => {
      throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' })
    }
    const saved = [handleProto.utimes, FdFile.prototype.utimes] as const
    handleProto.utimes = refuse
    FdFile.prototype.utimes = refuse
    try {
      const started = Date.now() - 2000
      for (const dest of [
        await publish('refused-locked.bin'),
        await publish('refused-private.bin', { privateTempPath: join(root, 'refused.tmp') }),
      ])
        assert.ok((await stat(dest)).mtimeMs >= started, dest)
    } finally {
      handleProto.utimes = saved[0]
      FdFile.prototype.utimes = saved[1]
    }
  })

  it('keeps the time of writing with remoteTime: false, and when the store gives no time', async () => {
    const started = Date.now() - 2000
    const kept = await publish('own-time.bin', { remoteTime: false })
    assert.ok((await stat(kept)).mtimeMs >= started)
    const dest = join(root, 'no-time.bin')
    const target = new FileTarget(dest)
    await target.open({ size: bytes.length, resume: false })
    await target.write(0, bytes)
    await target.commit()
    assert.ok((await stat(dest)).mtimeMs >= started)
  })
})
