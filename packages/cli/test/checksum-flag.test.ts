import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

let server: MockOssServer
let dir = ''
let sha256 = ''
let md5 = ''
before(async () => {
  server = await startMockOss()
  server.oss.putObject('bucket', 'iso/image.iso', { generated: { size: 3 * 1024 * 1024 + 9 } })
  dir = await mkdtemp(join(tmpdir(), 'cli-checksum-'))
  // The bytes as the server sends them, hashed here independently of the download.
  const bytes = new Uint8Array(await (await fetch(url())).arrayBuffer())
  sha256 = createHash('sha256').update(bytes).digest('hex')
  md5 = createHash('md5').update(bytes).digest('hex')
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

const url = (): string => `${server.url}/bucket/iso/image.iso`
const real = () => fakeEnvironment({ files: filePlaces, aliOss: aliOssFactory({}) })

describe('resumable get --checksum', () => {
  it('a sha256 the object has (as SHA-256:, upper case): exit 0, published, the done line says it matched', async () => {
    const dest = join(dir, 'ok.iso')
    const { cli, text } = real()
    const args = ['get', url(), dest, '--part-size', '1MiB', '--checksum']
    assert.equal(await main([...args, `SHA-256:${sha256.toUpperCase()}`], cli), 0, text())
    assert.equal(
      createHash('sha256')
        .update(await readFile(dest))
        .digest('hex'),
      sha256,
    )
    assert.match(text(), /verifying: 3\.00 MiB against the sha256 given \(--checksum\)/)
    assert.match(text(), new RegExp(`sha256 ${sha256} matches the digest given`))
  })

  it('a digest the object does not have: exit 1 naming both digests, nothing at the destination, no partial file or checkpoint', async () => {
    const sub = join(dir, 'wrong')
    const { mkdir } = await import('node:fs/promises')
    await mkdir(sub)
    const dest = join(sub, 'image.iso')
    const wrong = md5.replace(/^./, (c) => (c === '0' ? '1' : '0'))
    const { cli, text } = real()
    assert.equal(await main(['get', url(), dest, '--checksum', `md5=${wrong}`], cli), 1)
    assert.match(text(), new RegExp(`failed md5 verification: expected ${wrong}, got ${md5}`))
    assert.equal(existsSync(dest), false)
    assert.deepEqual(await readdir(sub), [])
  })

  it('--checksum-file: the line for the object’s name in a sha256sum file (GNU, ./ and * forms) or a --tag file is checked; a wrong one fails with nothing published', async () => {
    const sums = join(dir, 'SHA256SUMS')
    const other = 'f'.repeat(64)
    await writeFile(
      sums,
      ['# comment', `${other}  other.iso`, `${sha256} *./image.iso`, ''].join('\n'),
    )
    const dest = join(dir, 'from-sums.iso')
    const ok = real()
    assert.equal(await main(['get', url(), dest, '--checksum-file', sums], ok.cli), 0, ok.text())
    assert.match(ok.text(), /against the sha256 given \(--checksum-file\)/)
    assert.match(ok.text(), new RegExp(`sha256 ${sha256} matches the digest given`))

    // Named by the destination when the file records that name instead (a renamed mirror copy).
    const tagged = join(dir, 'tagged.txt')
    await writeFile(tagged, `MD5 (renamed.iso) = ${md5}\n`)
    const byDest = real()
    const renamed = join(dir, 'renamed.iso')
    assert.equal(await main(['get', url(), renamed, '--checksum-file', tagged], byDest.cli), 0)
    assert.match(byDest.text(), new RegExp(`md5 ${md5} matches the digest given`))

    const wrong = join(dir, 'WRONGSUMS')
    await writeFile(wrong, `${other}  image.iso\n`)
    const bad = real()
    const never = join(dir, 'never-from-sums.iso')
    assert.equal(await main(['get', url(), never, '--checksum-file', wrong], bad.cli), 1)
    assert.match(
      bad.text(),
      new RegExp(
        `failed sha256 verification: expected ${other}, got ${sha256} \\(--checksum-file .*WRONGSUMS\\)`,
      ),
    )
    assert.equal(existsSync(never), false)
  })

  it('--checksum-file without a line for the object, unreadable, or with --checksum: usage errors (exit 2) before any request', async () => {
    const before = server.oss.served.log.length
    const unrelated = join(dir, 'UNRELATED')
    await writeFile(unrelated, `${sha256}  something-else.iso\n`)
    const empty = join(dir, 'EMPTY')
    await writeFile(empty, 'no digests here\n')
    for (const [args, says] of [
      [['--checksum-file', unrelated], /has no line for "image\.iso" or "x\.iso"/],
      [['--checksum-file', empty], /has no line of digests/],
      [['--checksum-file', join(dir, 'missing')], /cannot be read \(ENOENT\)/],
      [
        ['--checksum-file', unrelated, '--checksum', `md5=${md5}`],
        /--checksum and --checksum-file cannot be combined/,
      ],
    ] as const) {
      const { cli, text } = real()
      assert.equal(await main(['get', url(), join(dir, 'x.iso'), ...args], cli), 2, text())
      assert.match(text(), says)
    }
    assert.equal(server.oss.served.log.length, before)
    assert.equal(existsSync(join(dir, 'x.iso')), false)
  })

  it('bad values, a batch and stdout are usage errors (exit 2) before any request', async () => {
    const before = server.oss.served.log.length
    for (const [args, says] of [
      [
        ['--checksum', 'sha256=abc'],
        /--checksum: a sha256 digest is 64 hexadecimal digits, got "abc"/,
      ],
      [['--checksum', `crc32=${'0'.repeat(8)}`], /is not <algorithm>=<hex digest>/],
      [['--checksum', sha256], /is not <algorithm>=<hex digest>/],
      [['--checksum', `md-5=${md5}`], /is not <algorithm>=<hex digest>/],
      [
        ['--checksum', `md5=${md5}`, '--checksum', `sha256=${sha256}`],
        /--checksum is given more than once/,
      ],
    ] as const) {
      const { cli, text } = real()
      assert.equal(await main(['get', url(), join(dir, 'never.iso'), ...args], cli), 2)
      assert.match(text(), says)
    }
    const stdout = real()
    assert.equal(await main(['get', url(), '-', '--checksum', `sha256=${sha256}`], stdout.cli), 2)
    assert.match(stdout.text(), /--checksum cannot be combined with - \(stdout\)/)
    const batch = real()
    const manifest = join(dir, 'm.txt')
    await writeFile(manifest, `${url()}\n`)
    assert.equal(
      await main(
        ['get', '--manifest', manifest, join(dir, 'b'), '--checksum', `md5=${md5}`],
        batch.cli,
      ),
      2,
    )
    assert.match(batch.text(), /--checksum applies to one object, not to a batch/)
    assert.equal(server.oss.served.log.length, before)
    assert.equal(existsSync(join(dir, 'never.iso')), false)
  })
})
