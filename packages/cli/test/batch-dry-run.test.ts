import assert from 'node:assert/strict'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { shardOf } from '@resumable/core'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

// A dry run says what the real run would do in the same directory: skip what the batch's journal
// has done, and fail (or compare, or replace) a file already in the way.

const encoder = new TextEncoder()
let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-dry-run-'))
})
after(() => stopSignedMock({ server, dir }))

const get = (...args: string[]) => ['get', ...args, '--endpoint', server.url]
const put = (key: string) => oss.putObject('d', key, { bytes: encoder.encode(`body of ${key}`) })
/** The last event of a dry run: these counts, the others 0. */
const dryRunDone = (counts: Record<string, number>) => ({
  type: 'dry-run-done',
  objects: 0,
  bytes: 0,
  sizesUnknown: 0,
  refused: 0,
  skipped: 0,
  wouldFail: 0,
  ...counts,
})
const lines = (out: string[]) =>
  out
    .join('')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

describe('--dry-run of a batch run before', () => {
  it('skips what the journal has done, fetches the rest, and touches nothing', async () => {
    for (const key of ['done/a.txt', 'done/b.txt']) put(key)
    const dest = join(dir, 'rerun')
    assert.equal(await main(get('s3://d/done/', dest, '--recursive'), signedEnv().cli), 0)
    put('done/c.txt')
    const before = await readdir(dest)
    const requests = oss.served.log.length
    const dry = signedEnv()
    assert.equal(await main(get('s3://d/done/', dest, '--recursive', '--dry-run'), dry.cli), 0)
    const text = dry.out.join('')
    assert.match(text, /would skip .*a\.txt \(done by an earlier run of this batch\)/)
    assert.match(text, /would skip .*b\.txt/)
    assert.match(text, /would fetch s3:\/\/d\/done\/c\.txt → .*c\.txt/)
    assert.match(
      text,
      /dry run: 1 object\(s\), \d+ B would be fetched; 2 skipped \(done earlier\); 0 refused/,
    )
    assert.deepEqual(await readdir(dest), before)
    assert.ok(
      oss.served.log.slice(requests).every((r) => r.method === 'GET' && r.key === ''),
      'the listing alone',
    )
    // The run itself does what the dry run said.
    const run = signedEnv()
    assert.equal(await main(get('s3://d/done/', dest, '--recursive'), run.cli), 0)
    assert.match(run.text(), /1 downloaded, 2 skipped/)
  })

  it('says a file in the way fails as exists (exit 1), as the run then does; with --skip-existing it is compared, with --force replaced', async () => {
    put('way/x.txt')
    const dest = join(dir, 'in-the-way')
    await mkdir(dest)
    await writeFile(join(dest, 'x.txt'), 'mine')
    const dry = signedEnv()
    assert.equal(
      await main(get('s3://d/way/', dest, '--recursive', '--dry-run', '--json'), dry.cli),
      1,
    )
    const events = lines(dry.out)
    assert.deepEqual(
      events.find((e) => e.type === 'would-fail'),
      { type: 'would-fail', key: 'way/x.txt', destination: join(dest, 'x.txt'), kind: 'exists' },
    )
    assert.deepEqual(
      events.find((e) => e.type === 'dry-run-done'),
      dryRunDone({ wouldFail: 1 }),
    )
    const run = signedEnv()
    assert.equal(await main(get('s3://d/way/', dest, '--recursive'), run.cli), 1)
    assert.match(run.text(), /exists/)
    for (const [flag, note] of [
      ['--skip-existing', /unless the file there is found to be the same/],
      ['--force', /replacing the file there/],
    ] as const) {
      const withFlag = signedEnv()
      assert.equal(
        await main(get('s3://d/way/', dest, '--recursive', '--dry-run', flag), withFlag.cli),
        0,
      )
      assert.match(withFlag.out.join(''), note)
    }
    assert.equal(await readFile(join(dest, 'x.txt'), 'utf8'), 'mine', 'untouched')
  })

  it('of a batch whose journal another batch into the same directory took over still skips what it finished', async () => {
    for (const key of ['first/a.txt', 'first/b.txt', 'second/c.txt']) put(key)
    const dest = join(dir, 'two-batches')
    assert.equal(await main(get('s3://d/first/', dest, '--recursive'), signedEnv().cli), 0)
    assert.equal(await main(get('s3://d/second/', dest, '--recursive'), signedEnv().cli), 0)
    const dry = signedEnv()
    assert.equal(
      await main(get('s3://d/first/', dest, '--recursive', '--dry-run', '--json'), dry.cli),
      0,
      dry.text(),
    )
    assert.deepEqual(
      lines(dry.out).find((e) => e.type === 'dry-run-done'),
      dryRunDone({ skipped: 2 }),
    )
    const run = signedEnv()
    assert.equal(await main(get('s3://d/first/', dest, '--recursive'), run.cli), 0)
    assert.match(run.text(), /0 downloaded, 2 skipped/)
  })

  it("of one shard reads that shard's journal", async () => {
    const keys = Array.from({ length: 8 }, (_, i) => `shard/k${i}.txt`)
    for (const key of keys) put(key)
    const dest = join(dir, 'shard')
    const shard = ['--shard', '1/2']
    assert.equal(
      await main(get('s3://d/shard/', dest, '--recursive', ...shard), signedEnv().cli),
      0,
    )
    const dry = signedEnv()
    assert.equal(
      await main(
        get('s3://d/shard/', dest, '--recursive', '--dry-run', '--json', ...shard),
        dry.cli,
      ),
      0,
    )
    const mine = keys.filter((key) => shardOf(key, 2) === 1).length
    assert.ok(mine > 0 && mine < keys.length)
    assert.deepEqual(
      lines(dry.out).find((e) => e.type === 'dry-run-done'),
      dryRunDone({ skipped: mine }),
    )
  })
})
