import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { netrcCredentials, parseNetrc } from '../src/netrc.ts'
import { UsageError } from '../src/usage-error.ts'
import { fakeEnvironment } from './helpers.ts'
import { type RangedFileServer, startRangedFileServer } from './ranged-file-server.ts'

// `--netrc` and `--netrc-file`: HTTP Basic credentials for http(s) sources from a netrc file, as
// curl --netrc reads them; by host, never printed.
const bytes = makeBytes(2 * 1024 * 1024 + 5, 31)
const PASSWORD = 'pa ss#word"1-secret'
const DEFAULT_PASSWORD = 'anon-secret-9'
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`
const NETRC = [
  '# the file server',
  'machine 127.0.0.1 login alice password "pa ss#word\\"1-secret"',
  'machine 127.0.0.1 login carol password carol-secret-7 account ignored',
  'macdef init',
  'cd /pub',
  'get login password',
  '',
  'machine files.example login bob password bob-secret-12',
  `default login anon password ${DEFAULT_PASSWORD}`,
  '',
].join('\n')

let server: RangedFileServer
let root = ''
let netrcFile = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cli-netrc-'))
  const allowed = new Set([
    basic('alice', PASSWORD),
    basic('carol', 'carol-secret-7'),
    basic('anon', DEFAULT_PASSWORD),
  ])
  server = await startRangedFileServer(bytes, (path, _ranged, _start, _end, request) => {
    if (!path.startsWith('/pub/')) return undefined
    return allowed.has(String(request.authorization)) ? {} : 401
  })
  netrcFile = join(root, 'netrc')
  await writeFile(netrcFile, NETRC, { mode: 0o600 })
})
after(async () => {
  await server.close()
  await rm(root, { recursive: true, force: true })
})

async function get(args: readonly string[], env: Record<string, string> = {}) {
  const { cli, text } = fakeEnvironment({ files: filePlaces })
  const code = await main(['get', ...args], { ...cli, env: { ...cli.env, ...env } })
  return { code, text: text() }
}

const since = (from: number) => server.requests.slice(from)
const secrets = [PASSWORD, DEFAULT_PASSWORD, 'carol-secret-7', 'bob-secret-12']
const showsNoSecret = (text: string) => {
  for (const secret of secrets) assert.equal(text.includes(secret), false, text)
  assert.equal(text.includes(basic('alice', PASSWORD).slice(6)), false, text)
}

describe('netrc files', () => {
  it('reads machine, login, password and default entries; quoted words with escapes; skips comments, account and macdef bodies', () => {
    assert.deepEqual(parseNetrc(NETRC, 'netrc'), [
      { machine: '127.0.0.1', login: 'alice', password: PASSWORD },
      { machine: '127.0.0.1', login: 'carol', password: 'carol-secret-7' },
      { machine: 'files.example', login: 'bob', password: 'bob-secret-12' },
      { machine: undefined, login: 'anon', password: DEFAULT_PASSWORD },
    ])
    assert.deepEqual(parseNetrc('machine Files.EXAMPLE\n\tlogin a\n  password b', 'n'), [
      { machine: 'files.example', login: 'a', password: 'b' },
    ])
  })

  it('reads a Windows _netrc (CR LF lines, a macro ended by a blank line with spaces) and keywords in any case, as curl does', () => {
    const windows =
      'MACHINE a.example Login u1 PASSWORD p1\r\nmacdef init\r\ncd /pub\r\n  \r\nMachine b.example login u2 password p2\r\n'
    assert.deepEqual(parseNetrc(windows, 'n'), [
      { machine: 'a.example', login: 'u1', password: 'p1' },
      { machine: 'b.example', login: 'u2', password: 'p2' },
    ])
    assert.throws(
      () => parseNetrc('machine a\nmacdef m\nx\n\nlogin b\nbogus c', 'n'),
      (e: unknown) => e instanceof UsageError && /line 6: a word that is not/.test(e.message),
    )
  })

  it('refuses a malformed file naming its line, never the words in it', () => {
    const cases: [string, RegExp][] = [
      ['login alice password hunter2-secret', /line 1: "login" before any "machine"/],
      ['machine a\nlogin b\npasword hunter2-secret', /line 3: a word that is not machine/],
      ['machine a login b password', /line 1: "password" is missing its value/],
      ['machine a\nlogin b password "hunter2-secret', /line 2: a quoted word is not closed/],
    ]
    for (const [text, says] of cases)
      assert.throws(
        () => parseNetrc(text, 'f'),
        (e: unknown) =>
          e instanceof UsageError && says.test(e.message) && !e.message.includes('hunter2'),
      )
  })

  it("picks the host's entry (any port), the URL's user's when it names one, else default; none for a URL with a password or a presigned one", () => {
    const entries = parseNetrc(NETRC, 'netrc')
    const pick = (url: string) => netrcCredentials(entries, new URL(url))
    assert.deepEqual(pick('https://127.0.0.1:8443/f'), { user: 'alice', password: PASSWORD })
    assert.deepEqual(pick('https://carol@127.0.0.1/f'), {
      user: 'carol',
      password: 'carol-secret-7',
    })
    assert.deepEqual(pick('https://FILES.example/f'), { user: 'bob', password: 'bob-secret-12' })
    assert.deepEqual(pick('https://elsewhere.example/f'), {
      user: 'anon',
      password: DEFAULT_PASSWORD,
    })
    assert.equal(pick('https://dave@127.0.0.1/f'), undefined, 'no entry for that user')
    assert.deepEqual(
      netrcCredentials(
        parseNetrc('machine ::1 login v6 password six', 'n'),
        new URL('https://[::1]:8443/f'),
      ),
      { user: 'v6', password: 'six' },
    )
    assert.equal(pick('https://alice:own@127.0.0.1/f'), undefined)
    assert.equal(
      pick('https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Credential=x'),
      undefined,
    )
    assert.equal(
      pick('https://b.oss-cn-hangzhou.aliyuncs.com/k?Expires=1&Signature=abc'),
      undefined,
    )
    assert.equal(
      netrcCredentials(parseNetrc('machine h login u', 'n'), new URL('https://h/')),
      undefined,
    )
  })
})

describe('get --netrc and --netrc-file', () => {
  it("sends the host's entry as HTTP Basic on every request; the file is whole and no password is printed", async () => {
    const from = server.requests.length
    const dest = join(root, 'a.bin')
    const { code, text } = await get([
      `${server.url}/pub/a.bin`,
      dest,
      ...['--part-size', '1MiB', '--netrc-file', netrcFile, '--json'],
    ])
    assert.equal(code, 0, text)
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
    const requests = since(from)
    assert.ok(requests.length >= 4, `a probe and three parts: ${requests.length}`)
    for (const request of requests)
      assert.equal(request.headers.authorization, basic('alice', PASSWORD))
    showsNoSecret(text)
  })

  it('--netrc reads $NETRC, else ~/.netrc; one that is not there is refused (exit 2)', async () => {
    const viaEnv = await get([`${server.url}/pub/b.bin`, join(root, 'b.bin'), '--netrc'], {
      NETRC: netrcFile,
    })
    assert.equal(viaEnv.code, 0, viaEnv.text)
    const home = await mkdtemp(join(root, 'home-'))
    await writeFile(join(home, '.netrc'), `machine 127.0.0.1 login carol password carol-secret-7\n`)
    const from = server.requests.length
    const viaHome = await get([`${server.url}/pub/c.bin`, join(root, 'c.bin'), '--netrc'], {
      HOME: home,
    })
    assert.equal(viaHome.code, 0, viaHome.text)
    assert.equal(since(from)[0]?.headers.authorization, basic('carol', 'carol-secret-7'))
    const empty = await mkdtemp(join(root, 'empty-home-'))
    const none = await get([`${server.url}/pub/d.bin`, join(root, 'd.bin'), '--netrc'], {
      HOME: empty,
    })
    assert.equal(none.code, 2, none.text)
    assert.match(none.text, /--netrc: the netrc file .*\.netrc cannot be read \(ENOENT\)/)
  })

  it("a wrong password fails with the server's 401 (exit 1), printing no password, leaving no file", async () => {
    const wrong = join(root, 'wrong-netrc')
    await writeFile(wrong, 'machine 127.0.0.1 login alice password hunter2-wrong-secret\n')
    const dest = join(root, 'wrong.bin')
    const { code, text } = await get([
      `${server.url}/pub/wrong.bin`,
      dest,
      ...['--netrc-file', wrong, '--retries', '0'],
    ])
    assert.equal(code, 1, text)
    assert.match(text, /401/)
    assert.equal(text.includes('hunter2-wrong-secret'), false, text)
    assert.equal((await readdir(root)).includes('wrong.bin'), false)
  })

  it('an entry for a plain-http host that is not loopback is refused before any request (exit 2): Basic would send it in clear text', async () => {
    const { code, text } = await get([
      'http://files.example/pub/x.bin',
      join(root, 'x.bin'),
      ...['--netrc-file', netrcFile],
    ])
    assert.equal(code, 2, text)
    assert.match(
      text,
      /--netrc: the netrc file's credentials for files\.example are not sent over plain http:\/\//,
    )
    showsNoSecret(text)
  })

  it('is refused for oss:// and s3:// sources, whose requests are signed (exit 2)', async () => {
    for (const source of ['s3://bucket/key.bin', 'oss://bucket/key.bin']) {
      const { code, text } = await get([source, root, '--netrc'])
      assert.equal(code, 2, text)
      assert.match(text, /--netrc applies to http\(s\):\/\/ sources/)
    }
  })

  it("a manifest's http(s) lines each get their own host's entry", async () => {
    const manifest = join(root, 'list.txt')
    const other = server.url.replace('127.0.0.1', 'localhost')
    await writeFile(manifest, `${server.url}/pub/m1.bin\n${other}/pub/m2.bin\n`)
    const from = server.requests.length
    const dir = join(root, 'batch')
    const { code, text } = await get(['--manifest', manifest, dir, '--netrc-file', netrcFile])
    assert.equal(code, 0, text)
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'pub', 'm2.bin'))), bytes)
    const byPath = (path: string) =>
      new Set(
        since(from)
          .filter((r) => r.path === path)
          .map((r) => r.headers.authorization),
      )
    assert.deepEqual(byPath('/pub/m1.bin'), new Set([basic('alice', PASSWORD)]))
    assert.deepEqual(byPath('/pub/m2.bin'), new Set([basic('anon', DEFAULT_PASSWORD)]))
    showsNoSecret(text)
  })
})
