import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { LOCK_SUFFIX, TEMP_SUFFIX } from '@resumable/store-fs'
import { type MockOssServer, runtimeCommand, startMockOss } from '@resumable/testkit/node'
import { processEnvironment, REPEAT_WINDOW_MS } from '../src/process-environment.ts'

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const HANGUP_WRITES = fileURLToPath(new URL('./fixtures/hangup-writes.ts', import.meta.url))

let server: MockOssServer
let dir = ''
before(async () => {
  // Slow enough that the download is still running when the signals arrive.
  server = await startMockOss({ bytesPerSecondPerConnection: 256 * 1024 })
  server.oss.putObject('bucket', 'slow.bin', { generated: { size: 64 * 1024 * 1024, seed: 4 } })
  dir = await mkdtemp(join(tmpdir(), 'cli-signals-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The CLI downloading the slow object to `dest` in a process of its own, once its partial file is there. */
async function downloading(dest: string) {
  const [command, args] = runtimeCommand(BIN, ['get', `${server.url}/bucket/slow.bin`, dest])
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let text = ''
  child.stderr.on('data', (d: Uint8Array) => {
    text += new TextDecoder().decode(d)
  })
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  await until(() => existsSync(`${dest}${TEMP_SUFFIX}`), 30_000)
  await new Promise((resolve) => setTimeout(resolve, 300))
  return { child, stderr: () => text, exited }
}

describe('signals', () => {
  it('a repeat within the window is the same stop request; one after it exits 130 at once', async () => {
    const env = processEnvironment(
      () => Promise.reject(new Error('unused')),
      () => Promise.reject(new Error('unused')),
    )
    let pauses = 0
    const exits: (number | undefined)[] = []
    const realExit = process.exit
    process.exit = ((code?: number) => {
      exits.push(code)
    }) as typeof process.exit
    const before = {
      SIGHUP: process.listeners('SIGHUP'),
      SIGINT: process.listeners('SIGINT'),
      SIGTERM: process.listeners('SIGTERM'),
    }
    const stop = env.onInterrupt(() => pauses++)
    try {
      process.emit('SIGTERM', 'SIGTERM')
      process.emit('SIGTERM', 'SIGTERM')
      process.emit('SIGINT', 'SIGINT')
      assert.equal(pauses, 1)
      assert.deepEqual(exits, [], 'repeats within the window do not exit')
      await new Promise((resolve) => setTimeout(resolve, REPEAT_WINDOW_MS + 50))
      process.emit('SIGINT', 'SIGINT')
      assert.deepEqual(exits, [130], 'a second Ctrl-C later means now')
    } finally {
      process.exit = realExit
      stop()
      // Stopping keeps its listeners (a late repeat must not kill the process): remove ours only.
      for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const)
        for (const listener of process.listeners(signal))
          if (!before[signal].includes(listener)) process.off(signal, listener)
    }
  })

  it('after a hangup, the writes failing on stdout and stderr (EIO) later are no second Ctrl-C: one pause, no exit', async () => {
    const report = join(dir, 'hangup-writes.json')
    const [command, args] = runtimeCommand(HANGUP_WRITES, [report])
    const child = spawn(command, args, { stdio: 'ignore' })
    await new Promise((resolve) => child.on('exit', resolve))
    assert.deepEqual(JSON.parse(await readFile(report, 'utf8')), { pauses: 1, exits: [] })
  })

  it('SIGHUP (the terminal closed) pauses as SIGTERM does: exit 130, progress saved, no lock left', async (t) => {
    if (process.platform === 'win32') return t.skip('no SIGHUP to send')
    // As below: Deno's kill() follows with a signal its child cannot catch.
    if ('Deno' in globalThis) return t.skip('Deno parent: kill() is not one catchable signal')
    const dest = join(dir, 'hangup.bin')
    const { child, stderr, exited } = await downloading(dest)
    child.kill('SIGHUP')
    const { code, signal } = await exited
    assert.deepEqual({ code, signal }, { code: 130, signal: null }, stderr())
    assert.match(stderr(), /interrupted; progress saved/)
    assert.equal(existsSync(`${dest}${LOCK_SUFFIX}`), false, 'the lock was released')
    assert.equal(existsSync(`${dest}.resumable.json`), true, 'the checkpoint was kept')
  })

  it('two SIGTERMs 30 ms apart (as GNU timeout can deliver them) pause once: progress saved and said so, no lock left', async (t) => {
    // Deno's child_process.kill() sends a second signal its child cannot catch (the same child
    // run from Node survives both and exits 130): the test needs a Node or Bun parent.
    if ('Deno' in globalThis)
      return t.skip('Deno parent: a repeated kill() is not a catchable SIGTERM')
    const dest = join(dir, 'slow.bin')
    const { child, stderr, exited } = await downloading(dest)
    child.kill('SIGTERM')
    // Far enough apart to be delivered twice (the kernel merges a signal still pending).
    await new Promise((resolve) => setTimeout(resolve, 30))
    child.kill('SIGTERM')
    const { code, signal } = await exited
    // 130, or — when the repeat lands as the process is already exiting, its handlers gone —
    // the signal's default action: then too only after everything below was done.
    assert.ok(code === 130 || signal === 'SIGTERM', `exit ${code} ${signal}\n${stderr()}`)
    assert.match(stderr(), /interrupted; progress saved/)
    assert.equal(existsSync(`${dest}${LOCK_SUFFIX}`), false, 'the lock was released')
    assert.equal(existsSync(`${dest}.resumable.json`), true, 'the checkpoint was kept')
  })
})
