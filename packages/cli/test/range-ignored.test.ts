import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { makeBytes } from '@resumable/testkit'
import { runtimeCommand } from '@resumable/testkit/node'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const SIZE = 20 * 1024 * 1024 + 13
const bytes = makeBytes(SIZE, 21)
let dir = ''

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-range-ignored-'))
  await writeFile(join(dir, 'big.bin'), bytes)
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

function sameBytes(actual: Uint8Array, what: string): void {
  assert.equal(actual.length, bytes.length, `${what}: length`)
  assert.ok(Buffer.compare(Buffer.from(actual), Buffer.from(bytes)) === 0, `${what}: bytes differ`)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

function runCli(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const [cmd, argv] = runtimeCommand(BIN, args)
  const child = spawn(cmd, argv, { stdio: 'pipe' })
  let stderr = ''
  child.stderr.on('data', (d: Uint8Array) => {
    stderr += new TextDecoder().decode(d)
  })
  child.stdout.resume()
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })))
}

const hasPython = spawnSync('python3', ['-c', 'import http.server']).status === 0

describe('a server that ignores Range', () => {
  it('python3 -m http.server: one refused ranged GET, then one sequential stream, byte-identical, and a line saying why', {
    skip: hasPython ? false : 'python3 is not installed',
  }, async () => {
    const port = await freePort()
    const python: ChildProcess = spawn(
      'python3',
      ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir],
      { stdio: 'pipe' },
    )
    let log = ''
    python.stderr?.on('data', (d: Uint8Array) => {
      log += new TextDecoder().decode(d)
    })
    try {
      const url = `http://127.0.0.1:${port}/big.bin`
      const deadline = Date.now() + 15_000
      for (;;) {
        const up = await fetch(url, { method: 'HEAD' }).then(
          (r) => r.ok,
          () => false,
        )
        if (up) break
        if (Date.now() > deadline) throw new Error(`python3 http.server did not start: ${log}`)
        await new Promise((r) => setTimeout(r, 100))
      }
      const dest = join(dir, 'from-python.bin')
      const run = await runCli(['get', url, dest, '--part-size', '1MiB'])
      assert.equal(run.code, 0, run.stderr)
      sameBytes(new Uint8Array(await readFile(dest)), 'python3 download')
      assert.match(run.stderr, /the server ignores Range: one stream from byte 0/)
      assert.match(run.stderr, /only if the server honours Range/)
      const gets = log.split('\n').filter((line) => line.includes('"GET /big.bin'))
      assert.equal(gets.length, 2, `one refused ranged GET and one stream, not retries:\n${log}`)
    } finally {
      python.kill()
    }
  })

  describe('resume of a sequential download (node:http server, no Accept-Ranges)', () => {
    let server: Server
    let url = ''
    let honourRange = false
    let dropAfter: number | undefined
    const ranges: (string | undefined)[] = []

    before(async () => {
      server = createServer((req, res) => {
        if (req.method === 'GET') ranges.push(req.headers.range)
        const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
        if (honourRange && range && req.method === 'GET') {
          const start = Number(range[1])
          const end = range[2] ? Number(range[2]) : SIZE - 1
          res.writeHead(206, {
            'content-length': String(end - start + 1),
            'content-range': `bytes ${start}-${end}/${SIZE}`,
          })
          res.end(bytes.subarray(start, end + 1))
          return
        }
        res.writeHead(200, { 'content-length': String(SIZE) })
        if (req.method === 'HEAD') return void res.end()
        // Only the sequential stream (the whole object asked for) is cut, not a refused part.
        const whole = req.headers.range === undefined || req.headers.range === `bytes=0-${SIZE - 1}`
        if (dropAfter === undefined || !whole) return void res.end(bytes)
        const cut = dropAfter
        dropAfter = undefined
        // A dropped connection part-way through the one stream.
        res.write(bytes.subarray(0, cut), () => setTimeout(() => res.destroy(), 50))
      })
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/big.bin`
    })
    after(async () => {
      await new Promise((r) => server.close(r))
    })

    async function interrupted(dest: string): Promise<void> {
      honourRange = false
      dropAfter = 6 * 1024 * 1024
      const first = fakeEnvironment({ files: filePlaces })
      assert.equal(
        await main(
          ['get', url, dest, '--part-size', '1MiB', '--retries', '0', '--outage-wait', '0'],
          first.cli,
        ),
        1,
      )
      assert.match(first.text(), /the server ignores Range: one stream from byte 0/)
    }

    it('continues from the durable offset when the server then answers 206', async () => {
      const dest = join(dir, 'resume-206.bin')
      await interrupted(dest)
      honourRange = true
      ranges.length = 0
      const second = fakeEnvironment({ files: filePlaces })
      assert.equal(await main(['get', url, dest, '--part-size', '1MiB'], second.cli), 0)
      sameBytes(new Uint8Array(await readFile(dest)), 'resumed download')
      assert.match(second.text(), /resuming: /)
      assert.equal(ranges.length, 1)
      const from = Number(/^bytes=(\d+)-/.exec(ranges[0] ?? '')?.[1])
      assert.ok(from > 0 && from <= 6 * 1024 * 1024, `resumed at ${ranges[0]}`)
    })

    it('starts again from byte 0, and says so, when the server still answers 200', async () => {
      const dest = join(dir, 'resume-200.bin')
      await interrupted(dest)
      ranges.length = 0
      const second = fakeEnvironment({ files: filePlaces })
      assert.equal(await main(['get', url, dest, '--part-size', '1MiB'], second.cli), 0)
      sameBytes(new Uint8Array(await readFile(dest)), 'restarted download')
      assert.match(second.text(), /one stream from byte 0, the .+ received are discarded/)
      assert.equal(ranges.length, 2, `one refused resume and one stream from 0: ${ranges}`)
    })
  })
})
