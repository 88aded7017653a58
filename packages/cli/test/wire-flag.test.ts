import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parseCommandLine } from '../src/command-line.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { UsageError } from '../src/usage-error.ts'
import { fakeEnvironment } from './helpers.ts'

// `--wire`: which HTTP client the fetch transports read through. Observed by counting calls to
// `globalThis.fetch` while a real loopback server serves the file.

const bytes = new Uint8Array(300_001).map((_, i) => (i * 31) & 0xff)
let server: Server
let url = ''
let dir = ''
const realFetch = globalThis.fetch
let fetchCalls = 0

before(async () => {
  server = createServer((req, res) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
    const [start, end] = m ? [Number(m[1]), Number(m[2])] : [0, bytes.length - 1]
    res.writeHead(m ? 206 : 200, {
      etag: '"W"',
      'accept-ranges': 'bytes',
      'content-length': end - start + 1,
      ...(m ? { 'content-range': `bytes ${start}-${end}/${bytes.length}` } : {}),
    })
    res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/w.bin`
  dir = await mkdtemp(join(tmpdir(), 'cli-wire-'))
  globalThis.fetch = ((...args: Parameters<typeof fetch>) => {
    fetchCalls++
    return realFetch(...args)
  }) as typeof fetch
})
after(async () => {
  globalThis.fetch = realFetch
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

describe('--wire', () => {
  it('accepts fetch and node and rejects anything else with a UsageError', () => {
    const get = (wire: string) => parseCommandLine(['get', 'https://e.com/a', 'b', '--wire', wire])
    assert.equal((get('fetch') as { wire?: string }).wire, 'fetch')
    assert.equal((get('node') as { wire?: string }).wire, 'node')
    assert.throws(() => get('curl'), UsageError)
  })

  it('--wire fetch downloads through globalThis.fetch', async () => {
    fetchCalls = 0
    const { cli, text } = fakeEnvironment({ files: filePlaces })
    const dest = join(dir, 'fetch.bin')
    assert.equal(await main(['get', url, dest, '--quiet', '--wire', 'fetch'], cli), 0, text())
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
    assert.ok(fetchCalls > 0)
  })

  const onBun = 'Bun' in globalThis
  it('node (and, on Node, no flag) downloads the object and never calls globalThis.fetch', async () => {
    const runs: string[][] = [['--wire', 'node']]
    if (!onBun && !('Deno' in globalThis)) runs.push([])
    for (const extra of runs) {
      fetchCalls = 0
      const { cli, text } = fakeEnvironment({ files: filePlaces })
      const dest = join(dir, `node-${extra.length}.bin`)
      const code = await main(['get', url, dest, '--quiet', ...extra], cli)
      assert.equal(code, 0, text())
      assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
      assert.equal(fetchCalls, 0, `fetch called with ${extra.join(' ') || 'no flag'}`)
    }
  })

  it('with oss:// needs --transport fetch', async () => {
    const { cli, text } = fakeEnvironment()
    const args = ['get', 'oss://b/k', join(dir, 'x.bin'), '--region', 'cn-hangzhou']
    assert.equal(await main([...args, '--wire', 'fetch'], cli), 2)
    assert.match(text(), /--wire needs --transport fetch/)
  })
})
