import assert from 'node:assert/strict'
import { readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-remote-time-'))
})
after(() => stopSignedMock({ server, dir }))

const s3 = (...args: string[]) => ['get', ...args, '--endpoint', server.url]
const SECOND = 1000
/** A whole second: Last-Modified has no finer unit. */
const wholeSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND
const mtime = async (path: string) => (await stat(path)).mtimeMs

describe("files get the object's Last-Modified as their modification time", () => {
  it('one object in parts: the file has the store’s time; with --no-remote-time, the time it was written', async () => {
    const lastModified = new Date(Date.UTC(2015, 9, 21, 7, 28, 0))
    oss.putObject('times', 'big.bin', { generated: { size: 3 * 1024 * 1024 + 5 }, lastModified })
    const dest = join(dir, 'big.bin')
    const run = signedEnv()
    const args = s3('s3://times/big.bin', dest, '--part-size', '1MiB')
    assert.equal(await main(args, run.cli), 0, run.text())
    assert.equal(await mtime(dest), lastModified.getTime())

    const started = wholeSecond(Date.now())
    const own = signedEnv()
    assert.equal(await main([...args, '--force', '--no-remote-time'], own.cli), 0, own.text())
    assert.ok((await mtime(dest)) >= started)
  })

  it('a listing that gives milliseconds (MinIO, R2): --update counts the file, which has the whole second of Last-Modified, as up to date', async () => {
    const listed = new Date(Date.UTC(2024, 4, 1, 12, 34, 56, 789))
    oss.putObject('millis', 'm/a.txt', {
      bytes: new TextEncoder().encode('a'),
      lastModified: listed,
    })
    const dest = join(dir, 'millis')
    const first = signedEnv()
    assert.equal(await main(s3('s3://millis/m/', dest, '--recursive'), first.cli), 0, first.text())
    assert.equal(await mtime(join(dest, 'a.txt')), wholeSecond(listed.getTime()))
    // Without the journal (as after `cancel`), only the file's time can tell.
    await rm(join(dest, '.resumable-batch.journal'))
    const update = signedEnv()
    assert.equal(
      await main(s3('s3://millis/m/', dest, '--recursive', '--update'), update.cli),
      0,
      update.text(),
    )
    assert.match(update.text(), /0 downloaded, 1 skipped \(1 up-to-date\)/)
  })

  it('a batch whose store’s clock is an hour behind: --update replaces an object overwritten after the download, where the time of writing would have hidden it', async () => {
    const hourAgo = wholeSecond(Date.now() - 3600 * SECOND)
    for (const key of ['u/a.txt', 'u/b.txt'])
      oss.putObject('skewed', key, {
        bytes: new TextEncoder().encode(`first ${key}`),
        lastModified: new Date(hourAgo),
      })
    const dest = join(dir, 'skewed')
    const first = signedEnv()
    assert.equal(await main(s3('s3://skewed/u/', dest, '--recursive'), first.cli), 0, first.text())
    assert.equal(await mtime(join(dest, 'a.txt')), hourAgo)
    assert.equal(await mtime(join(dest, 'b.txt')), hourAgo)

    // Overwritten a minute later by the store's clock: still earlier than the download by ours.
    oss.putObject('skewed', 'u/a.txt', {
      bytes: new TextEncoder().encode('after u/a.txt'),
      lastModified: new Date(hourAgo + 60 * SECOND),
    })
    const update = signedEnv()
    assert.equal(
      await main(s3('s3://skewed/u/', dest, '--recursive', '--update'), update.cli),
      0,
      update.text(),
    )
    assert.equal(await readFile(join(dest, 'a.txt'), 'utf8'), 'after u/a.txt')
    assert.equal(await mtime(join(dest, 'a.txt')), hourAgo + 60 * SECOND)
    assert.equal(await readFile(join(dest, 'b.txt'), 'utf8'), 'first u/b.txt')
    assert.match(update.text(), /1 downloaded, 1 skipped/)
  })
})
