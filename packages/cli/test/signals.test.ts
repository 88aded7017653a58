import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { LOCK_SUFFIX, TEMP_SUFFIX } from '@resumable/store-fs'
import { type MockOssServer, runtimeCommand, startMockOss } from '@resumable/testkit/node'

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))

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

describe('signals', () => {
  it('two SIGTERMs 30 ms apart (as GNU timeout can deliver them) pause once: progress saved, no lock left, exit 130', async (t) => {
    // Deno's child_process.kill() sends a second signal its child cannot catch (the same child
    // run from Node survives both and exits 130): the test needs a Node or Bun parent.
    if ('Deno' in globalThis)
      return t.skip('Deno parent: a repeated kill() is not a catchable SIGTERM')
    const dest = join(dir, 'slow.bin')
    const [command, args] = runtimeCommand(BIN, ['get', `${server.url}/bucket/slow.bin`, dest])
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Uint8Array) => {
      stderr += new TextDecoder().decode(d)
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    await until(() => existsSync(`${dest}${TEMP_SUFFIX}`), 30_000)
    await new Promise((resolve) => setTimeout(resolve, 300))
    child.kill('SIGTERM')
    // Far enough apart to be delivered twice (the kernel merges a signal still pending).
    await new Promise((resolve) => setTimeout(resolve, 30))
    child.kill('SIGTERM')
    assert.equal(await exited, 130, stderr)
    assert.match(stderr, /interrupted; progress saved/)
    assert.equal(existsSync(`${dest}${LOCK_SUFFIX}`), false, 'the lock was released')
    assert.equal(existsSync(`${dest}.resumable.json`), true, 'the checkpoint was kept')
  })
})
