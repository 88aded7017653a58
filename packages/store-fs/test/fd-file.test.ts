import assert from 'node:assert/strict'
import { closeSync, openSync, readSync, symlinkSync, writeFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { FdFile, type QuickCallsFor } from '../src/fd-file.ts'
import { QuickCalls } from '../src/quick-calls.ts'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-fd-file-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

/** Fresh judges of every kind of call: each starts on. */
function quickFileSystem(): QuickCallsFor {
  const calls = new Map<string, QuickCalls>()
  return (kind) => {
    const judge = calls.get(kind) ?? new QuickCalls()
    calls.set(kind, judge)
    return judge
  }
}

/** Judges that have seen a slow file system: every kind of call takes the pool. */
function slowFileSystem(): QuickCallsFor {
  const judge = new QuickCalls()
  for (let i = 0; i < 3; i++) judge.took(100)
  return () => judge
}

for (const [name, quick] of [
  ['quick calls on', quickFileSystem],
  ['quick calls off (a slow file system)', slowFileSystem],
] as const) {
  describe(`FdFile, ${name}`, () => {
    it('writes, gathers, reads back, stats, truncates, syncs and closes', async () => {
      const path = join(root, `rw-${name.length}`)
      const file = await FdFile.create(path, quick())
      const small = new TextEncoder().encode('hello ')
      assert.equal((await file.write(small, 0, small.length, 0)).bytesWritten, 6)
      const parts = [new TextEncoder().encode('fd '), new TextEncoder().encode('file')]
      assert.equal((await file.writev(parts, 6)).bytesWritten, 7)
      // Longer than a short call: the pool writes it either way.
      const large = new Uint8Array(300 * 1024).fill(7)
      assert.equal((await file.writev([large], 13)).bytesWritten, large.length)
      const back = new Uint8Array(13)
      assert.equal((await file.read(back, 0, 13, 0)).bytesRead, 13)
      assert.equal(new TextDecoder().decode(back), 'hello fd file')
      assert.equal((await file.stat()).size, 13 + large.length)
      await file.truncate(13)
      await file.datasync()
      await file.sync()
      await file.close()
      assert.equal(await readFile(path, 'utf8'), 'hello fd file')
    })

    it('create refuses a file or a symlink already at the path', async () => {
      const existing = join(root, `existing-${name.length}`)
      writeFileSync(existing, 'keep')
      await assert.rejects(FdFile.create(existing, quick()), { code: 'EEXIST' })
      const link = join(root, `link-${name.length}`)
      symlinkSync(join(root, `elsewhere-${name.length}`), link)
      await assert.rejects(FdFile.create(link, quick()), { code: 'EEXIST' })
      assert.equal(await readFile(existing, 'utf8'), 'keep')
    })

    it('a second close leaves alone the file that took the descriptor number since', async () => {
      const file = await FdFile.create(join(root, `twice-${name.length}`), quick())
      await file.close()
      const other = join(root, `other-${name.length}`)
      writeFileSync(other, 'still open')
      const fd = openSync(other, 'r')
      try {
        await file.close()
        const bytes = Buffer.alloc(10)
        assert.equal(readSync(fd, bytes, 0, 10, 0), 10)
      } finally {
        closeSync(fd)
      }
    })
  })
}
