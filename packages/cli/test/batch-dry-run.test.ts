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
  toCompare: 0,
  wouldRemoveUnlisted: [],
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

  it('says a file in the way fails as exists (exit 1), as the run then does; with --update or --force one of another size is replaced', async () => {
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
      ['--update', /replacing the file there/],
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

  it('with --skip-existing says a file of another size fails as exists and one of the same size is compared (skipped or failed), as the run then does', async () => {
    oss.putObject('d', 'skip/other.txt', { bytes: encoder.encode('longer object content') })
    oss.putObject('d', 'skip/same.txt', { bytes: encoder.encode('abcdefgh') })
    const dest = join(dir, 'skip-existing')
    await mkdir(dest)
    await writeFile(join(dest, 'other.txt'), 'short')
    await writeFile(join(dest, 'same.txt'), 'ABCDEFGH')
    const args = get('s3://d/skip/', dest, '--recursive', '--skip-existing')
    const dry = signedEnv()
    assert.equal(await main([...args, '--dry-run', '--json'], dry.cli), 1)
    const events = lines(dry.out)
    assert.deepEqual(
      events.filter((e) => e.type !== 'dry-run-done'),
      [
        {
          type: 'would-fail',
          key: 'skip/other.txt',
          destination: join(dest, 'other.txt'),
          kind: 'exists',
        },
        {
          type: 'would-skip',
          key: 'skip/same.txt',
          destination: join(dest, 'same.txt'),
          reason: 'same-content',
          otherwise: 'exists',
        },
      ],
    )
    assert.deepEqual(events.at(-1), dryRunDone({ wouldFail: 1, toCompare: 1 }))
    const human = signedEnv()
    assert.equal(await main([...args, '--dry-run'], human.cli), 1)
    assert.match(
      human.out.join(''),
      /would fail .*other\.txt: a file of another size is already there \(exists: --update or --force\)/,
    )
    assert.match(
      human.out.join(''),
      /would skip .*same\.txt if the file there is found to be the same \(--skip-existing\), else fail/,
    )
    assert.doesNotMatch(human.out.join(''), /would fetch/)
    const run = signedEnv()
    assert.equal(await main(args, run.cli), 1)
    assert.match(run.text(), /0 downloaded, 0 skipped, 2 failed/)
  })

  it("says a directory where the object's file goes fails as is-directory, with or without flags, as the run then does", async () => {
    oss.putObject('d', 'dir/adir', { bytes: encoder.encode('x') })
    const dest = join(dir, 'directory-there')
    await mkdir(join(dest, 'adir'), { recursive: true })
    for (const flags of [[], ['--skip-existing'], ['--update'], ['--force']]) {
      const dry = signedEnv()
      assert.equal(
        await main(
          get('s3://d/dir/', dest, '--recursive', '--dry-run', '--json', ...flags),
          dry.cli,
        ),
        1,
        flags.join(' '),
      )
      assert.deepEqual(lines(dry.out), [
        {
          type: 'would-fail',
          key: 'dir/adir',
          destination: join(dest, 'adir'),
          kind: 'is-directory',
        },
        dryRunDone({ wouldFail: 1 }),
      ])
    }
    const human = signedEnv()
    assert.equal(await main(get('s3://d/dir/', dest, '--recursive', '--dry-run'), human.cli), 1)
    assert.match(human.out.join(''), /would fail .*adir: a directory is there \(is-directory/)
    const run = signedEnv()
    assert.equal(await main(get('s3://d/dir/', dest, '--recursive', '--force'), run.cli), 1)
    assert.match(run.text(), /is-directory/)
  })

  it('refuses an out-of-range --part-size as a usage error naming the flag (exit 2), dry run or not, before any request', async () => {
    put('part/a.txt')
    for (const dry of [['--dry-run'], []]) {
      const requests = oss.served.log.length
      const env = signedEnv()
      const dest = join(dir, 'part-size')
      assert.equal(
        await main(get('s3://d/part/', dest, '--recursive', '--part-size', '1', ...dry), env.cli),
        2,
      )
      assert.match(
        env.text(),
        /usage error: --part-size must be between 100 KiB and 5\.00 GiB, got 1 B/,
      )
      assert.equal(oss.served.log.length, requests, 'no request')
      await assert.rejects(readdir(dest), 'no directory')
    }
  })
})
