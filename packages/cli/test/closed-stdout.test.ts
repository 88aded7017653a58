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

// `resumable get … --json | head -1`: the reader of the events goes away mid-download.
let server: MockOssServer
let dir = ''
let crc: bigint | undefined
const SIZE = 4 * 1024 * 1024 + 3
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))

before(async () => {
  server = await startMockOss()
  crc = server.oss.putObject('bucket', 'slow.bin', { generated: { size: SIZE, seed: 5 } }).crc64
  dir = await mkdtemp(join(tmpdir(), 'cli-closed-stdout-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

interface Run {
  readonly code: number | null
  readonly stderr: string
  /** The event lines read before stdout was closed (or all of them). */
  readonly events: { type: string; resumedBytes?: number }[]
}

/** Runs the CLI; closes its stdout, as `head` does, after the first event `closeAfter` matches. */
function run(args: readonly string[], closeAfter?: (type: string) => boolean): Promise<Run> {
  const [cmd, argv] = runtimeCommand(BIN, args)
  const child = spawn(cmd, argv, { stdio: 'pipe' })
  let pending = ''
  let stderr = ''
  const events: Run['events'] = []
  child.stdout.on('data', (d: Uint8Array) => {
    if (child.stdout.destroyed) return
    pending += new TextDecoder().decode(d)
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const event = JSON.parse(pending.slice(0, end)) as Run['events'][number]
      pending = pending.slice(end + 1)
      events.push(event)
      if (closeAfter?.(event.type)) {
        // The read end of the pipe is closed: the writer's next write fails with EPIPE.
        child.stdout.destroy()
        return
      }
    }
  })
  child.stderr.on('data', (d: Uint8Array) => {
    stderr += new TextDecoder().decode(d)
  })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, events })))
}

describe('a reader that closes stdout while --json events are written (`| head -1`)', () => {
  it('stops like an interrupt: exit 130, no crash or stack trace, progress kept; the same command resumes to a verified file', async () => {
    const dest = join(dir, 'out.bin')
    const args = [
      'get',
      `${server.url}/bucket/slow.bin`,
      dest,
      '--part-size',
      '256KiB',
      '--concurrency',
      '2',
      '--limit-rate',
      '512KiB/s',
      '--json',
    ]
    // Closed once a part is done, so there is progress to keep.
    const first = await run(args, (type) => type === 'part')
    assert.doesNotMatch(first.stderr, /Unhandled|EPIPE|at /, first.stderr)
    assert.equal(first.code, 130, first.stderr)
    assert.equal(existsSync(dest), false, 'nothing at the destination yet')
    const left = await readdir(dir)
    assert.ok(
      left.some((name) => name.endsWith('.resumable.json')),
      `a checkpoint is kept: ${left}`,
    )

    const second = await run(args.filter((a) => a !== '--limit-rate' && a !== '512KiB/s'))
    assert.equal(second.code, 0, second.stderr)
    const start = second.events[0]
    assert.equal(start?.type, 'resumed')
    assert.ok((start?.resumedBytes ?? 0) > 0, 'the second run resumed')
    assert.equal(crc64('crc64xz', new Uint8Array(await readFile(dest))), crc)
  })
})
