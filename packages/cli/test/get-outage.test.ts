import assert from 'node:assert/strict'
import { access, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'
import { RestartableServer } from './restartable-server.ts'

// One download whose server goes away: a real HTTP server closed (its port refuses connections,
// its open sockets dropped), and listening again on the same port, or not.

const BODY = makeBytes(3 * 1024 * 1024, 7)

/** Serves BODY at /big.bin with ranges, each answer 20 ms late. */
class RangeServer extends RestartableServer {
  served = 0
  onServed: ((served: number) => void) | undefined

  constructor() {
    super((req, res) => {
      if (req.url !== '/big.bin') {
        res.writeHead(404).end()
        return
      }
      const m = /^bytes=(\d+)-(\d+)?$/.exec(req.headers.range ?? '')
      const start = m ? Number(m[1]) : 0
      const end = m?.[2] ? Math.min(Number(m[2]), BODY.length - 1) : BODY.length - 1
      const headers = {
        'accept-ranges': 'bytes',
        etag: '"v1"',
        'content-length': String(end - start + 1),
        ...(m ? { 'content-range': `bytes ${start}-${end}/${BODY.length}` } : {}),
      }
      setTimeout(() => {
        res.writeHead(m ? 206 : 200, headers)
        if (req.method === 'HEAD') res.end()
        else res.end(BODY.subarray(start, end + 1))
        this.onServed?.(++this.served)
      }, 20)
    })
  }
}

let dir = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-get-outage-'))
})
after(() => rm(dir, { recursive: true, force: true }))

const env = () => fakeEnvironment({ files: filePlaces })
const FLAGS = ['--part-size', '128KiB', '--concurrency', '2', '--retries', '1', '--no-verify']

describe('one download whose server goes away', () => {
  it('a server closed mid-download and back 1.5 s later: the download waits, resumes and exits 0 byte-identical', async () => {
    const server = new RangeServer()
    await server.up()
    server.onServed = (served) => {
      if (served !== 6) return
      server.down()
      setTimeout(() => void server.up(), 1500)
    }
    const run = env()
    const dest = join(dir, 'waited.bin')
    try {
      const code = await main(
        ['get', `http://127.0.0.1:${server.port}/big.bin`, dest, ...FLAGS],
        run.cli,
      )
      assert.equal(code, 0, run.text())
    } finally {
      server.down()
    }
    assert.deepEqual(new Uint8Array(await readFile(dest)), BODY)
    const said = run.err.join('')
    assert.match(
      said,
      /the store stopped answering \(.+\): asking it now and then for up to 5m00s \(--outage-wait\)/,
    )
    assert.match(said, /the store answers again after .+: resuming from the checkpoint/)
    assert.match(said, /resuming: .+ already done/)
  })

  it('a server that stays down past --outage-wait: exit 1 after the wait, the checkpoint kept, and a later run resumes', async () => {
    const server = new RangeServer()
    await server.up()
    server.onServed = (served) => {
      if (served === 6) server.down()
    }
    const dest = join(dir, 'given-up.bin')
    const url = `http://127.0.0.1:${server.port}/big.bin`
    const run = env()
    const began = Date.now()
    const code = await main(['get', url, dest, ...FLAGS, '--outage-wait', '1', '--json'], run.cli)
    assert.equal(code, 1, run.text())
    assert.ok(Date.now() - began >= 1000)
    const events = run.out
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    const unreachable = events.find((e) => e.type === 'store-unreachable')
    assert.equal(unreachable?.waitMs, 1000)
    assert.equal((unreachable?.reason as { kind?: string } | undefined)?.kind, 'network')
    assert.ok(events.some((e) => e.type === 'store-given-up'))
    assert.equal(events.at(-1)?.type, 'error')
    await access(`${dest}.resumable.json`)

    await server.up()
    server.onServed = undefined
    const again = env()
    try {
      assert.equal(await main(['get', url, dest, ...FLAGS, '--json'], again.cli), 0, again.text())
    } finally {
      server.down()
    }
    assert.deepEqual(new Uint8Array(await readFile(dest)), BODY)
    const done = again.out
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .at(-1)
    assert.ok(Number(done?.resumedBytes) > 0, JSON.stringify(done))
  })

  it('a server not running at all: exit 1 at once, no wait', async () => {
    const server = new RangeServer()
    await server.up()
    const port = server.port
    server.down()
    const run = env()
    const began = Date.now()
    const code = await main(
      ['get', `http://127.0.0.1:${port}/big.bin`, join(dir, 'never.bin'), ...FLAGS],
      run.cli,
    )
    assert.equal(code, 1)
    assert.ok(Date.now() - began < 10_000)
    assert.doesNotMatch(run.err.join(''), /stopped answering/)
  })
})
