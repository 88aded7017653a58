import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { crc64 } from '@resumable/core'
import { type MockOssServer, runtimeCommand, startMockOss } from '@resumable/testkit/node'

// `resumable get … --json | head -1`, `… 2>&1 | head -1`: the reader of the output goes away mid-download.
let server: MockOssServer
let dir = ''
let crc: bigint | undefined
const SIZE = 4 * 1024 * 1024 + 3
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))

before(async () => {
  server = await startMockOss()
  crc = server.oss.putObject('bucket', 'slow.bin', { generated: { size: SIZE, seed: 5 } }).crc64
  dir = await mkdtemp(join(tmpdir(), 'cli-closed-output-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

interface Run {
  readonly code: number | null
  readonly stderr: string
  /** The --json event lines read from stdout before it was closed (or all of them). */
  readonly events: { type: string; resumedBytes?: number }[]
}

/**
 * Runs the CLI. `close` names the stream whose read end is closed, as `head` does, once
 * `closeAfter` matches one of its lines: the CLI's next write to it fails with EPIPE.
 */
function run(
  args: readonly string[],
  close?: { stream: 'stdout' | 'stderr'; closeAfter: (line: string) => boolean },
): Promise<Run> {
  const [cmd, argv] = runtimeCommand(BIN, args)
  const child = spawn(cmd, argv, { stdio: 'pipe' })
  const text = { stdout: '', stderr: '' }
  const seen = { stdout: 0, stderr: 0 }
  const events: Run['events'] = []
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = child[name]
    stream.on('data', (d: Uint8Array) => {
      if (stream.destroyed) return
      text[name] += new TextDecoder().decode(d)
      for (let end = text[name].indexOf('\n', seen[name]); end >= 0; ) {
        const line = text[name].slice(seen[name], end)
        seen[name] = end + 1
        if (name === 'stdout' && args.includes('--json')) events.push(JSON.parse(line))
        if (close?.stream === name && close.closeAfter(line)) {
          stream.destroy()
          return
        }
        end = text[name].indexOf('\n', seen[name])
      }
    })
  }
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, stderr: text.stderr, events })),
  )
}

/** A download of the mock's object slow enough to be cut off mid-way; `--limit-rate` comes last. */
const slowGet = (dest: string): string[] => [
  'get',
  `${server.url}/bucket/slow.bin`,
  dest,
  '--part-size',
  '256KiB',
  '--concurrency',
  '2',
  '--limit-rate',
  '512KiB/s',
]

/** `args` without the rate limit, for the run that finishes. */
const unlimited = (args: readonly string[]): string[] =>
  args.filter((arg, i) => arg !== '--limit-rate' && args[i - 1] !== '--limit-rate')

describe('a reader that closes the output mid-download', () => {
  it('stops like an interrupt: exit 130, no crash or stack trace, progress kept; the same command resumes to a verified file', async () => {
    const dest = join(dir, 'out.bin')
    const args = [...slowGet(dest), '--json']
    // Closed once a part is done, so there is progress to keep.
    const first = await run(args, {
      stream: 'stdout',
      closeAfter: (line) => JSON.parse(line).type === 'part',
    })
    assert.doesNotMatch(first.stderr, /Unhandled|EPIPE|at /, first.stderr)
    assert.equal(first.code, 130, first.stderr)
    assert.equal(existsSync(dest), false, 'nothing at the destination yet')
    const left = await readdir(dir)
    assert.ok(left.includes('out.bin.resumable.json'), `a checkpoint is kept: ${left}`)
    assert.equal(left.includes('out.bin.resumable.lock'), false, `no lock left: ${left}`)

    const second = await run(unlimited(args))
    assert.equal(second.code, 0, second.stderr)
    const start = second.events[0]
    assert.equal(start?.type, 'resumed')
    assert.ok((start?.resumedBytes ?? 0) > 0, 'the second run resumed')
    assert.equal(crc64('crc64xz', new Uint8Array(await readFile(dest))), crc)
  })

  it('a closed stderr (`2>&1 | head -1`) stops the same way: exit 130, no lock left, progress kept', async () => {
    const dest = join(dir, 'err.bin')
    const args = slowGet(dest)
    const first = await run(args, { stream: 'stderr', closeAfter: () => true })
    assert.equal(first.code, 130)
    assert.equal(existsSync(dest), false, 'nothing at the destination yet')
    const left = await readdir(dir)
    assert.ok(left.includes('err.bin.resumable.json'), `a checkpoint is kept: ${left}`)
    assert.equal(left.includes('err.bin.resumable.lock'), false, `no lock left: ${left}`)
    const second = await run(unlimited(args))
    assert.equal(second.code, 0, second.stderr)
    assert.equal(crc64('crc64xz', new Uint8Array(await readFile(dest))), crc)
  })
})
