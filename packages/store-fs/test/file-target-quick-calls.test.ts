import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { closeSync, constants, open as openCallback, openSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { FileTarget } from '@resumable/store-fs'

// A batch's small object is made of short file-system calls; they run on the event loop's thread
// while they are quick, so they do not wait for libuv's pool (BENCHMARKS.md, "Many objects").
let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-fs-quick-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

/**
 * Occupies every thread of libuv's pool: each blocks opening a FIFO no one writes to. Returns
 * how to let them go. Node only (Deno and Bun run file calls on pools of their own).
 */
function occupyThePool(): () => Promise<void> {
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4)
  const fifos: string[] = []
  const opened: Promise<number>[] = []
  for (let i = 0; i < threads; i++) {
    const fifo = join(root, `fifo-${i}`)
    execFileSync('mkfifo', [fifo])
    fifos.push(fifo)
    opened.push(
      new Promise((resolve, reject) =>
        openCallback(fifo, 'r', (error, fd) => (error ? reject(error) : resolve(fd))),
      ),
    )
  }
  return async () => {
    // A writer that does not wait: each blocked reader's open then returns. One whose thread has
    // not reached its open yet has no reader (ENXIO): try again shortly.
    const writers: number[] = []
    for (const fifo of fifos) writers.push(await openWriter(fifo))
    for (const fd of await Promise.all(opened)) closeSync(fd)
    for (const fd of writers) closeSync(fd)
  }
}

async function openWriter(fifo: string): Promise<number> {
  for (let tries = 0; ; tries++) {
    try {
      return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO' || tries === 500) throw error
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}

const isNode = !('Bun' in globalThis) && !('Deno' in globalThis)

describe('FileTarget with a private temporary file (a batch object)', () => {
  it('creates and writes its file while every pool thread is busy, then publishes it', async (t) => {
    if (!isNode || process.platform === 'win32') {
      t.skip('libuv’s pool is Node’s (and FIFOs are POSIX)')
      return
    }
    const release = occupyThePool()
    const dest = join(root, 'object.bin')
    const target = new FileTarget(dest, { privateTempPath: join(root, 'object.part') })
    const body = new TextEncoder().encode('a small object, one write')
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), 2000)
    })
    try {
      const written = (async () => {
        await target.open({ size: body.length, resume: false })
        await target.write(0, body)
        return 'written'
      })()
      assert.equal(await Promise.race([written, timedOut]), 'written')
    } finally {
      clearTimeout(timer)
      await release()
    }
    // The fsync before the rename waits on the disk: it takes the pool, free again now.
    await target.commit()
    assert.equal(await readFile(dest, 'utf8'), 'a small object, one write')
  })
})
