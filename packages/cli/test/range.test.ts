import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { parseCommandLine } from '../src/command-line.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { UsageError } from '../src/usage-error.ts'
import { fakeEnvironment } from './helpers.ts'

let server: MockOssServer
let dir = ''
const bytes = makeBytes(3 * 1024 * 1024 + 5, 9)

before(async () => {
  server = await startMockOss()
  server.oss.putObject('bucket', 'ranged.bin', { bytes })
  dir = await mkdtemp(join(tmpdir(), 'cli-range-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const url = (): string => `${server.url}/bucket/ranged.bin`

describe('resumable get --range', () => {
  it('writes only bytes first..last to the file and says what was verified', async () => {
    const dest = join(dir, 'slice.bin')
    const { cli, text } = fakeEnvironment({ files: filePlaces })
    const code = await main(
      ['get', url(), dest, '--range', '1000000-2500000', '--part-size', '256KiB'],
      cli,
    )
    assert.equal(code, 0, text())
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes.subarray(1_000_000, 2_500_001))
    assert.match(text(), /verified: size only \(a byte range: .*If-Match/)
    assert.equal(existsSync(`${dest}.resumable.json`), false)
  })

  it('streams an open-ended range to stdout', async () => {
    const chunks: Uint8Array[] = []
    const { cli } = fakeEnvironment({ stdoutSink: async (c) => void chunks.push(c.slice()) })
    assert.equal(await main(['get', url(), '-', '--range', '3000000-', '--quiet'], cli), 0)
    assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), bytes.subarray(3_000_000))
  })

  it('reports the range in the JSON done event', async () => {
    const dest = join(dir, 'json-slice.bin')
    const { cli, out } = fakeEnvironment({ files: filePlaces })
    assert.equal(await main(['get', url(), dest, '--range', '10-19', '--json'], cli), 0)
    const done = JSON.parse(out.at(-1) ?? '{}') as { range?: unknown; bytes?: number }
    assert.deepEqual(done.range, { start: 10, end: 19 })
    assert.equal(done.bytes, 10)
  })

  it('refuses a malformed --range as a usage error (exit 2) and touches nothing', async () => {
    for (const bad of ['abc', '5-4', '-100', '1-2-3', '1.5-9', '', '10KiB-']) {
      assert.throws(
        () => parseCommandLine(['get', url(), 'x.bin', '--range', bad]),
        UsageError,
        `--range ${JSON.stringify(bad)}`,
      )
    }
    const empty = await mkdtemp(join(dir, 'untouched-'))
    const { cli, text } = fakeEnvironment()
    assert.equal(await main(['get', url(), join(empty, 'x.bin'), '--range', '9-1'], cli), 2)
    assert.match(text(), /--range "9-1" is not a byte range/)
    assert.deepEqual(await readdir(empty), [])
  })

  it('fails without retrying when the range starts past the end of the object', async () => {
    const dest = join(dir, 'past.bin')
    const { cli, text } = fakeEnvironment({ files: filePlaces })
    assert.equal(await main(['get', url(), dest, '--range', `${bytes.length}-`], cli), 1)
    assert.match(text(), /range starts at byte/)
    assert.doesNotMatch(text(), /retry/)
  })
})
