import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
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

const SIZE = 5 * 1024 * 1024 + 77
const bytes = makeBytes(SIZE, 31)
const CHUNK = 64 * 1024
let dir = ''
let server: Server
let url = ''
/** Answer `Range: bytes=N-` with a 206 (still chunked, no Content-Length) instead of a 200. */
let honourRange = false
/** Cut the next stream from 0 after this many bytes. */
let dropAfter: number | undefined
const gets: (string | undefined)[] = []

/** Writes `data` in chunks with Transfer-Encoding: chunked (no Content-Length), like a dynamic server. */
function stream(res: import('node:http').ServerResponse, data: Uint8Array, cut?: number): void {
  let at = 0
  const next = (): void => {
    if (cut !== undefined && at >= cut) {
      res.destroy()
      return
    }
    if (at >= data.length) {
      res.end()
      return
    }
    const piece = data.subarray(at, Math.min(data.length, at + CHUNK))
    at += piece.length
    if (res.write(piece)) setImmediate(next)
    else res.once('drain', next)
  }
  next()
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-unknown-length-'))
  server = createServer((req, res) => {
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end()
      return
    }
    gets.push(req.headers.range)
    const from = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0)
    if (honourRange && from > 0) {
      res.writeHead(206, { 'content-range': `bytes ${from}-${SIZE - 1}/*` })
      stream(res, bytes.subarray(from))
      return
    }
    res.writeHead(200)
    const cut = dropAfter
    dropAfter = undefined
    stream(res, bytes, cut)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dynamic.bin`
})
after(async () => {
  await new Promise((r) => server.close(r))
  await rm(dir, { recursive: true, force: true })
})

function sameBytes(actual: Uint8Array, what: string): void {
  assert.equal(actual.length, bytes.length, `${what}: length`)
  assert.ok(Buffer.compare(Buffer.from(actual), Buffer.from(bytes)) === 0, `${what}: bytes differ`)
}

describe('a chunked response with no Content-Length', () => {
  it('downloads to a file as one stream of unknown length, byte-identical, and says what was verified', async () => {
    gets.length = 0
    const dest = join(dir, 'file.bin')
    const { cli, text } = fakeEnvironment({ files: filePlaces })
    assert.equal(await main(['get', url, dest], cli), 0, text())
    sameBytes(new Uint8Array(await readFile(dest)), 'file')
    assert.match(text(), /downloading a stream of unknown length/)
    assert.match(text(), /not parallel: the server did not say how long the object is/)
    assert.match(text(), /verified: size only \(.*only the end of the stream marked it complete/)
    assert.deepEqual(gets, [undefined], 'one GET, no Range, no retries')
    assert.equal(existsSync(`${dest}.resumable.json`), false)
  })

  it('with a query string (a dynamic link, probed by GET Range: bytes=0-0 instead of HEAD): the same stream of unknown length', async () => {
    gets.length = 0
    const dest = join(dir, 'queried.bin')
    const { cli, text } = fakeEnvironment({ files: filePlaces })
    assert.equal(await main(['get', `${url}?id=7`, dest], cli), 0, text())
    sameBytes(new Uint8Array(await readFile(dest)), 'file')
    assert.match(text(), /downloading a stream of unknown length/)
    assert.equal(gets[0], 'bytes=0-0', 'the probe')
    assert.deepEqual(gets.slice(1), [undefined], 'then one GET, no Range')
  })

  it('streams to stdout (-)', async () => {
    const chunks: Uint8Array[] = []
    const { cli, err } = fakeEnvironment({ stdoutSink: async (c) => void chunks.push(c.slice()) })
    assert.equal(await main(['get', url, '-'], cli), 0, err.join(''))
    sameBytes(new Uint8Array(Buffer.concat(chunks)), 'stdout')
  })

  it('reports size null, sizeKnown false and partSize null in the JSON start and done events', async () => {
    const dest = join(dir, 'json.bin')
    const { cli, out } = fakeEnvironment({ files: filePlaces })
    assert.equal(await main(['get', url, dest, '--json'], cli), 0)
    const events = out.map((l) => JSON.parse(l) as Record<string, unknown>)
    const start = events.find((e) => e.type === 'start')
    assert.equal(start?.size, null)
    assert.equal(start?.sizeKnown, false)
    assert.equal(start?.partSize, null, 'not 2^53 - 1')
    const done = events.at(-1)
    assert.equal(done?.bytes, SIZE)
    assert.equal(done?.partSize, null)
  })

  for (const honours of [true, false]) {
    it(`resumes a dropped stream ${honours ? 'from its durable offset on a 206' : 'from byte 0 on a 200'}`, async () => {
      const dest = join(dir, `resume-${honours}.bin`)
      honourRange = false
      dropAfter = 2 * 1024 * 1024
      const first = fakeEnvironment({ files: filePlaces })
      assert.equal(
        await main(['get', url, dest, '--retries', '0', '--outage-wait', '0'], first.cli),
        1,
      )
      assert.equal(existsSync(`${dest}.resumable.json`), true, first.text())
      const status = fakeEnvironment({ files: filePlaces })
      assert.equal(await main(['status', dest], status.cli), 0)
      assert.match(status.text(), /unknown length \(no Content-Length\)/)
      assert.match(status.text(), /of a stream of unknown length/)
      const json = fakeEnvironment({ files: filePlaces })
      assert.equal(await main(['status', dest, '--json'], json.cli), 0)
      assert.equal(JSON.parse(json.out.join('')).partSize, null, 'not 2^53 - 1')
      honourRange = honours
      gets.length = 0
      const second = fakeEnvironment({ files: filePlaces })
      assert.equal(await main(['get', url, dest], second.cli), 0, second.text())
      sameBytes(new Uint8Array(await readFile(dest)), 'resumed')
      const from = Number(/^bytes=(\d+)-$/.exec(gets[0] ?? '')?.[1])
      assert.ok(from > 0 && from <= 2 * 1024 * 1024, `first request of the resume: ${gets[0]}`)
      if (honours) {
        assert.equal(gets.length, 1)
        assert.match(second.text(), /resuming a stream of unknown length/)
      } else {
        assert.deepEqual(gets.slice(1), [undefined], 'then one stream from 0')
        assert.match(second.text(), /discarded/)
      }
    })
  }
})
