import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DigestThread } from '../src/digest-thread.ts'
import { DESCRIPTORS_ARE_THREAD_LOCAL } from '../src/write-thread.ts'

let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-digest-thread-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

const MiB = 1024 * 1024

describe('the digest thread', () => {
  it('hashes a file span after span, by descriptor or by path, with every algorithm asked', async () => {
    const thread = DigestThread.shared()
    assert.ok(thread, 'a worker thread starts on this runtime')
    const bytes = randomBytes(5 * MiB + 7)
    const path = join(root, 'spans.bin')
    await writeFile(path, bytes)
    const handle = await open(path, 'r')
    const { ino } = await stat(path)
    try {
      // Deno's descriptors belong to the thread that opened them: there a thread opens by path.
      const named = DESCRIPTORS_ARE_THREAD_LOCAL
        ? [{ path, ino }]
        : [{ fd: handle.fd }, { path, ino }]
      for (const file of named) {
        const hasher = thread.hasher(['sha256', 'md5'], async () => file)
        await hasher.hash(0, 3 * MiB)
        await hasher.hash(3 * MiB, 1)
        await hasher.hash(3 * MiB + 1, bytes.length - 3 * MiB - 1)
        const hex = await hasher.finish()
        assert.equal(hex.get('sha256'), createHash('sha256').update(bytes).digest('hex'))
        assert.equal(hex.get('md5'), createHash('md5').update(bytes).digest('hex'))
        hasher.close()
      }
    } finally {
      await handle.close()
    }
  })

  it('refuses a file put in place of the one named, and a span past the end of the file', async () => {
    const thread = DigestThread.shared()
    assert.ok(thread)
    const path = join(root, 'short.bin')
    await writeFile(path, randomBytes(1000))
    const { ino } = await stat(path)
    const replaced = thread.hasher(['sha1'], async () => ({ path, ino: ino + 1 }))
    await assert.rejects(replaced.hash(0, 10), /replaced by another file/)
    replaced.close()
    const short = thread.hasher(['sha1'], async () => ({ path }))
    await assert.rejects(short.hash(0, 2000), /ends before byte 2000/)
    short.close()
  })
})
