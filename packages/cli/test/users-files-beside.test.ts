import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment, signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

let server: MockOssServer
let dir = ''

before(async () => {
  server = await startMockOss()
  server.oss.putObject('bucket', 'obj.bin', { generated: { size: 300_001, seed: 4 } })
  dir = await mkdtemp(join(tmpdir(), 'cli-users-files-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const url = (): string => `${server.url}/bucket/obj.bin`
const real = () => fakeEnvironment({ files: filePlaces, aliOss: aliOssFactory({}) })
const NOTES = '{"todo": ["back up the ISO", "check its hash"]}\n'

describe("get never takes a user's file beside the destination for one of resumable's", () => {
  it("refuses a user's <dest>.resumable.json (exit 1, kind exists) and leaves it, writing nothing", async () => {
    const sub = await mkdtemp(join(dir, 'notes-'))
    const dest = join(sub, 'big.iso')
    const notes = `${dest}.resumable.json`
    await writeFile(notes, NOTES)
    const { cli, out } = real()
    const code = await main(['get', url(), dest, '--json'], cli)
    assert.equal(code, 1, out.join(''))
    const error = out
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((event) => event.type === 'error')
    assert.equal(error?.kind, 'exists', out.join(''))
    assert.equal(error?.name, 'TargetError')
    assert.match(
      String(error?.message),
      /big\.iso\.resumable\.json is where this download keeps its checkpoint, but it is not a resumable checkpoint/,
    )
    assert.match(String(error?.message), /move it away, or choose another destination/)
    assert.deepEqual(error?.flags, [], 'no flag (not even --force) replaces a file of the user')
    assert.equal(await readFile(notes, 'utf8'), NOTES, 'the notes are untouched')
    assert.deepEqual(
      await readdir(sub),
      ['big.iso.resumable.json'],
      'no partial file, lock or destination',
    )
  })

  it('still discards a damaged checkpoint that has its partial file beside it, and finishes', async () => {
    const sub = await mkdtemp(join(dir, 'damaged-'))
    const dest = join(sub, 'big.iso')
    await writeFile(`${dest}.resumable.json`, 'not a checkpoint at all\n')
    await writeFile(`${dest}.resumable-part`, new Uint8Array(1000))
    const { cli, out } = real()
    assert.equal(await main(['get', url(), dest, '--json'], cli), 0, out.join(''))
    assert.match(out.join(''), /"type":"checkpoint-discarded"/)
    assert.deepEqual(await readdir(sub), ['big.iso'])
  })

  it("status says the user's <dest>.resumable.json is not a checkpoint and get refuses it (not 'the next run starts over')", async () => {
    const sub = await mkdtemp(join(dir, 'status-'))
    const dest = join(sub, 'big.iso')
    await writeFile(`${dest}.resumable.json`, NOTES)
    const { cli, out } = real()
    assert.equal(await main(['status', dest], cli), 0, out.join(''))
    assert.match(
      out.join(''),
      /big\.iso\.resumable\.json is not a resumable checkpoint \(a file of yours\?\), so resumable get refuses/,
    )
    assert.doesNotMatch(out.join(''), /starts over/)
    assert.equal(await readFile(`${dest}.resumable.json`, 'utf8'), NOTES)
  })

  it("refuses a user's <dest>.resumable.lock (exit 1, kind exists, not 'busy') and keeps it", async () => {
    const sub = await mkdtemp(join(dir, 'lock-'))
    const dest = join(sub, 'big.iso')
    await writeFile(`${dest}.resumable.lock`, 'do not touch: Alice\n')
    const { cli, out } = real()
    assert.equal(await main(['get', url(), dest, '--json'], cli), 1, out.join(''))
    assert.match(out.join(''), /"kind":"exists"/)
    assert.match(
      out.join(''),
      /big\.iso\.resumable\.lock is where this download keeps its lock, but it is not a resumable lock/,
    )
    assert.equal(await readFile(`${dest}.resumable.lock`, 'utf8'), 'do not touch: Alice\n')
    assert.deepEqual(await readdir(sub), ['big.iso.resumable.lock'])
  })

  it("refuses a user's <dest>.resumable-part with no checkpoint or lock beside it (exit 1) and keeps it", async () => {
    const sub = await mkdtemp(join(dir, 'part-'))
    const dest = join(sub, 'big.iso')
    await writeFile(`${dest}.resumable-part`, 'a file of mine\n')
    const { cli, out } = real()
    assert.equal(await main(['get', url(), dest, '--json'], cli), 1, out.join(''))
    assert.match(out.join(''), /"kind":"exists"/)
    assert.match(
      out.join(''),
      /big\.iso\.resumable-part is where this download keeps its partial file/,
    )
    assert.equal(await readFile(`${dest}.resumable-part`, 'utf8'), 'a file of mine\n')
    assert.deepEqual(await readdir(sub), ['big.iso.resumable-part'])
  })

  it('says what is in the way in plain text too, naming the file', async () => {
    const sub = await mkdtemp(join(dir, 'text-'))
    const dest = join(sub, 'big.iso')
    await writeFile(`${dest}.resumable.json`, NOTES)
    const { cli, err } = real()
    assert.equal(await main(['get', url(), dest], cli), 1)
    assert.match(
      err.join(''),
      /big\.iso\.resumable\.json is where this download keeps its checkpoint/,
    )
    assert.equal(existsSync(dest), false)
  })
})

describe("a batch never takes a user's <file>.resumable.json for an object's part checkpoint", () => {
  it('fails that object as exists, leaves the file, and fetches the others', async () => {
    const mock = await startSignedMock('cli-users-files-batch-')
    try {
      mock.oss.putObject('users', 'g/big.bin', { generated: { size: 2 * 1024 * 1024, seed: 5 } })
      mock.oss.putObject('users', 'g/other.bin', { generated: { size: 1000, seed: 6 } })
      const dest = join(mock.dir, 'out')
      await mkdir(dest)
      await writeFile(join(dest, 'big.bin.resumable.json'), NOTES)
      const { cli, text } = signedEnv()
      const args = [
        'get',
        's3://users/g/',
        dest,
        '--recursive',
        '--part-size',
        '512k',
        '--endpoint',
        mock.server.url,
      ]
      assert.equal(await main(args, cli), 1, text())
      assert.match(text(), /big\.bin\.resumable\.json is where this download keeps its checkpoint/)
      assert.equal(await readFile(join(dest, 'big.bin.resumable.json'), 'utf8'), NOTES)
      assert.equal(existsSync(join(dest, 'big.bin.resumable-part')), false)
      assert.equal(existsSync(join(dest, 'big.bin.resumable.lock')), false)
      assert.equal(existsSync(join(dest, 'other.bin')), true)
    } finally {
      await stopSignedMock(mock)
    }
  })
})
