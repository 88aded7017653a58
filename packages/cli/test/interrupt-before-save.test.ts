import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

// Ctrl-C while the first request (HEAD) is still waiting for its headers: nothing was saved.
let server: MockOssServer
let dir = ''

before(async () => {
  server = await startMockOss()
  server.oss.putObject('bucket', 'small.bin', { generated: { size: 1024 * 1024 + 1, seed: 51 } })
  dir = await mkdtemp(join(tmpdir(), 'cli-interrupt-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

/** A Ctrl-C `ms` after the download starts listening for one. */
function interruptedAfter(ms: number) {
  return fakeEnvironment({
    files: filePlaces,
    onInterrupt: (pause) => {
      const timer = setTimeout(pause, ms)
      return () => clearTimeout(timer)
    },
  })
}

describe('an interruption before anything was saved', () => {
  it('does not claim progress was saved, and removes the directory the run created (exit 130)', async () => {
    const removeFault = server.oss.faults.add({
      fault: { type: 'delay-headers', ms: 3000 },
      match: { method: 'HEAD' },
    })
    try {
      const created = join(dir, 'newdir')
      const run = interruptedAfter(300)
      assert.equal(
        await main(['get', `${server.url}/bucket/small.bin`, `${created}/`], run.cli),
        130,
      )
      assert.match(run.text(), /saving as .*small\.bin/)
      assert.match(run.text(), /interrupted before any byte was saved/)
      assert.doesNotMatch(run.text(), /progress saved/)
      assert.equal(existsSync(created), false, 'the directory the run created is gone')

      const json = interruptedAfter(300)
      const code = await main(
        ['get', `${server.url}/bucket/small.bin`, `${created}/`, '--json'],
        json.cli,
      )
      assert.equal(code, 130)
      const events = json.out
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      const last = events.at(-1) ?? {}
      assert.deepEqual([last.type, last.exitCode, last.durableBytes], ['paused', 130, null])
      assert.match(String(last.message), /before any byte was saved/)
      assert.equal(existsSync(created), false)
    } finally {
      removeFault()
    }
  })
})

describe('an interruption with --json after parts were saved', () => {
  it('ends in one paused event with exitCode 130, the durable bytes and the notice, as a batch ends in batch-paused', async () => {
    // Two parts of 256 KiB land; the third stalls until the Ctrl-C.
    const removeFault = server.oss.faults.add({
      fault: { type: 'stall', afterBytes: 0 },
      match: { ranged: true },
      skip: 2,
    })
    try {
      const dest = join(dir, 'paused.bin')
      const run = interruptedAfter(1500)
      const args = [`${server.url}/bucket/small.bin`, dest, '--json', '--part-size', '256KiB']
      assert.equal(await main(['get', ...args, '--concurrency', '1'], run.cli), 130)
      const events = run.out
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      assert.deepEqual(
        events.filter((e) => e.type === 'paused' || e.type === 'message').map((e) => e.type),
        ['paused'],
      )
      const last = events.at(-1) ?? {}
      assert.deepEqual([last.type, last.exitCode, last.durableBytes], ['paused', 130, 512 * 1024])
      assert.match(String(last.message), /progress saved/)
    } finally {
      removeFault()
    }
  })
})
