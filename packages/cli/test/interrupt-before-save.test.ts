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
      const last = JSON.parse(json.out.join('').trim().split('\n').at(-1) ?? '{}') as {
        message?: string
      }
      assert.match(last.message ?? '', /before any byte was saved/)
      assert.equal(existsSync(created), false)
    } finally {
      removeFault()
    }
  })
})
