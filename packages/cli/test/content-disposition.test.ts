import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { makeBytes } from '@resumable/testkit'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'
import {
  type AnswerHeaders,
  type RangedFileServer,
  startRangedFileServer,
} from './ranged-file-server.ts'

// `get <url> <dir>/ --content-disposition`: the file is named as the server's Content-Disposition
// suggests (as curl -OJ), made safe like a name from the URL; a loopback server answers HEADs and
// ranged GETs with the header a download link sends.
const bytes = makeBytes(2 * 1024 * 1024 + 3, 17)
const DISPOSITIONS: Record<string, string | undefined> = {
  '/download?id=7': `attachment; filename="report.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%202026.pdf`,
  '/escape': 'attachment; filename="../../outside.sh"',
  '/hidden': 'attachment; filename=".."',
  '/rc': 'attachment; filename=".bashrc"',
  '/plain.bin': undefined,
  '/flaky': 'attachment; filename="after-a-retry.bin"',
}
let flakyRefused = false

let server: RangedFileServer
let url = ''
let root = ''
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cli-content-disposition-'))
  server = await startRangedFileServer(bytes, (path): AnswerHeaders | number | undefined => {
    // The first request there is answered 503 (a server busy for a moment); the next ones whole.
    if (path === '/flaky' && !flakyRefused) {
      flakyRefused = true
      return 503
    }
    if (!(path in DISPOSITIONS)) return undefined
    const disposition = DISPOSITIONS[path]
    return disposition === undefined ? {} : { 'content-disposition': disposition }
  })
  url = server.url
})
after(async () => {
  await server.close()
  await rm(root, { recursive: true, force: true })
})

async function get(path: string, dest: string, ...flags: string[]) {
  const { cli, text } = fakeEnvironment({ files: filePlaces })
  const code = await main(['get', `${url}${path}`, dest, '--part-size', '1MiB', ...flags], cli)
  return { code, text: text() }
}

async function freshDir(name: string): Promise<string> {
  const dir = join(root, name)
  await mkdir(dir)
  return dir
}

describe('get --content-disposition', () => {
  it("saves into a directory under the name filename* gives (UTF-8), the object's bytes whole", async () => {
    const dir = await freshDir('named')
    const { code, text } = await get('/download?id=7', `${dir}/`, '--content-disposition')
    assert.equal(code, 0, text)
    assert.deepEqual(await readdir(dir), ['résumé 2026.pdf'])
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'résumé 2026.pdf'))), bytes)
    assert.match(
      text,
      /saving as .*résumé 2026\.pdf \(name taken from the server's Content-Disposition\)/,
    )
  })

  it('says so in the --json destination event (nameFrom)', async () => {
    const dir = await freshDir('json')
    const { code, text } = await get('/download?id=7', dir, '--content-disposition', '--json')
    assert.equal(code, 0, text)
    const event = text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((e) => e.type === 'destination')
    assert.equal(event?.destination, join(dir, 'résumé 2026.pdf'))
    assert.equal(event?.nameFrom, 'content-disposition')
  })

  it('a suggested path keeps only its last segment: nothing written outside the directory', async () => {
    const parent = await freshDir('escape')
    const dir = join(parent, 'inside')
    await mkdir(dir)
    const { code, text } = await get('/escape', dir, '--content-disposition')
    assert.equal(code, 0, text)
    assert.deepEqual(await readdir(dir), ['outside.sh'])
    assert.deepEqual(await readdir(parent), ['inside'])
  })

  it("a name that is no name (..) falls back to the URL's, as without the flag", async () => {
    const dir = await freshDir('dots')
    const { code, text } = await get('/hidden', dir, '--content-disposition')
    assert.equal(code, 0, text)
    assert.deepEqual(await readdir(dir), ['hidden'])
    assert.match(text, /\(name taken from the source\)/)
  })

  it('a suggested dotfile (.bashrc) is not created: its leading dot becomes _', async () => {
    const dir = await freshDir('dotfile')
    const { code, text } = await get('/rc', dir, '--content-disposition')
    assert.equal(code, 0, text)
    assert.deepEqual(await readdir(dir), ['_bashrc'])
  })

  it("without a Content-Disposition header, the URL's name", async () => {
    const dir = await freshDir('none')
    const { code, text } = await get('/plain.bin', dir, '--content-disposition')
    assert.equal(code, 0, text)
    assert.deepEqual(await readdir(dir), ['plain.bin'])
  })

  it('the request that reads the name is retried like the download (a 503, then the name)', async () => {
    const dir = await freshDir('retried')
    const { code, text } = await get('/flaky', dir, '--content-disposition')
    assert.equal(code, 0, text)
    assert.ok(flakyRefused)
    assert.match(text, /retry stat \(attempt 1\)/)
    assert.deepEqual(await readdir(dir), ['after-a-retry.bin'])
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'after-a-retry.bin'))), bytes)
  })

  it('without the flag, the URL names the file even when the server suggests another name', async () => {
    const dir = await freshDir('off')
    const { code, text } = await get('/download?id=7', `${dir}/`)
    assert.equal(code, 0, text)
    assert.deepEqual(await readdir(dir), ['download'])
    assert.match(text, /\(name taken from the source\)/)
  })

  it('a destination file the user named is kept, whatever the server suggests', async () => {
    const dir = await freshDir('file')
    const dest = join(dir, 'mine.pdf')
    const { code, text } = await get('/download?id=7', dest, '--content-disposition')
    assert.equal(code, 0, text)
    assert.deepEqual(await readdir(dir), ['mine.pdf'])
  })

  it('never replaces a file already under the suggested name (exit 1), unless --force', async () => {
    const dir = await freshDir('exists')
    await writeFile(join(dir, 'résumé 2026.pdf'), 'keep me')
    const refused = await get('/download?id=7', dir, '--content-disposition')
    assert.equal(refused.code, 1, refused.text)
    assert.match(refused.text, /exists/)
    assert.equal(await readFile(join(dir, 'résumé 2026.pdf'), 'utf8'), 'keep me')
    const forced = await get('/download?id=7', dir, '--content-disposition', '--force')
    assert.equal(forced.code, 0, forced.text)
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'résumé 2026.pdf'))), bytes)
  })

  it('is refused for a batch (exit 2): each file is named by its key or manifest line', async () => {
    const dir = await freshDir('batch')
    const manifest = join(dir, 'list.txt')
    await writeFile(manifest, `${url}/plain.bin\n`)
    const { cli, text } = fakeEnvironment({ files: filePlaces })
    const code = await main(['get', '--manifest', manifest, dir, '--content-disposition'], cli)
    assert.equal(code, 2, text())
    assert.match(text(), /--content-disposition applies to one object/)
  })
})
