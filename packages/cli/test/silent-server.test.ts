import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { runtimeCommand } from '@resumable/testkit/node'

// A server (or proxy) that accepts every connection and never says a word.
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
let server: Server
let port = 0
const sockets = new Set<Socket>()
let dir = ''

before(async () => {
  server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as { port: number }).port
  dir = await mkdtemp(join(tmpdir(), 'cli-silent-'))
})
after(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

function run(
  args: readonly string[],
): Promise<{ code: number | null; stderr: string; ms: number }> {
  const [cmd, argv] = runtimeCommand(BIN, args)
  const started = Date.now()
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIA-silent', AWS_SECRET_ACCESS_KEY: 'silent' },
  })
  let stderr = ''
  child.stderr.on('data', (d: Uint8Array) => {
    stderr += new TextDecoder().decode(d)
  })
  // Far beyond what the deadlines allow: a hang fails the test instead of blocking it.
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer)
      resolve({ code, stderr, ms: Date.now() - started })
    }),
  )
}

describe('a server that accepts the connection and never answers', () => {
  it('get: the first request times out after --stall-timeout, is retried, then fails (exit 1), nothing written', async () => {
    const dest = join(dir, 'one.bin')
    const result = await run([
      'get',
      `http://127.0.0.1:${port}/object.bin`,
      dest,
      '--stall-timeout',
      '1',
      '--retries',
      '1',
    ])
    assert.equal(result.code, 1, result.stderr)
    assert.match(result.stderr, /retry stat \(attempt 1\)/)
    assert.match(
      result.stderr,
      /error: stat http:\/\/127\.0\.0\.1:\d+\/object\.bin: no data received for 1000 ms/,
    )
    assert.ok(result.ms < 20_000, `${result.ms} ms`)
    assert.equal(existsSync(dest), false)
    assert.equal(existsSync(`${dest}.resumable-part`), false)
  })

  it('get --recursive: the listing times out the same way (exit 1), no directory left', async () => {
    const dest = join(dir, 'batch')
    const result = await run([
      'get',
      's3://bucket/prefix/',
      dest,
      '--recursive',
      '--endpoint',
      `http://127.0.0.1:${port}`,
      '--region',
      'us-east-1',
      '--stall-timeout',
      '1',
      '--retries',
      '1',
    ])
    assert.equal(result.code, 1, result.stderr)
    assert.match(result.stderr, /ListObjectsV2 .*page 1: no data received for 1000 ms/)
    assert.ok(result.ms < 20_000, `${result.ms} ms`)
    assert.equal(existsSync(dest), false)
  })
})
