import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

// Exit 1 usually keeps progress for the next run; these failures keep none, and must say so.
let server: MockOssServer
let dir = ''
const SIZE = 2 * 1024 * 1024 + 5
const FLAGS = ['--part-size', '256KiB', '--concurrency', '1']

before(async () => {
  server = await startMockOss()
  dir = await mkdtemp(join(tmpdir(), 'cli-discarded-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const real = () => fakeEnvironment({ files: filePlaces, aliOss: aliOssFactory({}) })

/** Puts `key` and overwrites it (a new ETag) while its fourth ranged part is being served. */
function changingObject(key: string): string {
  server.oss.putObject('bucket', key, { generated: { size: SIZE, seed: 3 } })
  server.oss.faults.add({
    fault: { type: 'mutate', mutate: () => void server.oss.overwrite('bucket', key) },
    match: { ranged: true, key },
    skip: 3,
    times: 1,
  })
  return `${server.url}/bucket/${key}`
}

/** The last line of `text`. */
const lastLine = (text: string): string => text.trim().split('\n').at(-1) ?? ''

describe('exit 1 after which nothing is kept', () => {
  it('--on-change fail: the object changed, the partial download was discarded and the next run starts over', async () => {
    const dest = join(dir, 'changed.bin')
    const source = changingObject('changed.bin')
    const run = real()
    assert.equal(await main(['get', source, dest, ...FLAGS, '--on-change', 'fail'], run.cli), 1)
    assert.match(
      lastLine(run.err.join('')),
      /^error: the object changed during the download.*; the partial download was discarded, so the next run starts over$/,
    )
    for (const left of [dest, `${dest}.resumable-part`, `${dest}.resumable.json`])
      assert.equal(existsSync(left), false, `${left} is gone`)
  })

  it('to stdout, a changed object fails (the default for -) and says the streamed bytes must be discarded', async () => {
    const source = changingObject('changed-stream.bin')
    let streamed = 0
    const run = fakeEnvironment({
      stdoutSink: async (chunk) => {
        streamed += chunk.length
      },
    })
    assert.equal(await main(['get', source, '-', ...FLAGS], run.cli), 1)
    assert.ok(streamed > 0 && streamed < SIZE, `part of the earlier version went out (${streamed})`)
    assert.match(
      lastLine(run.err.join('')),
      /^error: the object changed during the download.*; what was streamed to stdout is an incomplete copy of the earlier version — discard it and run again$/,
    )
  })

  it('data that failed verification: the message says the partial download was discarded', async () => {
    const key = 'bad-crc.bin'
    server.oss.putObject('bucket', key, { generated: { size: SIZE, seed: 4 } })
    const removeFault = server.oss.faults.add({ fault: { type: 'wrong-crc' }, match: { key } })
    after(removeFault)
    const dest = join(dir, key)
    const run = real()
    assert.equal(await main(['get', `${server.url}/bucket/${key}`, dest, ...FLAGS], run.cli), 1)
    assert.match(
      lastLine(run.err.join('')),
      /^error: Downloaded data failed crc64xz verification: .*; the partial download was discarded, so the next run starts over$/,
    )
    for (const left of [dest, `${dest}.resumable-part`, `${dest}.resumable.json`])
      assert.equal(existsSync(left), false, `${left} is gone`)
  })
})
