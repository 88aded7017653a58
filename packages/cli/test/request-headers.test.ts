import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { requestHeaders } from '../src/request-headers.ts'
import { fakeEnvironment } from './helpers.ts'
import { type RangedFileServer, startRangedFileServer } from './ranged-file-server.ts'

// `--header 'Name: value'` and `--header-file <file>`: extra request headers for http(s) sources,
// as curl -H and wget --header send them; credentials only from the file, never printed.
const bytes = makeBytes(2 * 1024 * 1024 + 9, 23)
const TOKEN = 'hf_secretTokenValue0123456789'

let server: RangedFileServer
/** Another origin that redirects every request to `server`. */
let redirector: Server
let redirectUrl = ''
/** The `private-token` of each request `redirector` received. */
const redirectorSaw: (string | undefined)[] = []
let root = ''
let headerFile = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cli-request-headers-'))
  server = await startRangedFileServer(bytes, (path) =>
    path.startsWith('/models/') ? {} : undefined,
  )
  redirector = createServer((req, res) => {
    redirectorSaw.push(req.headers['private-token'] as string | undefined)
    res.writeHead(302, { location: `${server.url}${req.url}` }).end()
  })
  await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve))
  // `localhost`, not 127.0.0.1: another origin than the server's.
  redirectUrl = `http://localhost:${(redirector.address() as AddressInfo).port}`
  headerFile = join(root, 'headers.txt')
  await writeFile(
    headerFile,
    `# a token for the model hub\nAuthorization: Bearer ${TOKEN}\n\nPrivate-Token: gl-abc12345\n`,
  )
})
after(async () => {
  await server.close()
  redirector.closeAllConnections()
  await new Promise((resolve) => redirector.close(resolve))
  await rm(root, { recursive: true, force: true })
})

async function get(args: readonly string[]) {
  const { cli, text } = fakeEnvironment({ files: filePlaces })
  const code = await main(['get', ...args], cli)
  return { code, text: text() }
}

/** The requests `server` received from `from` on. */
const since = (from: number) => server.requests.slice(from)

