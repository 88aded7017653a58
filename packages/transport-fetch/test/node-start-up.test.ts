import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { MockOss } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'

// Which of the runtime's own modules a process loaded is Node's to tell (process.moduleLoadList).
const onNode =
  typeof process !== 'undefined' &&
  process.release?.name === 'node' &&
  !('Bun' in globalThis) &&
  !('Deno' in globalThis)

const CREDENTIALS = { accessKeyId: 'start-up-ak', secretAccessKey: 'start-up-secret' }
const here = fileURLToPath(new URL('.', import.meta.url))
// One mock checks signatures; the other answers anyone, as a public URL does.
let signed: MockOssServer
let anonymous: MockOssServer
let scratch: string

before(async () => {
  if (!onNode) return
  const bucket = (oss: MockOss): MockOss => {
    oss.putObject('start-up', 'a/b.bin', { bytes: new Uint8Array(4096).fill(7) })
    return oss
  }
  signed = await startMockOss({ oss: bucket(new MockOss({ credentials: CREDENTIALS })) })
  anonymous = await startMockOss({ oss: bucket(new MockOss()) })
  // Inside the package (its git-ignored .tmp/), so the child resolves the workspace's packages
  // and tsx as a test does.
  const base = join(here, '..', '.tmp')
  mkdirSync(base, { recursive: true })
  scratch = mkdtempSync(join(base, 'start-up-'))
})

after(async () => {
  if (!onNode) return
  await Promise.all([signed.close(), anonymous.close()])
  rmSync(scratch, { recursive: true, force: true })
})

/**
 * Runs `body` (module code with `origin`, `signedOrigin` and `credentials` in scope) in a fresh Node process and
 * returns the runtime modules it loaded whose name matches `pattern` (undici by default). Spawned,
 * not run synchronously: the mock answering it lives in this process.
 */
async function runtimeModulesLoadedBy(body: string, pattern = /undici/): Promise<string[]> {
  const file = join(scratch, `child-${Math.random().toString(36).slice(2)}.mts`)
  writeFileSync(
    file,
    `const origin = ${JSON.stringify(anonymous.url)}\nconst signedOrigin = ${JSON.stringify(signed.url)}\nconst credentials = ${JSON.stringify(CREDENTIALS)}\n${body}\n` +
      `console.log(JSON.stringify(process.moduleLoadList.filter((m) => ${pattern}.test(m))))\n`,
  )
  const child = spawn(
    process.execPath,
    ['--conditions=@resumable/source', '--import', 'tsx', file],
    {
      cwd: here,
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
  assert.equal(status, 0, stderr)
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as string[]
}

it('a plain URL read over the Node wire never loads Node’s fetch (undici)', {
  skip: onNode ? false : 'process.moduleLoadList is Node’s',
}, async () => {
  const loaded = await runtimeModulesLoadedBy(`
    import { createUrlTransport } from '@resumable/transport-fetch'
    const transport = createUrlTransport({ url: origin + '/start-up/a/b.bin' })
    const { body } = await transport.readWhole()
    let bytes = 0
    for await (const chunk of body) bytes += chunk.length
    if (bytes !== 4096) throw new Error('read ' + bytes + ' bytes')
  `)
  assert.deepEqual(loaded, [])
})

it('signed S3 and OSS V4 stats and reads and a listing over the Node wire never load Node’s fetch (undici)', {
  skip: onNode ? false : 'process.moduleLoadList is Node’s',
}, async () => {
  const loaded = await runtimeModulesLoadedBy(`
    import { createOssTransport, createS3Lister, createS3Transport } from '@resumable/transport-fetch'
    const where = { bucket: 'start-up', region: 'cn-hangzhou', endpoint: signedOrigin, credentials }
    for (const transport of [
      createS3Transport({ ...where, key: 'a/b.bin' }),
      createOssTransport({ ...where, key: 'a/b.bin' }),
    ]) {
      const info = await transport.stat()
      if (info.size !== 4096) throw new Error('size ' + info.size)
      const { body } = await transport.readWhole({ ifMatch: info.etag })
      let bytes = 0
      for await (const chunk of body) bytes += chunk.length
      if (bytes !== 4096) throw new Error('read ' + bytes + ' bytes')
    }
    const keys = []
    for await (const object of createS3Lister({ ...where, prefix: 'a/' }).list()) keys.push(object.key)
    if (keys.join() !== 'a/b.bin') throw new Error('listed ' + keys.join())
  `)
  assert.deepEqual(loaded, [])
})

it('plain-HTTP reads and a listing over the Node wire never load node:tls', {
  skip: onNode ? false : 'process.moduleLoadList is Node’s',
}, async () => {
  const loaded = await runtimeModulesLoadedBy(
    `
    import { createS3Lister, createS3Transport, createUrlTransport } from '@resumable/transport-fetch'
    const where = { bucket: 'start-up', region: 'cn-hangzhou', endpoint: signedOrigin, credentials }
    for (const transport of [
      createUrlTransport({ url: origin + '/start-up/a/b.bin' }),
      createS3Transport({ ...where, key: 'a/b.bin' }),
    ]) {
      const { body } = await transport.readWhole()
      let bytes = 0
      for await (const chunk of body) bytes += chunk.length
      if (bytes !== 4096) throw new Error('read ' + bytes + ' bytes')
    }
    for await (const object of createS3Lister({ ...where, prefix: 'a/' }).list()) void object
  `,
    /^NativeModule (tls|_tls_wrap|_tls_common)$/,
  )
  assert.deepEqual(loaded, [])
})
