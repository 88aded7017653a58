import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { describe, it } from 'node:test'
import { runCliProcess } from './helpers.ts'

// The Node wire reads the proxy variables once per process, so each case is a process of its own.
const PROXY_VARIABLES = [
  'http_proxy',
  'HTTP_PROXY',
  'https_proxy',
  'HTTPS_PROXY',
  'all_proxy',
  'ALL_PROXY',
  'no_proxy',
  'NO_PROXY',
]
const onNode = !('Deno' in globalThis) && !('Bun' in globalThis)

async function run(
  args: readonly string[],
  proxies: Readonly<Record<string, string>>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of PROXY_VARIABLES) delete env[name]
  const result = await runCliProcess(['get', ...args], { ...env, ...proxies })
  return { ...result, stdout: new TextDecoder().decode(result.stdout) }
}

describe('a malformed proxy variable (the Node wire)', () => {
  it('is a usage error (exit 2) naming the variable as it was set, not an internal option', async () => {
    const result = await run(['http://127.0.0.1:9/object.bin', '-', '--wire', 'node'], {
      http_proxy: 'not a url',
    })
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, /^usage error: http_proxy is not a valid proxy URL/)
    assert.doesNotMatch(result.stderr, /proxy\.http/)
    assert.equal(result.stdout, '')
  })

  it('names an upper-case variable, and never prints the password it holds (--json too)', async () => {
    const result = await run(['https://127.0.0.1:9/object.bin', '-', '--wire', 'node', '--json'], {
      HTTPS_PROXY: 'https://user:hunter2-secret@proxy.example:8080',
    })
    assert.equal(result.code, 2, result.stderr)
    // With -, stdout is the object's: the JSON events go to stderr.
    assert.equal(result.stdout, '')
    const event = JSON.parse(result.stderr) as { kind: string; exitCode: number; message: string }
    assert.equal(event.kind, 'usage')
    assert.equal(event.exitCode, 2)
    assert.match(event.message, /^HTTPS_PROXY: https:\/\/ proxies are not supported/)
    assert.doesNotMatch(result.stdout + result.stderr, /hunter2/)
  })

  it('names ALL_PROXY when that is where the URL came from', async () => {
    const result = await run(['http://127.0.0.1:9/object.bin', '-', '--wire', 'node'], {
      ALL_PROXY: 'http://user:hunter2-secret@',
    })
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, /^usage error: ALL_PROXY /)
    assert.doesNotMatch(result.stderr, /hunter2|proxy\.http/)
  })

  it('on Node, the default wire too (no --wire)', { skip: !onNode }, async () => {
    const result = await run(['http://127.0.0.1:9/object.bin', '-'], { HTTP_PROXY: 'not a url' })
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, /^usage error: HTTP_PROXY is not a valid proxy URL/)
  })

  it('in a batch too: a usage error naming the variable', { skip: !onNode }, async () => {
    const args = ['s3://bucket/prefix/', 'out', '--recursive', '--endpoint', 'http://127.0.0.1:9']
    const result = await run(args, {
      http_proxy: 'http://user:hunter2-secret@',
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
    })
    assert.equal(result.code, 2, result.stderr)
    assert.match(result.stderr, /usage error: http_proxy is not a valid proxy URL/)
    assert.doesNotMatch(result.stderr, /hunter2/)
  })

  it('in a manifest batch: one usage error naming the variable before anything is created, not a failure per object', {
    skip: !onNode,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-proxy-'))
    try {
      const manifest = join(dir, 'objects.txt')
      await writeFile(manifest, 'http://127.0.0.1:9/a.bin\nhttp://127.0.0.1:9/b.bin\n')
      const out = join(dir, 'out')
      const result = await run(['--manifest', manifest, out], {
        http_proxy: 'http://user:hunter2-secret@',
      })
      assert.equal(result.code, 2, result.stderr)
      assert.match(result.stderr, /^usage error: http_proxy is not a valid proxy URL/)
      assert.doesNotMatch(result.stderr, /failed|hunter2/)
      assert.equal(existsSync(out), false, 'the destination was not created')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('a proxy variable pointing where nothing listens (the Node wire)', () => {
  it('the failure names the proxy (origin, no password), not the store; exit 1', async () => {
    // A port nothing listens on: listened on, then closed.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as { port: number }
    await new Promise((resolve) => probe.close(resolve))
    const result = await run(
      ['http://127.0.0.1:9/object.bin', '-', '--wire', 'node', '--retries', '0'],
      { HTTP_PROXY: `http://user:hunter2-secret@127.0.0.1:${port}` },
    )
    assert.equal(result.code, 1, result.stderr)
    assert.ok(
      result.stderr.includes(`the proxy http://127.0.0.1:${port} refused the connection`),
      result.stderr,
    )
    assert.doesNotMatch(result.stderr, /hunter2/)
  })
})