describe('get --header and --header-file', () => {
  it('sends every header on every request (the HEAD and each ranged GET), and the file is whole', async () => {
    const from = server.requests.length
    const dest = join(root, 'model.bin')
    const { code, text } = await get([
      `${server.url}/models/model.bin`,
      dest,
      ...['--part-size', '1MiB', '--header', 'Accept: application/octet-stream'],
      ...['--header', 'User-Agent: my-fetcher/1.0', '--header-file', headerFile],
    ])
    assert.equal(code, 0, text)
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
    const requests = since(from)
    assert.ok(requests.length >= 4, `a probe and three parts: ${requests.length}`)
    for (const request of requests) {
      assert.equal(request.headers.authorization, `Bearer ${TOKEN}`)
      assert.equal(request.headers['private-token'], 'gl-abc12345')
      assert.equal(request.headers.accept, 'application/octet-stream')
      assert.equal(request.headers['user-agent'], 'my-fetcher/1.0')
    }
    assert.equal(text.includes(TOKEN), false, 'the token is never printed')
  })

  it('a failure never prints a value from the header file', async () => {
    const { code, text } = await get([
      `${server.url}/missing.bin`,
      join(root, 'missing.bin'),
      ...['--header-file', headerFile, '--retries', '0'],
    ])
    assert.equal(code, 1, text)
    assert.equal(text.includes(TOKEN), false, text)
    assert.equal(text.includes('gl-abc12345'), false, text)
  })

  it('a redirect to another origin drops Authorization, as curl and fetch do; other headers follow it', async () => {
    const from = server.requests.length
    const dest = join(root, 'redirected.bin')
    const bearerOnly = join(root, 'bearer.txt')
    await writeFile(bearerOnly, `Authorization: Bearer ${TOKEN}\n`)
    const { code, text } = await get([
      `${redirectUrl}/models/redirected.bin`,
      dest,
      ...['--header-file', bearerOnly, '--header', 'Accept: application/octet-stream'],
    ])
    assert.equal(code, 0, text)
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
    const requests = since(from)
    assert.ok(requests.length > 0)
    for (const request of requests) {
      assert.equal(request.headers.authorization, undefined)
      assert.equal(request.headers.accept, 'application/octet-stream')
    }
  })

  it('a credential no wire knows by name (Private-Token) goes to the origin of the URL only: the redirect elsewhere is followed without it, and the file is whole', async () => {
    const from = server.requests.length
    redirectorSaw.length = 0
    const dest = join(root, 'kept-home.bin')
    const { code, text } = await get([
      `${redirectUrl}/models/kept-home.bin`,
      dest,
      ...['--header-file', headerFile, '--header', 'Accept: application/octet-stream'],
    ])
    assert.equal(code, 0, text)
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
    assert.ok(redirectorSaw.length > 0 && redirectorSaw.every((token) => token === 'gl-abc12345'))
    const requests = since(from)
    assert.ok(requests.length > 0)
    for (const request of requests) {
      assert.equal(request.headers['private-token'], undefined)
      assert.equal(request.headers.authorization, undefined)
    }
    assert.equal(text.includes('gl-abc12345'), false, text)
  })

  it('a credential typed on the command line is refused (exit 2), naming --header-file, its value not echoed', async () => {
    for (const header of [
      `Authorization: Bearer ${TOKEN}`,
      `Cookie: session=${TOKEN}`,
      `X-Api-Key: ${TOKEN}`,
    ]) {
      const { code, text } = await get([
        `${server.url}/models/x.bin`,
        join(root, 'x.bin'),
        '--header',
        header,
      ])
      assert.equal(code, 2, text)
      assert.match(text, /--header-file/)
      assert.equal(text.includes(TOKEN), false, text)
    }
  })

  it('headers resumable sends itself (Range, If-Match, Accept-Encoding, Host) are refused (exit 2)', async () => {
    for (const header of [
      'Range: bytes=0-9',
      'If-Match: "x"',
      'Accept-Encoding: gzip',
      'host: a',
    ]) {
      const { code, text } = await get([`${server.url}/models/x.bin`, root, '--header', header])
      assert.equal(code, 2, text)
      assert.match(text, /resumable's own to send/)
    }
  })

  it('malformed input is refused (exit 2) and never shown: no colon, a bad name, a repeated header, a header file line (named by number)', async () => {
    const source = `${server.url}/models/x.bin`
    const cases: [string[], RegExp][] = [
      [['--header', 'no colon here'], /is not "Name: value"/],
      [['--header', 'Bad Name: x'], /is not "Name: value"/],
      [['--header', 'Accept: a', '--header', 'accept: b'], /accept is given twice/],
      [['--header', `Authorization=Bearer ${TOKEN}`], /is not "Name: value"/],
      [['--header', TOKEN], /is not "Name: value"/],
    ]
    const bad = join(root, 'bad-headers.txt')
    await writeFile(bad, `Authorization: Bearer ${TOKEN}\nnot a header ${TOKEN}\n`)
    cases.push([
      ['--header-file', bad],
      /--header-file .*bad-headers\.txt line 2 is not "Name: value"/,
    ])
    cases.push([['--header-file', join(root, 'absent.txt')], /cannot be read \(ENOENT\)/])
    for (const [flags, says] of cases) {
      const { code, text } = await get([source, join(root, 'never.bin'), ...flags])
      assert.equal(code, 2, text)
      assert.match(text, says)
      assert.equal(text.includes(TOKEN), false, text)
    }
    assert.equal((await readdir(root)).includes('never.bin'), false)
  })

  it('header names that are also object keys (constructor, __proto__) are headers like any other', async () => {
    const headers = await requestHeaders({
      headers: ['Constructor: a', '__proto__: b', 'toString: c'],
      headerFile: undefined,
    })
    assert.deepEqual(Object.entries(headers ?? {}), [
      ['constructor', 'a'],
      ['__proto__', 'b'],
      ['tostring', 'c'],
    ])
  })

  it('is refused for oss:// and s3:// sources, whose requests are signed (exit 2)', async () => {
    for (const source of ['s3://bucket/key.bin', 'oss://bucket/key.bin']) {
      const { code, text } = await get([source, root, '--header', 'Accept: x'])
      assert.equal(code, 2, text)
      assert.match(text, /--header applies to http\(s\):\/\/ sources/)
    }
  })

  it("a manifest's http(s) lines are all sent the headers", async () => {
    const from = server.requests.length
    const manifest = join(root, 'list.txt')
    await writeFile(manifest, `${server.url}/models/a.bin\n${server.url}/models/b.bin\n`)
    const dir = join(root, 'batch')
    const { code, text } = await get(['--manifest', manifest, dir, '--header-file', headerFile])
    assert.equal(code, 0, text)
    assert.deepEqual((await readdir(join(dir, 'models'))).sort(), ['a.bin', 'b.bin'])
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'models', 'b.bin'))), bytes)
    const requests = since(from)
    assert.ok(requests.length >= 2)
    for (const request of requests) assert.equal(request.headers.authorization, `Bearer ${TOKEN}`)
  })
})
