import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const script = join(root, 'examples', 'ali-oss', 'download.ts')

/** The command line that runs a TypeScript file on the runtime running this test. */
function commandLine(file: string): string[] {
  if ('Bun' in globalThis) return ['--conditions=@resumable/source', file]
  if ('Deno' in globalThis) return ['run', '-A', '--conditions=@resumable/source', file]
  return ['--conditions=@resumable/source', '--import', 'tsx', file]
}

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out }))
  })
}

describe('examples/ali-oss', () => {
  it('runs the seed scenario against the mock OSS when no credentials are set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ali-oss-example-'))
    try {
      const file = join(dir, 'examplefile.txt')
      const env = { ...process.env }
      delete env.OSS_ACCESS_KEY_ID
      delete env.OSS_ACCESS_KEY_SECRET
      const { code, out } = await run([...commandLine(script), file], env)
      assert.equal(code, 0, out)
      const lines = out.trim().split('\n')
      assert.match(lines[0] ?? '', /using a mock OSS/)
      assert.match(lines[1] ?? '', /^"[0-9A-F]{32}"$/, 'ETag')
      assert.match(lines[2] ?? '', /GMT$/, 'Last-Modified')
      assert.equal(lines[3], 'value of x-oss-meta-meta')
      assert.match(
        lines[4] ?? '',
        /^8400953 bytes in 9 parts .*; [1-9]\d* retries; verified by crc64xz$/,
      )
      assert.equal((await stat(file)).size, 8_400_953)
      assert.deepEqual(await readdir(dir), ['examplefile.txt'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
