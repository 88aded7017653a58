import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

const MiB = 1024 * 1024
const SIZE = 3 * MiB + 17
const bytes = makeBytes(SIZE, 33)
let dir = ''
let server: Server
let url = ''
let gets = 0

// A real server that honours Range at byte 0 only (a CDN that serves the head of a file from
// cache and the rest from an origin that ignores Range): part 0 comes as a 206, every other part
// as a 200 with the whole object, so the download has started in parts when it must switch.
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-plan-switched-'))
  server = createServer((req, res) => {
    const head = { etag: '"switch"', 'accept-ranges': 'bytes' }
    if (req.method === 'GET') gets++
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    if (req.method === 'GET' && range && Number(range[1]) === 0) {
      const end = range[2] ? Math.min(Number(range[2]), SIZE - 1) : SIZE - 1
      res.writeHead(206, {
        ...head,
        'content-length': String(end + 1),
        'content-range': `bytes 0-${end}/${SIZE}`,
      })
      res.end(bytes.subarray(0, end + 1))
      return
    }
    res.writeHead(200, { ...head, 'content-length': String(SIZE) })
    if (req.method === 'HEAD') res.end()
    else res.end(bytes)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/file.bin`
})
after(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  await rm(dir, { recursive: true, force: true })
})

function sameBytes(actual: Uint8Array): void {
  assert.equal(actual.length, SIZE)
  assert.ok(Buffer.compare(Buffer.from(actual), Buffer.from(bytes)) === 0, 'bytes differ')
}

const FLAGS = ['--part-size', '1MiB', '--concurrency', '1']

describe('a download in parts that must switch to one stream (the server ignores Range past byte 0)', () => {
  it('--json: exactly one start, then one plan-switched with the bytes discarded and the one-part plan; the file is published whole', async () => {
    const env = fakeEnvironment({ files: filePlaces })
    const dest = join(dir, 'json.bin')
    gets = 0
    assert.equal(await main(['get', url, dest, '--json', ...FLAGS], env.cli), 0, env.text())
    sameBytes(new Uint8Array(await readFile(dest)))
    const events = env.out
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { type: string; [field: string]: unknown })
    const starts = events.filter((e) => e.type === 'start' || e.type === 'resumed')
    assert.equal(starts.length, 1, JSON.stringify(starts))
    assert.equal(starts[0]?.partCount, 4)
    const switched = events.filter((e) => e.type === 'plan-switched')
    assert.equal(switched.length, 1)
    assert.deepEqual(
      { ...switched[0], message: undefined },
      {
        type: 'plan-switched',
        reason: 'range-ignored',
        discardedBytes: MiB,
        keptBytes: 0,
        partSize: SIZE,
        partCount: 1,
        message: undefined,
      },
    )
    const at = (type: string): number => events.findIndex((e) => e.type === type)
    assert.ok(at('start') < at('plan-switched'), 'start first')
    assert.equal(events.filter((e) => e.type === 'sequential').length, 0)
    // Counters as before the event existed: the switch is one retry of its own kind.
    const done = events.find((e) => e.type === 'done')
    assert.deepEqual(done?.retriesByKind, { protocol: 1, 'range-ignored': 1 })
    assert.equal(done?.resumedBytes, 0)
    // Part 0, part 1 refused twice (once forgiven as a glitch), then the one stream.
    assert.equal(gets, 4)
  })

  it('says it in one line: the server ignores Range, one stream from byte 0, what is discarded', async () => {
    const env = fakeEnvironment({ files: filePlaces })
    const dest = join(dir, 'human.bin')
    assert.equal(await main(['get', url, dest, ...FLAGS], env.cli), 0, env.text())
    sameBytes(new Uint8Array(await readFile(dest)))
    const text = env.text()
    const lines = text.split('\n').filter((l) => /ignores Range/.test(l))
    assert.equal(lines.length, 1, text)
    assert.match(
      lines[0] ?? '',
      /^the server ignores Range: one stream from byte 0, the 1\.00 MiB received are discarded; a resume continues from the saved offset only if the server honours Range then$/,
    )
    assert.equal(text.match(/^downloading /gm)?.length, 1, `one start line:\n${text}`)
  })
})
