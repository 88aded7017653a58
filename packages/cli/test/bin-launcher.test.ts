import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { crc64 } from '@resumable/core'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import packageJson from '../package.json' with { type: 'json' }

// npm links a workspace bin at install time only if its target exists then: the bin must be a
// committed file, not a build output. `npx` runs it with plain `node` (no flags), as here.
const PACKAGE = fileURLToPath(new URL('..', import.meta.url))
const LAUNCHER = join(PACKAGE, packageJson.bin.resumable)

let server: MockOssServer
let dir = ''
before(async () => {
  server = await startMockOss()
  dir = await mkdtemp(join(tmpdir(), 'cli-bin-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

function node(args: readonly string[], cwd: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('node', [...args], { cwd }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

describe('the resumable bin', () => {
  it('is a committed file outside dist/, so npm can link it before any build', () => {
    assert.doesNotMatch(packageJson.bin.resumable, /dist\//)
    assert.equal(existsSync(LAUNCHER), true)
  })

  it('runs with plain node from any directory and downloads (source or built)', async () => {
    const version = await node([LAUNCHER, '--version'], dir)
    assert.equal(version.stdout, `resumable ${packageJson.version}\n`, version.stderr)
    const object = server.oss.putObject('bucket', 'via-bin.bin', { generated: { size: 1000 } })
    const got = await node([LAUNCHER, 'get', `${server.url}/bucket/via-bin.bin`, '--quiet'], dir)
    assert.equal(got.code, 0, got.stderr)
    const bytes = await readFile(join(dir, 'via-bin.bin'))
    assert.equal(crc64('crc64xz', new Uint8Array(bytes)), object.crc64)
  })
})
