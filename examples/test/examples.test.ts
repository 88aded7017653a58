import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { startMockOss } from '@resumable/testkit/node'

const here = fileURLToPath(new URL('..', import.meta.url))
const bin = (name: string): string => join(here, '..', 'node_modules', '.bin', name)
let dir = ''
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'examples-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd: join(here, '..') }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  )
}

const runtimes: [string, string, string[]][] = [
  [
    'node',
    process.execPath,
    ['--conditions=@resumable/source', '--import', 'tsx', 'examples/node/download.ts'],
  ],
  [
    'deno',
    bin('deno'),
    ['run', '-A', '--conditions=@resumable/source', 'examples/deno/download.ts'],
  ],
  ['bun', bin('bun'), ['--conditions=@resumable/source', 'examples/bun/download.ts']],
]

describe('examples', () => {
  for (const [runtime, cmd, args] of runtimes) {
    it(`examples/${runtime}/download.ts downloads from the loopback mock and verifies the CRC-64 on ${runtime}`, async () => {
      const dest = join(dir, `${runtime}.bin`)
      const out = await run(cmd, [...args, dest])
      assert.match(out, new RegExp(`^${runtime} .*verified by crc64xz`, 'm'))
      assert.equal((await stat(dest)).size, 32 * 1024 * 1024)
      assert.equal(existsSync(`${dest}.resumable.json`), false)
    })
  }
})

/** Runs `cmd` and sends it SIGINT once `partFile` exists: Ctrl-C in the middle of a download. */
function interrupted(
  cmd: string,
  args: string[],
  partFile: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { cwd: join(here, '..') })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve))
  void (async () => {
    while (!existsSync(partFile) && child.exitCode === null) await sleep(50)
    await sleep(300)
    child.kill('SIGINT')
  })()
  return exited.then((code) => ({ code, stdout, stderr }))
}

describe('examples on Ctrl-C', () => {
  for (const [runtime, cmd, args] of runtimes) {
    it(`examples/${runtime}/download.ts pauses with one line and exit code 130, no stack trace, the checkpoint kept`, async () => {
      // Slow enough that the interrupt lands mid-download.
      const mock = await startMockOss({ bytesPerSecondPerConnection: 256 * 1024 })
      try {
        mock.oss.putObject('examplebucket', 'big.bin', {
          generated: { size: 32 * 1024 * 1024, seed: 1 },
        })
        const dest = join(dir, `${runtime}-interrupted.bin`)
        const url = `${mock.url}/examplebucket/big.bin`
        const run = await interrupted(cmd, [...args, dest, url], `${dest}.resumable-part`)
        assert.equal(run.code, 130, run.stderr)
        assert.match(run.stdout, /^download paused; run it again to resume$/m)
        assert.doesNotMatch(run.stderr, /AbortedError|\bat /)
        assert.equal(existsSync(`${dest}.resumable.json`), true)
      } finally {
        await mock.close()
      }
    })
  }
})
