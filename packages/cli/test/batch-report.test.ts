import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { BatchProgress } from '@resumable/core'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { batchProgressLine } from '../src/batch/batch-progress-line.ts'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

const encoder = new TextEncoder()

let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-report-'))
})
after(() => stopSignedMock({ server, dir }))

const env = () => signedEnv()
const get = (...args: string[]) => ['get', ...args, '--endpoint', server.url]

describe('a finished batch run again', () => {
  it('fetches a deleted file again and says so; the counts leave the folder marker out', async () => {
    for (const key of ['r/a.txt', 'r/b.txt'])
      oss.putObject('b', key, { bytes: encoder.encode(key) })
    oss.putObject('b', 'r/folder/', { bytes: new Uint8Array() })
    const dest = join(dir, 'restore')
    const first = env()
    assert.equal(await main(get('s3://b/r/', dest, '--recursive'), first.cli), 0, first.text())
    await rm(join(dest, 'a.txt'))
    const again = env()
    assert.equal(await main(get('s3://b/r/', dest, '--recursive'), again.cli), 0, again.text())
    assert.equal(await readFile(join(dest, 'a.txt'), 'utf8'), 'r/a.txt')
    assert.match(
      again.text(),
      /done: 1 downloaded, 1 skipped \(1 done\), 0 failed of 2 objects \(passed over: 1 directory-marker\)/,
    )
    assert.match(again.text(), /1 object\(s\) done by an earlier run were missing .*: r\/a\.txt/)
  })

  it('a file edited since is kept, and the failure names the flags that would replace it', async () => {
    oss.putObject('b', 'e/x.txt', { bytes: encoder.encode('from the store') })
    const dest = join(dir, 'edited')
    const first = env()
    assert.equal(await main(get('s3://b/e/', dest, '--recursive'), first.cli), 0, first.text())
    await writeFile(join(dest, 'x.txt'), 'edited by hand, longer')
    const again = env()
    assert.equal(await main(get('s3://b/e/', dest, '--recursive'), again.cli), 1)
    assert.match(
      again.text(),
      /exists — .*not overwritten \(--skip-existing, --update or --force\)/,
    )
    assert.equal(await readFile(join(dest, 'x.txt'), 'utf8'), 'edited by hand, longer')
  })
})

describe('what a batch prints where', () => {
  it('a dry run lists on stdout, also under --quiet, and says nothing on stderr', async () => {
    oss.putObject('b', 'd/one.txt', { bytes: encoder.encode('one') })
    for (const quiet of [[], ['--quiet']]) {
      const { cli, out, err } = env()
      const args = get('s3://b/d/', join(dir, 'dry'), '--recursive', '--dry-run', ...quiet)
      assert.equal(await main(args, cli), 0)
      assert.match(out.join(''), /would fetch s3:\/\/b\/d\/one\.txt → .*one\.txt \(3 B\)/)
      assert.match(out.join(''), /dry run: 1 object\(s\), 3 B would be fetched/)
      assert.deepEqual(err, [])
    }
  })

  it('under --quiet each failure is printed once', async () => {
    oss.putObject('b', 'q/x.txt', { bytes: encoder.encode('x') })
    const dest = join(dir, 'quiet')
    const first = env()
    assert.equal(await main(get('s3://b/q/', dest, '--recursive'), first.cli), 0)
    await writeFile(join(dest, 'x.txt'), 'changed by hand')
    const again = env()
    assert.equal(await main(get('s3://b/q/', dest, '--recursive', '--quiet'), again.cli), 1)
    assert.equal(again.text().split('failed: "q/x.txt"').length - 1, 1, again.text())
  })
})

describe('a batch that finds nothing leaves nothing', () => {
  it('a failed listing or an empty prefix removes the directory the run created, and keeps one that existed', async () => {
    oss.putObject('b', 'one/object.txt', { bytes: encoder.encode('x') })
    const noBucket = join(dir, 'made-for-no-bucket')
    const failed = env()
    assert.equal(await main(get('s3://no-such-bucket/p/', noBucket, '--recursive'), failed.cli), 1)
    assert.equal(existsSync(noBucket), false, failed.text())

    const onKey = join(dir, 'made-for-a-key')
    const empty = env()
    const args = get('s3://b/one/object.txt', onKey, '--recursive')
    assert.equal(await main(args, empty.cli), 0)
    assert.match(
      empty.text(),
      /no object under s3:\/\/b\/one\/object\.txt\/ .*leave out --recursive/,
    )
    assert.equal(existsSync(onKey), false)

    const existing = join(dir, 'existing')
    await mkdir(existing)
    assert.equal(await main(get('s3://no-such-bucket/p/', existing, '--recursive'), env().cli), 1)
    assert.equal(existsSync(existing), true)
  })
})

describe('the batch progress line with sizes a manifest does not give', () => {
  const progress = (over: Partial<BatchProgress>): BatchProgress => ({
    objectsTotal: 7,
    listingDone: true,
    objectsDone: 7,
    objectsDownloaded: 7,
    objectsSkipped: 0,
    failures: 0,
    objectsInFlight: 0,
    bytesDone: 1_667_236,
    bytesTotal: 0,
    sizesUnknown: 7,
    bytesPerSecond: 0,
    etaSeconds: undefined,
    ...over,
  })

  it('shows the bytes done alone when no size is known, not "/ 0 B"', () => {
    const line = batchProgressLine(progress({}), 200)
    assert.match(line, /^7\/7 objects {2}1\.59 MiB {2}ETA --/)
    assert.doesNotMatch(line, /\/ 0 B/)
  })

  it('marks the total as a lower bound when some sizes are unknown', () => {
    const line = batchProgressLine(progress({ sizesUnknown: 2, bytesTotal: 1_000_000 }), 200)
    assert.match(line, /1\.59 MiB \/ 977 KiB\+/)
  })
})
