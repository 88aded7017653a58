import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer as createTcpServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'
import { RestartableServer } from './restartable-server.ts'

// A batch whose server goes away: a real HTTP server closed (its port refuses connections, its
// open sockets dropped) and listening again on the same port, and one that drops every connection.

const SIZE = 20_000
const bodyOf = (n: number): Uint8Array => makeBytes(SIZE + n, n + 1)

/** Serves `/f/<n>` 15 ms late; `down()` closes the port and every socket, `up()` reopens it. */
class Flaky extends RestartableServer {
  served = 0
  onServed: ((served: number) => void) | undefined

  constructor() {
    super((req, res) => {
      const n = Number(/^\/f\/(\d+)$/.exec(req.url ?? '')?.[1])
      if (!Number.isInteger(n)) {
        res.writeHead(404).end()
        return
      }
      const body = bodyOf(n)
      setTimeout(() => {
        res.writeHead(200, { 'content-length': String(body.length) }).end(body)
        this.onServed?.(++this.served)
      }, 15)
    })
  }
}

let dir = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-batch-outage-'))
})
after(() => rm(dir, { recursive: true, force: true }))

async function manifestOf(name: string, port: number, count: number): Promise<string> {
  const lines = Array.from({ length: count }, (_, n) => `http://127.0.0.1:${port}/f/${n}`)
  const path = join(dir, name)
  await writeFile(path, `${lines.join('\n')}\n`)
  return path
}

const env = () => fakeEnvironment({ files: filePlaces })

describe('a batch whose server goes away', () => {
  it('a server closed mid-batch and back 1.5 s later: every object is downloaded, none failed, exit 0', async () => {
    const server = new Flaky()
    await server.up()
    const manifest = await manifestOf('outage.txt', server.port, 40)
    server.onServed = (served) => {
      if (served !== 10) return
      server.down()
      setTimeout(() => void server.up(), 1500)
    }
    const run = env()
    const dest = join(dir, 'outage')
    const code = await main(
      ['get', '--manifest', manifest, dest, '--concurrency', '4', '--retries', '1'],
      run.cli,
    )
    server.down()
    assert.equal(code, 0, run.text())
    for (let n = 0; n < 40; n++)
      assert.deepEqual(new Uint8Array(await readFile(join(dest, 'f', String(n)))), bodyOf(n))
    const said = run.err.join('')
    assert.match(
      said,
      /the store at http:\/\/127\.0\.0\.1:\d+ stopped answering \(.+\): its objects wait/,
    )
    assert.match(said, /answers again after/)
    assert.doesNotMatch(said, /failed:/)
  })

  it('a server that drops every connection from the start: all 300 objects fail in a few dozen connections, with store-given-up', async () => {
    let connections = 0
    const sockets = new Set<Socket>()
    const dropper = createTcpServer((socket) => {
      connections++
      sockets.add(socket)
      socket.destroy()
    })
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve))
    const port = (dropper.address() as { port: number }).port
    try {
      const manifest = await manifestOf('dead.txt', port, 300)
      const run = env()
      const code = await main(
        ['get', '--manifest', manifest, join(dir, 'dead'), '--json', '--retries', '1'],
        run.cli,
      )
      assert.equal(code, 1)
      const events = run.out
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      const givenUp = events.filter((e) => e.type === 'store-given-up')
      assert.equal(givenUp.length, 1)
      assert.equal(givenUp[0]?.origin, `http://127.0.0.1:${port}`)
      assert.match(String(givenUp[0]?.message), /did not answer any request of this run/)
      const done = events.at(-1) as Record<string, unknown>
      assert.equal(done.type, 'batch-done')
      assert.equal(done.failed, 300)
      // Before: each of the 300 objects made its own attempts, one after another (600+ connections).
      assert.ok(connections < 100, `${connections} connections`)
    } finally {
      dropper.close()
    }
  })

  it('refuses --outage-wait that is not a whole number of seconds, and with - or --no-checkpoint', async () => {
    for (const [args, pattern] of [
      [
        ['--manifest', 'm.txt', '--outage-wait=-1'],
        /--outage-wait must be a whole number from 0 to 604800 seconds/,
      ],
      [['--manifest', 'm.txt', '--outage-wait', '1.5'], /--outage-wait must be a whole number/],
      [
        ['http://127.0.0.1:9/x', '-', '--outage-wait', '5'],
        /--outage-wait cannot be combined with - \(stdout\)/,
      ],
      [
        ['http://127.0.0.1:9/x', 'x.bin', '--no-checkpoint', '--outage-wait', '5'],
        /--outage-wait cannot be combined with --no-checkpoint/,
      ],
    ] as const) {
      const run = env()
      assert.equal(await main(['get', ...args], run.cli), 2)
      assert.match(run.err.join(''), pattern)
    }
  })
})
