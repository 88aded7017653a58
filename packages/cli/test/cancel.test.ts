import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { crc64 } from '@resumable/core'
import { type MockOssServer, runtimeCommand, startMockOss } from '@resumable/testkit/node'
import { MOCK_ENV } from './helpers.ts'

// `status` and `cancel` against real `get` processes: one running, one killed with SIGKILL.
let server: MockOssServer
let dir = ''
let crc: bigint | undefined
// About 32 s at the rate below: room for three CLI starts (status, cancel, a second get) on a loaded machine.
const SIZE = 8 * 1024 * 1024 + 5
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))

before(async () => {
  server = await startMockOss()
  crc = server.oss.putObject('bucket', 'slow.bin', { generated: { size: SIZE, seed: 11 } }).crc64
  dir = await mkdtemp(join(tmpdir(), 'cli-cancel-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

function start(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; done: Promise<Run> } {
  const [cmd, argv] = runtimeCommand(BIN, args)
  const child = spawn(cmd, argv, { stdio: 'pipe', env })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Uint8Array) => {
    stdout += new TextDecoder().decode(d)
  })
  child.stderr?.on('data', (d: Uint8Array) => {
    stderr += new TextDecoder().decode(d)
  })
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  )
  return { child, done }
}

const run = (args: readonly string[]): Promise<Run> => start(args).done

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const slowGet = (dest: string, ...extra: string[]) =>
  start([
    'get',
    `${server.url}/bucket/slow.bin`,
    dest,
    '--part-size',
    '256KiB',
    '--concurrency',
    '2',
    '--limit-rate',
    '256KiB/s',
    ...extra,
  ])

describe('resumable cancel / status beside a real download', () => {
  it('cancel (and a second get) while get runs: one line naming the pid, exit 75, and the download still completes', async () => {
    const dest = join(dir, 'running.bin')
    const get = slowGet(dest)
    await until('the lock file', () => existsSync(`${dest}.resumable.lock`))
    const status = await run(['status', dest])
    assert.equal(status.code, 0)
    assert.match(status.stdout, new RegExp(`running.*pid ${get.child.pid}`))
    assert.doesNotMatch(status.stdout, /run the same/)
    const cancel = await run(['cancel', dest])
    assert.equal(cancel.code, 75, cancel.stderr)
    const lines = (cancel.stdout + cancel.stderr).trim().split('\n')
    assert.equal(lines.length, 1, `one line, no stack trace: ${lines.join(' | ')}`)
    assert.match(lines[0] ?? '', new RegExp(`not cancelled.*running.*pid ${get.child.pid}`))
    const second = await run(['get', `${server.url}/bucket/slow.bin`, dest])
    assert.equal(second.code, 75, second.stderr)
    assert.match(second.stderr, new RegExp(`error: .*pid ${get.child.pid}.*nothing was touched`))
    const finished = await get.done
    assert.equal(finished.code, 0, finished.stderr)
    assert.equal(crc64('crc64xz', new Uint8Array(await readFile(dest))), crc)
  })

  it('cancel after SIGKILL removes the partial file, the stale lock and the checkpoint; again, exit 3', async () => {
    const dest = join(dir, 'killed.bin')
    const get = slowGet(dest)
    await until('a checkpoint', () => existsSync(`${dest}.resumable.json`))
    process.kill(get.child.pid as number, 'SIGKILL')
    await get.done
    assert.equal(existsSync(`${dest}.resumable.lock`), true, 'SIGKILL leaves the lock behind')
    const cancel = await run(['cancel', dest])
    assert.equal(cancel.code, 0, cancel.stderr)
    assert.match(cancel.stdout, /removed/)
    for (const suffix of ['.resumable.lock', '.resumable-part', '.resumable.json'])
      assert.equal(existsSync(`${dest}${suffix}`), false, `${suffix} removed`)
    const again = await run(['cancel', dest])
    assert.equal(again.code, 3)
    assert.match(again.stdout, /nothing to cancel/)
  })

  it('status and cancel find a checkpoint kept in a --checkpoint directory, and cancel removes it', async () => {
    const dest = join(dir, 'elsewhere.bin')
    const checkpoints = join(dir, 'checkpoints')
    const get = slowGet(dest, '--checkpoint', `${checkpoints}/`)
    await until('a checkpoint in the directory', async () =>
      existsSync(checkpoints)
        ? (await readdir(checkpoints)).some((f) => f.endsWith('.resumable.json'))
        : false,
    )
    process.kill(get.child.pid as number, 'SIGKILL')
    await get.done
    const withoutFlag = await run(['status', dest])
    assert.match(withoutFlag.stdout, /pass the same --checkpoint/)
    const status = await run(['status', dest, '--checkpoint', checkpoints, '--json'])
    assert.equal(status.code, 0, status.stderr)
    assert.equal((JSON.parse(status.stdout) as { state: string }).state, 'in-progress')
    const cancel = await run(['cancel', dest, '--checkpoint', checkpoints, '--json'])
    assert.equal(cancel.code, 0, cancel.stderr)
    const removed = (JSON.parse(cancel.stdout) as { removed: string[] }).removed
    assert.equal(removed.length, 3, removed.join(', '))
    assert.deepEqual(await readdir(checkpoints), [])
    assert.equal(existsSync(`${dest}.resumable-part`), false)
  })

  it('cancel after SIGKILL of a batch removes the directories the run made, empty once its partial files go; the user’s empty directory stays', async () => {
    server.oss.putObject('bucket', 'tree/a/b/slow.bin', { generated: { size: SIZE, seed: 12 } })
    const dest = join(dir, 'batch')
    await mkdir(join(dest, 'mine'), { recursive: true })
    const get = start(
      [
        'get',
        's3://bucket/tree/',
        dest,
        '--recursive',
        '--endpoint',
        server.url,
        '--part-size',
        '256KiB',
        '--concurrency',
        '2',
        '--limit-rate',
        '256KiB/s',
      ],
      { ...process.env, ...MOCK_ENV },
    )
    await until('a checkpoint', () => existsSync(join(dest, 'a/b/slow.bin.resumable.json')))
    process.kill(get.child.pid as number, 'SIGKILL')
    await get.done
    const cancel = await run(['cancel', dest, '--json'])
    assert.equal(cancel.code, 0, cancel.stderr)
    assert.deepEqual(await readdir(dest), ['mine'])
    const json = JSON.parse(cancel.stdout) as { removedDirectories: string[] }
    assert.deepEqual(json.removedDirectories, ['a/b', 'a'])
  })
})
