import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { crc64 } from '@resumable/core'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { objectFileName, safeFileName } from '../src/destination.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment, inNewDirectory, signedEnv } from './helpers.ts'

let server: MockOssServer
let dir = ''
let crc: bigint | undefined
const KEY = 'dir/naïve file.bin'

before(async () => {
  server = await startMockOss()
  crc = server.oss.putObject('bucket', KEY, { generated: { size: 300_001, seed: 3 } }).crc64
  dir = await mkdtemp(join(tmpdir(), 'cli-dest-'))
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const url = (): string => `${server.url}/bucket/dir/na%C3%AFve%20file.bin`
const real = () => fakeEnvironment({ files: filePlaces, aliOss: aliOssFactory({}) })
const crcOf = async (path: string) => crc64('crc64xz', new Uint8Array(await readFile(path)))

describe('destination directories', () => {
  it('saves into an existing directory under the decoded last path segment, and says so first', async () => {
    const into = join(dir, 'existing')
    await mkdir(into)
    const { cli, err } = real()
    assert.equal(await main(['get', url(), into], cli), 0, err.join(''))
    assert.equal(await crcOf(join(into, 'naïve file.bin')), crc)
    assert.match(err[0] ?? '', /^saving as .*naïve file\.bin \(name taken from the source\)/)
  })

  it('creates a missing directory named with a trailing slash instead of writing a file', async () => {
    const into = join(dir, 'newdir')
    const { cli, err } = real()
    assert.equal(await main(['get', url(), `${into}/`], cli), 0, err.join(''))
    assert.ok((await stat(into)).isDirectory())
    assert.equal(await crcOf(join(into, 'naïve file.bin')), crc)
  })

  it('says which directory it could not create, as a typed error, for one object and for a batch', async () => {
    // A name over 255 bytes: mkdir fails for every user, root included.
    const tooLong = join(dir, 'x'.repeat(300))
    const single = real()
    assert.equal(await main(['get', url(), `${tooLong}/`], single.cli), 1)
    assert.match(single.text(), /Could not create the directory .*x{300} \(ENAMETOOLONG\)/)
    const batch = signedEnv()
    const args = [
      'get',
      's3://bucket/dir/',
      tooLong,
      '--recursive',
      '--endpoint',
      server.url,
      '--json',
    ]
    assert.equal(await main(args, batch.cli), 1, batch.text())
    const last = JSON.parse(batch.out.join('').trim().split('\n').pop() as string)
    assert.equal(last.type, 'error')
    assert.equal(last.name, 'TargetError')
    assert.match(last.message, /Could not create the directory .*x{300} \(ENAMETOOLONG\)/)
  })

  it('leaves no directory behind when the run fails (404) or its options are refused', async () => {
    const missing = join(dir, 'not-made', 'deeper')
    const notFound = real()
    assert.equal(
      await main(['get', `${server.url}/bucket/nope.bin`, `${missing}/`], notFound.cli),
      1,
    )
    assert.match(notFound.text(), /NoSuchKey/)
    assert.equal(existsSync(join(dir, 'not-made')), false, 'created directories removed again')
    const refused = real()
    const args = ['get', url(), `${missing}/`, '--part-size', '10KB']
    assert.equal(await main(args, refused.cli), 2)
    assert.equal(existsSync(join(dir, 'not-made')), false, 'nothing created for a usage error')
    assert.doesNotMatch(refused.text(), /saving as/)
  })

  it('refuses name/ when name is a file, even with --force, and leaves the file alone', async () => {
    const file = join(dir, 'f.bin')
    await writeFile(file, 'precious')
    const { cli, text } = real()
    assert.equal(await main(['get', url(), `${file}/`, '--force'], cli), 1)
    assert.match(text(), /names a directory.*is a file/)
    assert.equal(await readFile(file, 'utf8'), 'precious')
  })

  it('refuses name/sub/ under a file name, and names the file, not the path under it', async () => {
    const file = join(dir, 'g.bin')
    await writeFile(file, 'precious')
    const { cli, text } = real()
    assert.equal(await main(['get', url(), `${file}/sub/`], cli), 1)
    assert.match(
      text(),
      new RegExp(`but ${file.replaceAll('.', '\\.')} is a file; nothing was changed`),
    )
    assert.equal(await readFile(file, 'utf8'), 'precious')
  })

  it('a file where the destination directory must be is not-a-directory with the default checkpoint too, and is left alone', async () => {
    const file = join(dir, 'h.bin')
    await writeFile(file, 'precious')
    const { cli, out } = real()
    assert.equal(await main(['get', url(), join(file, 'x.bin'), '--json'], cli), 1)
    const error = JSON.parse(out.join('').trim().split('\n').at(-1) ?? '{}')
    assert.equal(error.kind, 'not-a-directory', JSON.stringify(error))
    assert.match(error.message, /h\.bin\/x\.bin: a part of the path is a file, not a directory/)
    assert.equal(await readFile(file, 'utf8'), 'precious')
  })

  it('refuses a destination name too long for its checkpoint beside it (236 bytes) with a usage error and no file, takes 235, and 236 with --checkpoint <dir>', async () => {
    const into = join(dir, 'long')
    await mkdir(into)
    const tooLong = real()
    assert.equal(await main(['get', url(), join(into, 'n'.repeat(236))], tooLong.cli), 2)
    assert.match(tooLong.text(), /236 bytes; at most 235 .*--checkpoint <dir>/)
    assert.deepEqual(await readdir(into), [])
    const longest = real()
    assert.equal(await main(['get', url(), join(into, 'n'.repeat(235))], longest.cli), 0)
    assert.equal(await crcOf(join(into, 'n'.repeat(235))), crc)
    const elsewhere = real()
    const args = ['get', url(), join(into, 'm'.repeat(236)), '--checkpoint', `${dir}/`]
    assert.equal(await main(args, elsewhere.cli), 0, elsewhere.text())
  })

  it("refuses a destination named like resumable's own files, from the source or typed, before touching anything", async () => {
    server.oss.putObject('bucket', 'dir/x.resumable.json', { generated: { size: 1000, seed: 4 } })
    const into = join(dir, 'reserved')
    await mkdir(into)
    const named = real()
    const sidecarUrl = `${server.url}/bucket/dir/x.resumable.json`
    assert.equal(await main(['get', sidecarUrl, `${into}/`], named.cli), 2)
    assert.match(named.text(), /"x\.resumable\.json" is one resumable gives its own files/)
    const typed = real()
    assert.equal(await main(['get', url(), join(into, 'y.bin.resumable-part')], typed.cli), 2)
    const created = real()
    assert.equal(await main(['get', sidecarUrl, `${join(into, 'new')}/`], created.cli), 2)
    assert.deepEqual(await readdir(into), [], 'no file and no directory was made')
  })

  it('an omitted destination means the current directory', async () => {
    const cwd = join(dir, 'cwd')
    await inNewDirectory(cwd, async () => {
      const { cli, out } = real()
      assert.equal(await main(['get', url(), '--json'], cli), 0)
      const first = JSON.parse(out[0] ?? '{}') as { type: string; destination: string }
      assert.deepEqual([first.type, first.destination], ['destination', 'naïve file.bin'])
    })
    assert.deepEqual(await readdir(cwd), ['naïve file.bin'])
    assert.equal(await crcOf(join(cwd, 'naïve file.bin')), crc)
  })

  it('names a file from a URL or key without separators, dot segments, control characters or bidirectional-text controls', () => {
    const http = (u: string) => objectFileName({ scheme: 'http', url: u })
    assert.equal(http('https://h.example/a/b%2F..%2Fc.txt?x=1'), 'b_.._c.txt')
    assert.equal(http('https://h.example/a/%2E%2E'), 'h.example')
    assert.equal(http('https://h.example/'), 'h.example')
    assert.equal(http('https://h.example/evil%0A%1B%5B2Jname'), 'evil__[2Jname')
    assert.equal(http('https://h.example/a%5C..%5Cb'), 'a_.._b')
    assert.equal(
      http('https://h.example/%E2%80%AEgnp.exe'),
      '_gnp.exe',
      'U+202E would show exe.png',
    )
    assert.equal(http('https://h.example/a%E2%81%A6b%E2%80%8Fc'), 'a_b_c')
    assert.equal(objectFileName({ scheme: 's3', bucket: 'b', key: 'dir/' }), 'index')
    assert.equal(objectFileName({ scheme: 'oss', bucket: 'b', key: 'x/%41.bin' }), '%41.bin')
    assert.equal(safeFileName('..', '..'), 'index')
    const long = safeFileName(`${'é'.repeat(300)}.tar.gz`, 'index')
    assert.ok(new TextEncoder().encode(long).length <= 200)
    assert.ok(long.endsWith('.gz'), 'the extension is kept')
  })

  it('keeps a plain file destination as given when it is not a directory', async () => {
    const dest = join(dir, 'plain.bin')
    const { cli, err } = real()
    assert.equal(await main(['get', url(), dest], cli), 0)
    assert.doesNotMatch(err.join(''), /saving as/)
    assert.equal(existsSync(dest), true)
  })
})
