import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

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
