import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { MockOss } from '@resumable/testkit'
import { type MockOssServer, runtimeCommand } from '@resumable/testkit/node'
import type { StandardInput } from '../src/cli-environment.ts'
import { main } from '../src/main.ts'
import {
  fakeEnvironment,
  MOCK_ENV,
  runCliProcess,
  signedEnv,
  startSignedMock,
  stopSignedMock,
} from './helpers.ts'

// `--manifest -`: the list piped in, as `wget -i -` and `aria2c -i -` read it.

let server: MockOssServer
let oss: MockOss
let dir = ''
const encoder = new TextEncoder()
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-manifest-stdin-'))
  for (const key of ['in/a.txt', 'in/b.txt', 'in/c.txt'])
    oss.putObject('p', key, { bytes: encoder.encode(`contents of ${key}`) })
})
after(() => stopSignedMock({ server, dir }))

const CLI_BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
const piped = (text: string): StandardInput => ({ isTTY: false, text: async () => text })
const get = (...args: string[]) => ['get', ...args, '--endpoint', server.url]
/** The GETs the mock answered for `key` since `from`. */
const getsOf = (key: string, from: number) =>
  oss.served.log.slice(from).filter((r) => r.method === 'GET' && r.key === key).length

describe('get --manifest - (the list on standard input)', () => {
  it('downloads every line of the piped list, in a real process', async () => {
    const dest = join(dir, 'process')
    const { code, stderr } = await runCliProcess(
      get('--manifest', '-', dest, '--quiet'),
      { ...process.env, ...MOCK_ENV, AWS_EC2_METADATA_DISABLED: 'true' },
      60_000,
      's3://p/in/a.txt\n# a comment\ns3://p/in/b.txt\n',
    )
    assert.equal(code, 0, stderr)
    assert.equal(await readFile(join(dest, 'in/a.txt'), 'utf8'), 'contents of in/a.txt')
    assert.equal(await readFile(join(dest, 'in/b.txt'), 'utf8'), 'contents of in/b.txt')
  })

  it('the same list piped again continues its batch: a finished object is not requested again; another list is a batch of its own', async () => {
    const dest = join(dir, 'again')
    const list = 's3://p/in/a.txt\ns3://p/in/missing.txt\n'
    const first = signedEnv()
    const firstRun = await main(get('--manifest', '-', dest), { ...first.cli, stdin: piped(list) })
    assert.equal(firstRun, 1, first.text())
    assert.match(first.text(), /stdin:2/, 'the failed line named by its place in the list')
    const from = oss.served.log.length
    const again = signedEnv()
    assert.equal(await main(get('--manifest', '-', dest), { ...again.cli, stdin: piped(list) }), 1)
    assert.equal(getsOf('in/a.txt', from), 0, 'a.txt is done in this batch')
    const other = signedEnv()
    const otherList = 's3://p/in/c.txt\n'
    assert.equal(
      await main(get('--manifest', '-', dest), { ...other.cli, stdin: piped(otherList) }),
      0,
      other.text(),
    )
    assert.equal(await readFile(join(dest, 'in/c.txt'), 'utf8'), 'contents of in/c.txt')
  })

  it('a pipe given as the manifest file (/dev/stdin, <(cmd)) is read, in a real process, and is the same batch as the same list on standard input', {
    skip: process.platform !== 'linux' && '/dev/stdin names a pipe on Linux',
  }, async () => {
    const dest = join(dir, 'dev-stdin')
    const list = 's3://p/in/b.txt\ns3://p/in/missing-too.txt\n'
    const first = signedEnv()
    assert.equal(await main(get('--manifest', '-', dest), { ...first.cli, stdin: piped(list) }), 1)
    const from = oss.served.log.length
    // Through a shell's pipe, as a user's `… | resumable`: a spawned process's own stdin is a
    // socket, which /dev/stdin cannot open.
    const [command, argv] = runtimeCommand(CLI_BIN, get('--manifest', '/dev/stdin', dest))
    const child = spawn('sh', ['-c', 'printf "%s" "$LIST" | "$@"', 'sh', command, ...argv], {
      env: { ...process.env, ...MOCK_ENV, AWS_EC2_METADATA_DISABLED: 'true', LIST: list },
    })
    let text = ''
    child.stdout.on('data', (d: Uint8Array) => (text += new TextDecoder().decode(d)))
    child.stderr.on('data', (d: Uint8Array) => (text += new TextDecoder().decode(d)))
    const [code] = (await once(child, 'close')) as [number | null]
    assert.equal(code, 1, text)
    assert.doesNotMatch(text, /cannot read the manifest/)
    assert.match(text, /\/dev\/stdin:2/, 'the failed line named by its place in the list')
    assert.match(text, /1 skipped \(1 done\), 1 failed of 2 objects/, 'b.txt is done in this batch')
    assert.doesNotMatch(text, /exists/)
    assert.equal(getsOf('in/b.txt', from), 0)
  })

  it('refuses a terminal as standard input (exit 2, before any request), saying to pipe the list in', async () => {
    const from = oss.served.log.length
    const tty = fakeEnvironment({ env: MOCK_ENV })
    const terminal: StandardInput = {
      isTTY: true,
      text: () => assert.fail('a terminal was read'),
    }
    const code = await main(get('--manifest', '-', join(dir, 'tty')), {
      ...tty.cli,
      stdin: terminal,
    })
    assert.equal(code, 2)
    assert.match(tty.text(), /standard input is a terminal; pipe the list in/)
    assert.equal(oss.served.log.length, from)
  })
})
