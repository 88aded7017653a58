import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { closeSync, openSync, readdirSync, renameSync, statSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { OptionsError } from '@resumable/core'
import { FileTarget, WRITE_SLICE } from '@resumable/store-fs'
import { WriteThread } from '../src/write-thread.ts'
import { writeChunks } from './helpers/write-chunks.ts'

const isDeno = 'Deno' in globalThis
const MiB = 1024 * 1024
let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-thread-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

/** `length` bytes of a pattern that differs at every offset, from `seed`. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >> 12)) & 0xff
  return out
}

describe('FileTarget write thread', () => {
  it('runs on Node, Bun and Deno (there it opens the file by path: descriptors belong to one thread)', () => {
    assert.ok(WriteThread.shared())
  })

  it('writes land byte-identical at their offsets, across slice and staging bounds, from views at any offset', async () => {
    const dest = join(root, 'mixed.bin')
    // Out of order; lengths that are not multiples of a slice, one over a staging buffer (1 MiB).
    const pieces = [
      { at: 3 * MiB + 5, bytes: pattern(WRITE_SLICE * 3 + 17, 1) },
      { at: 0, bytes: pattern(MiB + 4099, 2) },
      { at: MiB + 4099, bytes: pattern(2 * MiB - 4099 + 5, 3) },
      { at: 3 * MiB + 5 + WRITE_SLICE * 3 + 17, bytes: pattern(1, 4) },
    ]
    const size = 3 * MiB + 5 + WRITE_SLICE * 3 + 18
    const target = new FileTarget(dest, { writeSlice: WRITE_SLICE })
    await target.open({ size, resume: false })
    const expected = new Uint8Array(size)
    for (const [i, { at, bytes }] of pieces.entries()) {
      expected.set(bytes, at)
      // Every other piece as a view 3 bytes into a larger buffer (as a body chunk is).
      const data =
        i % 2 === 0
          ? new Uint8Array(bytes.length)
          : new Uint8Array(bytes.length + 5).subarray(3, 3 + bytes.length)
      data.set(bytes)
      await target.write(at, data)
    }
    await writeChunks(target, 0, [pattern(10, 5), pattern(WRITE_SLICE + 1, 6)])
    expected.set(pattern(10, 5), 0)
    expected.set(pattern(WRITE_SLICE + 1, 6), 10)
    // Many small chunks, as a body arrives: packed into staging buffers across their 1 MiB bound.
    const small = Array.from({ length: 300 }, (_, i) => pattern(5000 + (i % 7), 10 + i))
    let at = MiB
    await writeChunks(target, at, small)
    for (const chunk of small) {
      expected.set(chunk, at)
      at += chunk.length
    }
    await target.sync()
    await target.commit()
    assert.deepEqual(new Uint8Array(await readFile(dest)), expected)
  })

  it('gathered chunks in shared memory (kept socket slabs), mixed with plain ones, land byte-identical from a short first piece at an unaligned offset', async () => {
    const dest = join(root, 'shared.bin')
    /** `bytes` copied into shared memory `skip` bytes in, as a slab holds a body piece after the head. */
    const inShared = (bytes: Uint8Array, skip: number): Uint8Array => {
      const view = new Uint8Array(new SharedArrayBuffer(skip + bytes.length + 9)).subarray(
        skip,
        skip + bytes.length,
      )
      view.set(bytes)
      return view
    }
    const lengths = [128 * 1024 - 317, 128 * 1024, 65_483, 128 * 1024, 3, WRITE_SLICE + 1, 900_000]
    const chunks = lengths.map((length, i) => pattern(length, 40 + i))
    // Shared, shared, plain, shared, plain, shared, shared: a message mixes staged and shared bytes.
    const given = chunks.map((bytes, i) => (i === 2 || i === 4 ? bytes : inShared(bytes, i * 5)))
    const start = 3 * WRITE_SLICE + 1234
    const size = start + lengths.reduce((sum, length) => sum + length, 0)
    const target = new FileTarget(dest, { writeSlice: WRITE_SLICE })
    await target.open({ size, resume: false })
    await writeChunks(target, start, given)
    const expected = new Uint8Array(size)
    let at = start
    for (const bytes of chunks) {
      expected.set(bytes, at)
      at += bytes.length
    }
    await target.sync()
    await target.commit()
    assert.deepEqual(new Uint8Array(await readFile(dest)), expected)
  })

  it('a write the system refuses rejects with its code (EBADF: a descriptor opened read-only)', async (t) => {
    const thread = WriteThread.shared()
    if (!thread || isDeno) return t.skip('descriptors are not shared between threads here')
    const path = join(root, 'read-only.bin')
    await writeFile(path, 'x')
    const fd = openSync(path, 'r')
    try {
      await assert.rejects(thread.write({ fd }, [new Uint8Array(10)], 0, WRITE_SLICE), {
        code: 'EBADF',
      })
      // The thread goes on serving later writes.
      const writable = openSync(path, 'r+')
      try {
        await thread.write({ fd: writable }, [new Uint8Array([7, 8])], 0, WRITE_SLICE)
      } finally {
        closeSync(writable)
      }
      assert.deepEqual(new Uint8Array(await readFile(path)), new Uint8Array([7, 8]))
    } finally {
      closeSync(fd)
    }
  })

  it('a file named by path is checked by inode: one put in its place is refused (ESTALE), nothing written to it', async () => {
    const thread = WriteThread.shared()
    assert.ok(thread)
    const path = join(root, 'by-path.bin')
    await writeFile(path, 'original')
    const { ino } = statSync(path)
    // Another file renamed over the path: a new inode at the same name.
    await writeFile(`${path}.other`, 'planted')
    renameSync(`${path}.other`, path)
    await assert.rejects(thread.write({ path, ino }, [new Uint8Array([1, 2, 3])], 0, WRITE_SLICE), {
      code: 'ESTALE',
    })
    assert.equal(await readFile(path, 'utf8'), 'planted')
    // Its own inode is accepted, and the thread goes on serving.
    const current = { path, ino: statSync(path).ino }
    await thread.write(current, [new Uint8Array([0x50, 0x4c])], 0, WRITE_SLICE)
    await thread.forget(current)
    assert.equal(await readFile(path, 'utf8'), 'PLanted')
  })

  it('forget closes the descriptor the thread opened for a path', async (t) => {
    if (process.platform !== 'linux') return t.skip('counts /proc/self/fd')
    const thread = WriteThread.shared()
    assert.ok(thread)
    const path = join(root, 'forget.bin')
    await writeFile(path, '')
    const file = { path, ino: statSync(path).ino }
    const open = () => readdirSync('/proc/self/fd').length
    const before = open()
    await thread.write(file, [new Uint8Array(4)], 0, WRITE_SLICE)
    await thread.write(file, [new Uint8Array(4)], 4, WRITE_SLICE)
    assert.equal(open(), before + 1, 'one descriptor, opened on the first write, kept for the next')
    await thread.forget(file)
    assert.equal(open(), before)
  })

  it("a committed or aborted target leaves no descriptor open, the thread's own (Deno) included", async (t) => {
    if (process.platform !== 'linux') return t.skip('counts /proc/self/fd')
    const open = () => readdirSync('/proc/self/fd').length
    // The thread is started (with the descriptors a thread has) before anything is counted.
    const warm = new FileTarget(join(root, 'warm.bin'), { writeSlice: WRITE_SLICE })
    await warm.open({ size: MiB, resume: false })
    await warm.write(0, pattern(MiB, 8))
    await warm.commit()
    for (const end of ['commit', 'abort'] as const) {
      const target = new FileTarget(join(root, `counted-${end}.bin`), { writeSlice: WRITE_SLICE })
      const before = open()
      await target.open({ size: MiB, resume: false })
      await target.write(0, pattern(MiB, 9))
      await target.sync()
      if (end === 'commit') await target.commit()
      else await target.abort({ keep: false })
      assert.equal(open(), before, end)
    }
  })

  it('writeSlice must be a whole number of bytes ≥ 0', () => {
    for (const writeSlice of [-1, 1.5, Number.NaN]) {
      assert.throws(() => new FileTarget(join(root, 'z.bin'), { writeSlice }), OptionsError)
    }
  })

  it('the thread does not keep a process alive once its writes are answered', () => {
    const dest = join(root, 'child.bin')
    const source = `
      const { FileTarget } = await import(${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)})
      const target = new FileTarget(${JSON.stringify(dest)}, { writeSlice: 16384 })
      await target.open({ size: 262144, resume: false })
      // Large enough for the thread (smaller writes take the pool in one call).
      await target.write(0, new Uint8Array(262144).fill(7))
      await target.commit()
      console.log('committed')`
    const child = spawnSync(
      process.execPath,
      isDeno
        ? ['eval', '--conditions=@resumable/source', source]
        : 'Bun' in globalThis
          ? ['--conditions=@resumable/source', '-e', source]
          : [
              '--conditions=@resumable/source',
              '--import',
              'tsx',
              '--input-type=module',
              '-e',
              source,
            ],
      { encoding: 'utf8', timeout: 20_000 },
    )
    assert.equal(child.error, undefined, 'the child exited on its own within 20 s')
    assert.equal(child.status, 0, child.stderr)
    assert.match(child.stdout, /committed/)
  })
})
