import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, describe, it } from 'node:test'
import { crc64, shardOf } from '@resumable/core'
import { BATCH_LOCK_NAME, BATCH_STAGING_NAME } from '@resumable/store-fs'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock, tree } from './helpers.ts'

const encoder = new TextEncoder()

let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-'))
})
after(() => stopSignedMock({ server, dir }))

const env = () => signedEnv()
const s3 = (...args: string[]) => ['get', ...args, '--endpoint', server.url]
const oss3 = (...args: string[]) => [
  'get',
  ...args,
  '--endpoint',
  server.url,
  '--region',
  'cn-hangzhou',
]

function put(bucket: string, key: string, text = key): void {
  oss.putObject(bucket, key, { bytes: encoder.encode(text) })
}

/** The next listing's second request is refused (403 AccessDenied); returns the rule's remover. */
function refuseSecondListingPage(): () => void {
  // A listing request has no key.
  return oss.faults.add({
    match: { method: 'GET', key: '' },
    skip: 1,
    times: 1,
    fault: { type: 'status', status: 403, code: 'AccessDenied' },
  })
}

/** A batch lock whose owner process has exited. */
function staleLock(): string {
  const pid = Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString(),
  )
  return JSON.stringify({ pid, host: hostname(), startedAt: 'earlier' })
}

describe('resumable get --recursive', () => {
  it('downloads a prefix (s3://b/logs without a slash means logs/), byte-identical, exit 0; a rerun requests no object again', async () => {
    for (const key of ['logs/a.txt', 'logs/sub/b.txt', 'logs2/not-me.txt', 'other/x'])
      put('b1', key)
    const dest = join(dir, 'recursive')
    const { cli, text } = env()
    assert.equal(await main(s3('s3://b1/logs', dest, '--recursive'), cli), 0, text())
    assert.deepEqual(await tree(dest), ['.resumable-batch.journal', 'a.txt', 'sub/b.txt'])
    assert.equal(await readFile(join(dest, 'sub/b.txt'), 'utf8'), 'logs/sub/b.txt')
    // Object requests (a listing has no key): small objects are fetched by one GET without Range.
    const objectRequests = () => oss.served.log.filter((r) => r.key !== '').length
    const requests = objectRequests()
    const again = env()
    assert.equal(await main(s3('s3://b1/logs/', dest, '--recursive'), again.cli), 0, again.text())
    assert.equal(objectRequests(), requests)
    assert.match(again.text(), /0 downloaded, 2 skipped \(2 done\)/)
  })

  it("another batch into the same directory keeps the first one's finished objects: neither it nor the first command's rerun fetches them again", async () => {
    for (const key of ['ds/a.bin', 'ds/b.bin', 'ds/c.bin']) put('b-two', key)
    const dest = join(dir, 'two-batches')
    const objectRequests = () => oss.served.log.filter((r) => r.key !== '').length
    const first = env()
    assert.equal(await main(s3('s3://b-two/ds/', dest, '--recursive'), first.cli), 0, first.text())
    const fetched = objectRequests()
    // A shard is another batch (its own journal id), over the same keys and paths.
    const shard = env()
    const sharded = s3('s3://b-two/ds/', dest, '--recursive', '--shard', '0/1')
    assert.equal(await main(sharded, shard.cli), 0, shard.text())
    assert.match(shard.text(), /journal of another batch .*3 finished object/)
    assert.match(shard.text(), /0 downloaded, 3 skipped \(3 done\)/)
    const rerun = env()
    assert.equal(await main(s3('s3://b-two/ds', dest, '--recursive'), rerun.cli), 0, rerun.text())
    assert.match(rerun.text(), /0 downloaded, 3 skipped \(3 done\)/)
    assert.equal(objectRequests(), fetched, 'no object requested again')
  })

  it('--limit-rate caps the whole batch, not each object: 8 × 64 KiB at 256 KiB/s take about 2 s', async () => {
    for (let i = 0; i < 8; i++)
      oss.putObject('rate', `r/${i}.bin`, { generated: { size: 64 * 1024, seed: 40 + i } })
    const dest = join(dir, 'rate')
    const { cli, text } = env()
    const started = performance.now()
    const code = await main(
      s3('s3://rate/r/', dest, '--recursive', '--limit-rate', '256KiB/s'),
      cli,
    )
    const ms = performance.now() - started
    assert.equal(code, 0, text())
    assert.equal((await readdir(dest)).filter((f) => f.endsWith('.bin')).length, 8)
    // Per object, the eight would run side by side in a quarter of a second.
    assert.ok(ms >= 1500, `512 KiB under a 256 KiB/s batch cap took ${ms.toFixed(0)} ms`)
  })

  for (const mode of ['s3', 'oss'] as const) {
    it(`${mode}: a small listed object costs one signed GET (no HEAD), verified; a big one a HEAD and ranged GETs`, async () => {
      const bucket = `one-${mode}`
      const crcs = new Map<string, bigint | undefined>()
      for (let i = 0; i < 12; i++) {
        const o = oss.putObject(bucket, `p/${i}.bin`, { generated: { size: 5000 + i, seed: i } })
        crcs.set(`${i}.bin`, o.crc64)
      }
      const big = oss.putObject(bucket, 'p/big.bin', {
        generated: { size: 3 * 1024 * 1024, seed: 99 },
      })
      crcs.set('big.bin', big.crc64)
      const dest = join(dir, `one-request-${mode}`)
      const before = oss.served.log.length
      const { cli, text } = env()
      const args = [`${mode}://${bucket}/p/`, dest, '--recursive', '--part-size', '1MiB']
      assert.equal(await main(mode === 's3' ? s3(...args) : oss3(...args), cli), 0, text())
      const log = oss.served.log.slice(before).filter((r) => r.key !== '')
      for (let i = 0; i < 12; i++) {
        const requests = log.filter((r) => r.key === `p/${i}.bin`)
        assert.deepEqual(
          requests.map((r) => [r.method, r.range, r.status]),
          [['GET', null, 200]],
          `p/${i}.bin`,
        )
        assert.ok(requests[0]?.headers['if-match'], 'If-Match the listed ETag')
      }
      const bigRequests = log.filter((r) => r.key === 'p/big.bin').map((r) => r.method)
      assert.deepEqual(bigRequests, ['HEAD', 'GET', 'GET', 'GET'])
      for (const [name, crc] of crcs)
        assert.equal(crc64('crc64xz', new Uint8Array(await readFile(join(dest, name)))), crc, name)
    })
  }

  it('applies --include/--exclude in order, the last match winning (aws-cli rules), in OSS mode', async () => {
    for (const key of ['d/x.parquet', 'd/tmp/y.parquet', 'd/z.csv', 'd/tmp/keep.parquet'])
      put('bkt2', key)
    const dest = join(dir, 'filters')
    const { cli, text } = env()
    const args = oss3('oss://bkt2/d/', dest, '--recursive', '--transport', 'fetch')
    args.push(
      '--exclude',
      '*',
      '--include',
      '*.parquet',
      '--exclude',
      'tmp/*',
      '--include',
      'tmp/keep*',
    )
    assert.equal(await main(args, cli), 0, text())
    assert.deepEqual(
      (await tree(dest)).filter((p) => !p.startsWith('.')),
      ['tmp/keep.parquet', 'x.parquet'],
    )
  })

  it('keeps only what an --include names when no filter matches a key: --include alone, and --include then --exclude', async () => {
    for (const key of ['d/x.parquet', 'd/tmp/y.parquet', 'd/z.csv', 'd/sub/w.parquet'])
      put('bkt5', key)
    const fetched = async (name: string, ...filters: string[]): Promise<string[]> => {
      const dest = join(dir, name)
      const { cli, text } = env()
      const args = s3('s3://bkt5/d/', dest, '--recursive', ...filters)
      assert.equal(await main(args, cli), 0, text())
      return (await tree(dest)).filter((p) => !p.startsWith('.'))
    }
    assert.deepEqual(await fetched('include-only', '--include', '*.csv'), ['z.csv'])
    assert.deepEqual(
      await fetched('include-then-exclude', '--include', '*.parquet', '--exclude', 'tmp/*'),
      ['sub/w.parquet', 'x.parquet'],
    )
    // With only excludes, a key none matches is still fetched.
    assert.deepEqual(await fetched('exclude-only', '--exclude', '*.parquet'), ['z.csv'])
  })

  it('--dry-run lists what would be fetched and where, and touches nothing', async () => {
    put('b3', 'p/one.bin')
    put('b3', 'p/../evil')
    const dest = join(dir, 'dry')
    const { cli, out } = env()
    const code = await main(s3('s3://b3/p/', dest, '--recursive', '--dry-run', '--json'), cli)
    const events = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.deepEqual(
      events.map((e) => e.type),
      ['would-fetch', 'would-refuse', 'dry-run-done'].sort(
        (a, b) => events.findIndex((e) => e.type === a) - events.findIndex((e) => e.type === b),
      ),
    )
    assert.equal(events.find((e) => e.type === 'would-fetch').destination, join(dest, 'one.bin'))
    assert.equal(code, 1)
    assert.equal(existsSync(dest), false)
  })

  it('--shard i/N splits the keys with no overlap and nothing missing', async () => {
    for (let i = 0; i < 40; i++) put('b4', `s/${i}.txt`)
    const got: string[] = []
    for (let index = 0; index < 3; index++) {
      const dest = join(dir, `shard-${index}`)
      const { cli, text } = env()
      assert.equal(
        await main(s3('s3://b4/s/', dest, '--recursive', '--shard', `${index}/3`), cli),
        0,
        text(),
      )
      got.push(...(await tree(dest)).filter((p) => !p.startsWith('.')))
    }
    assert.equal(got.length, 40)
    assert.equal(new Set(got).size, 40)
  })

  it('--shard auto/N reads JOB_COMPLETION_INDEX, and refuses without it (exit 2)', async () => {
    const { cli, text } = env()
    assert.equal(
      await main(s3('s3://b4/s/', join(dir, 'auto'), '--recursive', '--shard', 'auto/3'), cli),
      2,
    )
    assert.match(text(), /JOB_COMPLETION_INDEX/)
    const withIndex = signedEnv({ JOB_COMPLETION_INDEX: '1' })
    assert.equal(
      await main(
        s3('s3://b4/s/', join(dir, 'auto'), '--recursive', '--shard', 'auto/3'),
        withIndex.cli,
      ),
      0,
    )
  })

  it('never overwrites an existing file unless asked; --skip-existing skips same content, --update replaces a different size', async () => {
    put('b5', 'e/same.txt', 'same')
    put('b5', 'e/diff.txt', 'the store version')
    const dest = join(dir, 'existing')
    const { mkdir } = await import('node:fs/promises')
    await mkdir(dest)
    await writeFile(join(dest, 'same.txt'), 'same')
    await writeFile(join(dest, 'diff.txt'), 'mine')
    const plain = env()
    assert.equal(await main(s3('s3://b5/e/', dest, '--recursive'), plain.cli), 1)
    assert.match(plain.text(), /exists/)
    assert.equal(await readFile(join(dest, 'diff.txt'), 'utf8'), 'mine')
    await rm(join(dest, '.resumable-batch.journal'))
    const skip = env()
    assert.equal(await main(s3('s3://b5/e/', dest, '--recursive', '--skip-existing'), skip.cli), 1)
    assert.match(skip.text(), /1 skipped \(1 same-content\)/)
    assert.equal(await readFile(join(dest, 'diff.txt'), 'utf8'), 'mine')
    const update = env()
    assert.equal(
      await main(s3('s3://b5/e/', dest, '--recursive', '--update'), update.cli),
      0,
      update.text(),
    )
    assert.equal(await readFile(join(dest, 'diff.txt'), 'utf8'), 'the store version')
  })

  it('a listing refused at its second page: the first page’s objects are downloaded, the summary names the listing failure with its Code and RequestId (exit 1); a rerun lists again and requests none of them', async () => {
    for (let i = 0; i < 1003; i++) put('b8', `lf/${String(i).padStart(4, '0')}.txt`)
    const remove = refuseSecondListingPage()
    const dest = join(dir, 'listing-refused')
    const first = env()
    try {
      assert.equal(await main(s3('s3://b8/lf/', dest, '--recursive', '--json'), first.cli), 1)
    } finally {
      remove()
    }
    const events = first.out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const done = events.find((e) => e.type === 'batch-done')
    assert.equal(done.downloaded, 1000)
    assert.equal(done.failed, 0)
    assert.equal(done.listingFailure.afterKey, 'lf/0999.txt')
    assert.equal(done.listingFailure.kind, 'forbidden')
    assert.equal(done.listingFailure.code, 'AccessDenied')
    assert.ok(done.listingFailure.requestId)
    assert.ok(events.some((e) => e.type === 'listing-failed'))
    assert.equal(existsSync(join(dest, '0999.txt')), true)
    assert.equal(existsSync(join(dest, '1000.txt')), false)

    const logFrom = oss.served.log.length
    const again = env()
    assert.equal(await main(s3('s3://b8/lf/', dest, '--recursive'), again.cli), 0, again.text())
    const fetched = oss.served.log.slice(logFrom).filter((r) => r.key !== '')
    assert.deepEqual(
      fetched.map((r) => r.key),
      ['lf/1000.txt', 'lf/1001.txt', 'lf/1002.txt'],
    )
  })

  it('a listing refused at its second page, said in words: the summary line names the last key listed', async () => {
    for (let i = 0; i < 1001; i++) put('b9', `lw/${String(i).padStart(4, '0')}.txt`)
    const remove = refuseSecondListingPage()
    const run = env()
    try {
      assert.equal(
        await main(s3('s3://b9/lw/', join(dir, 'listing-words'), '--recursive'), run.cli),
        1,
      )
    } finally {
      remove()
    }
    assert.match(
      run.text(),
      /the listing failed after "lw\/0999\.txt": forbidden — .+; the objects after it were not listed: run again to continue/,
    )
  })

  it('a listing that changes mid-batch: the overwritten object arrives whole in its new version, the deleted one fails by name, the summary says so (exit 1)', async () => {
    const big = { generated: { size: 3 * 1024 * 1024, seed: 1 } }
    oss.putObject('b6', 'm/0-first.txt', { bytes: encoder.encode('first') })
    oss.putObject('b6', 'm/1-big.bin', big)
    put('b6', 'm/2-overwritten.txt', 'old')
    put('b6', 'm/3-deleted.txt')
    let changed = false
    // Small objects are fetched by one GET each (no HEAD): the listing changes at the first one,
    // so the overwritten object's GET, If-Match its listed ETag, meets a 412 and is fetched anew.
    oss.faults.add({
      match: { method: 'GET', key: 'm/0-first.txt' },
      times: 1,
      fault: {
        type: 'mutate',
        mutate: () => {
          changed = true
          oss.putObject('b6', 'm/2-overwritten.txt', { bytes: encoder.encode('new version') })
          oss.deleteObject('b6', 'm/3-deleted.txt')
          put('b6', 'm/4-added.txt')
        },
      },
    })
    // The big object is replaced between its parts: If-Match refuses the mix, the engine restarts.
    const replaced = oss.putObject('b6', 'scratch', {
      generated: { size: 3 * 1024 * 1024, seed: 2 },
    })
    oss.faults.add({
      match: { method: 'GET', key: 'm/1-big.bin', ranged: true },
      skip: 1,
      times: 1,
      fault: { type: 'replace', object: { generated: { size: 3 * 1024 * 1024, seed: 2 } } },
    })
    const dest = join(dir, 'changing')
    const { cli, out } = env()
    const code = await main(
      s3('s3://b6/m/', dest, '--recursive', '--concurrency', '1', '--part-size', '1MiB', '--json'),
      cli,
    )
    assert.ok(changed)
    const events = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const done = events.find((e) => e.type === 'batch-done')
    assert.equal(code, 1)
    assert.deepEqual(
      done.failures.map((f: { key: string; kind: string; code: string }) => [
        f.key,
        f.kind,
        f.code,
      ]),
      [['m/3-deleted.txt', 'not-found', 'NoSuchKey']],
    )
    assert.ok(done.failures[0].requestId)
    assert.deepEqual(done.changedSinceListing.sort(), ['m/1-big.bin', 'm/2-overwritten.txt'])
    assert.equal(await readFile(join(dest, '2-overwritten.txt'), 'utf8'), 'new version')
    const bytes = new Uint8Array(await readFile(join(dest, '1-big.bin')))
    assert.equal(crc64('crc64xz', bytes), replaced.crc64)
    assert.equal(existsSync(join(dest, '4-added.txt')), false)
  })
})

describe('resumable get --manifest', () => {
  it('reads plain and NDJSON lines, refuses a destination escaping the directory by name (exit 1), fetches the rest', async () => {
    put('b7', 'k/one.txt', 'one')
    put('b7', 'k/two.txt', 'two')
    const manifest = join(dir, 'objects.txt')
    await writeFile(
      manifest,
      [
        '# a comment',
        `s3://b7/k/one.txt`,
        JSON.stringify({ source: 's3://b7/k/two.txt', dest: 'renamed/2.txt' }),
        JSON.stringify({ source: 's3://b7/k/two.txt', dest: '../escape.txt' }),
        '',
      ].join('\n'),
    )
    const dest = join(dir, 'manifest')
    const { cli, text } = env()
    assert.equal(await main(s3('--manifest', manifest, dest), cli), 1)
    assert.match(text(), /"\.\.\/escape\.txt".*unsafe-key|\.\.\/escape\.txt.*dot-segment|escape/)
    assert.deepEqual(
      (await tree(dest)).filter((p) => !p.startsWith('.')),
      ['k/one.txt', 'renamed/2.txt'],
    )
    assert.equal(existsSync(join(dir, 'escape.txt')), false)
  })
})

describe('resumable status / cancel <batch dir>', () => {
  it('status counts the journal and the partial files; cancel removes them and the journal, never a completed file', async () => {
    put('b8', 'c/done.txt', 'done')
    const dest = join(dir, 'status')
    assert.equal(await main(s3('s3://b8/c/', dest, '--recursive'), env().cli), 0)
    // What a batch killed mid-object leaves: a partial file and its lock (a checkpoint too once
    // a part was durable): the lock is the evidence that the partial file is resumable's.
    await writeFile(join(dest, 'half.bin.resumable-part'), 'half')
    await writeFile(join(dest, 'half.bin.resumable.lock'), staleLock())
    const status = env()
    assert.equal(await main(['status', dest, '--json'], status.cli), 0)
    const state = JSON.parse(status.out.join(''))
    assert.equal(state.state, 'in-progress')
    assert.equal(state.objectsDone, 1)
    assert.equal(state.objectsInProgress, 1)
    const cancel = env()
    // And what a batch killed mid-run leaves in its own corner: a stale lock, a staging file.
    await writeFile(join(dest, BATCH_LOCK_NAME), staleLock())
    await mkdir(join(dest, BATCH_STAGING_NAME))
    await writeFile(join(dest, BATCH_STAGING_NAME, '0.part'), 'small object, half')
    const staged = env()
    assert.equal(await main(['status', dest, '--json'], staged.cli), 0)
    assert.equal(JSON.parse(staged.out.join('')).objectsStaged, 1)
    const stagedText = env()
    assert.equal(await main(['status', dest], stagedText.cli), 0)
    assert.match(
      stagedText.text(),
      /in progress: 1 object\(s\) with a partial file or checkpoint, and 1 small one\(s\) a run left half-fetched \(fetched again next run\)/,
    )
    assert.equal(await main(['cancel', dest], cancel.cli), 0, cancel.text())
    assert.deepEqual(await tree(dest), ['done.txt'])
    assert.deepEqual(await readdir(dest), ['done.txt'], 'no staging directory left')
    // The journal is gone: the directory is no longer a batch, and is not a file either.
    assert.notEqual(await main(['cancel', dest], env().cli), 0)
  })
})

describe('resumable status <batch dir> after shards ran one after another into it', () => {
  it('counts every shard journal’s objects as done, each shard’s apart, and a shard’s rerun requests none again', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `c/${i}.txt`)
    for (const key of keys) put('b8s', key)
    const ofShard = (index: number) => keys.filter((key) => shardOf(key, 2) === index).length
    assert.ok(ofShard(0) > 0 && ofShard(1) > 0, 'both shards have keys')
    const dest = join(dir, 'status-shards')
    for (const shard of ['0/2', '1/2'])
      assert.equal(
        await main(s3('s3://b8s/c/', dest, '--recursive', '--shard', shard), env().cli),
        0,
      )
    const status = env()
    assert.equal(await main(['status', dest, '--json'], status.cli), 0)
    const state = JSON.parse(status.out.join(''))
    assert.equal(state.batch, null, 'two batches: no single one')
    assert.deepEqual(
      state.batches.map((b: { journal: string; batch: string; objectsDone: number }) => [
        b.journal,
        b.batch.replace(/^.*#/, '#'),
        b.objectsDone,
      ]),
      [
        ['.resumable-batch.shard-0-of-2.journal', '#shard=0/2', ofShard(0)],
        ['.resumable-batch.shard-1-of-2.journal', '#shard=1/2', ofShard(1)],
      ],
    )
    assert.equal(state.objectsDone, keys.length)
    assert.equal(state.objectsDoneByOtherBatches, 0)
    // The first shard's rerun finds its objects done, and requests none of them again.
    const rerun = env()
    assert.equal(
      await main(s3('s3://b8s/c/', dest, '--recursive', '--shard', '0/2', '--json'), rerun.cli),
      0,
    )
    const done = JSON.parse(rerun.out.join('').trim().split('\n').at(-1) as string)
    assert.equal(done.type, 'batch-done')
    assert.equal(done.downloaded, 0)
    assert.equal(done.skipped.done, ofShard(0))
  })
})

describe('resumable status <batch dir> with one shard journal damaged', () => {
  it('names the damaged journal (exit 1, state unusable) and still counts the other shard’s', async () => {
    const keys = Array.from({ length: 8 }, (_, i) => `c/${i}.txt`)
    for (const key of keys) put('b8u', key)
    const dest = join(dir, 'status-unusable')
    for (const shard of ['0/2', '1/2'])
      assert.equal(
        await main(s3('s3://b8u/c/', dest, '--recursive', '--shard', shard), env().cli),
        0,
      )
    const damaged = join(dest, '.resumable-batch.shard-1-of-2.journal')
    const bytes = await readFile(damaged)
    // In the header line: a damaged last line alone would read as a torn append, not damage.
    bytes[30] = (bytes[30] as number) ^ 0x01
    await writeFile(damaged, bytes)
    const status = env()
    assert.equal(await main(['status', dest, '--json'], status.cli), 1)
    const state = JSON.parse(status.out.join(''))
    assert.equal(state.state, 'unusable')
    assert.deepEqual(
      state.unusable.map((u: { journal: string }) => u.journal),
      ['.resumable-batch.shard-1-of-2.journal'],
    )
    assert.deepEqual(
      state.batches.map((b: { journal: string; objectsDone: number }) => [
        b.journal,
        b.objectsDone,
      ]),
      [['.resumable-batch.shard-0-of-2.journal', keys.filter((k) => shardOf(k, 2) === 0).length]],
    )
    const text = env()
    assert.equal(await main(['status', dest], text.cli), 1)
    assert.match(text.text(), /unusable: +\.resumable-batch\.shard-1-of-2\.journal/)
    assert.match(
      text.text(),
      /a file already in place fails as exists unless the run is given --skip-existing \(kept when its size and CRC are the store's\), --update or --force/,
    )
  })
})

describe('a batch journal with one damaged record', () => {
  it('status counts the others and names the damage; a rerun keeps them, decides that object afresh, and --skip-existing recognises its file', async () => {
    const keys = ['c/0.txt', 'c/1.txt', 'c/2.txt']
    for (const key of keys) put('b8d', key)
    const dest = join(dir, 'damaged-record')
    assert.equal(await main(s3('s3://b8d/c/', dest, '--recursive'), env().cli), 0)
    // A rerun compacts the journal to the header and one done record per object.
    assert.equal(await main(s3('s3://b8d/c/', dest, '--recursive'), env().cli), 0)
    const file = join(dest, '.resumable-batch.journal')
    const bytes = await readFile(file)
    const lines = bytes.toString('utf8').split('\n')
    assert.equal(lines.length, 5, 'header, three records, the final newline')
    // Inside the second record's JSON, which a good record follows: damage, not a torn append.
    const at = Buffer.byteLength(`${lines[0]}\n${lines[1]}\n`) + 30
    bytes[at] = (bytes[at] as number) ^ 0x01
    await writeFile(file, bytes)
    const status = env()
    assert.equal(await main(['status', dest, '--json'], status.cli), 0)
    const state = JSON.parse(status.out.join(''))
    assert.equal(state.objectsDone, 2)
    assert.equal(state.batches[0].damagedRecords, 1)
    const text = env()
    assert.equal(await main(['status', dest], text.cli), 0)
    assert.match(
      text.text(),
      /damaged: +1 record\(s\) of \.resumable-batch\.journal fail their CRC/,
    )
    const rerun = env()
    assert.equal(await main(s3('s3://b8d/c/', dest, '--recursive', '--json'), rerun.cli), 1)
    const events = rerun.out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.deepEqual(
      events.filter((e) => e.type === 'journal-damaged'),
      [{ type: 'journal-damaged', records: 1 }],
    )
    const done = events.at(-1)
    assert.equal(done.type, 'batch-done')
    assert.equal(done.skipped.done, 2)
    assert.equal(done.failed, 1)
    const skip = env()
    assert.equal(
      await main(s3('s3://b8d/c/', dest, '--recursive', '--skip-existing', '--json'), skip.cli),
      0,
    )
    const last = JSON.parse(skip.out.join('').trim().split('\n').at(-1) as string)
    assert.equal(last.downloaded, 0)
    assert.equal(last.skipped['same-content'], 1)
  })
})

describe('resumable cancel <batch dir> after a kill during a checkpoint save', () => {
  it("removes the checkpoint's temporary copy (.<name>.resumable.json.tmp) with the partial file", async () => {
    put('b8t', 'c/done.txt', 'done')
    const dest = join(dir, 'cancel-tmp')
    assert.equal(await main(s3('s3://b8t/c/', dest, '--recursive'), env().cli), 0)
    await mkdir(join(dest, 'sub'))
    // The kill left the partial file, its stale lock and a save cut short.
    await writeFile(join(dest, 'sub', 'half.bin.resumable-part'), 'half')
    await writeFile(join(dest, 'sub', 'half.bin.resumable.lock'), staleLock())
    await writeFile(
      join(dest, 'sub', '.half.bin.resumable.json.tmp'),
      '{"format":"resumable-checkpoint","version":1,"crc64":"0123',
    )
    const status = env()
    assert.equal(await main(['status', dest, '--json'], status.cli), 0)
    assert.equal(JSON.parse(status.out.join('')).objectsInProgress, 1, 'one object, not two')
    const cancel = env()
    assert.equal(await main(['cancel', dest], cancel.cli), 0, cancel.text())
    assert.deepEqual(await tree(dest), ['done.txt'])
  })
})

describe('one batch process per directory', () => {
  it('a second batch into a directory a live batch holds exits 75 and touches nothing; status names it, cancel refuses', async () => {
    put('b9', 'd/one.txt', 'one')
    const dest = join(dir, 'held')
    assert.equal(await main(s3('s3://b9/d/', dest, '--recursive'), env().cli), 0)
    const before = await readFile(join(dest, '.resumable-batch.journal'))
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      stdio: 'ignore',
    })
    try {
      const pid = sleeper.pid as number
      await writeFile(
        join(dest, BATCH_LOCK_NAME),
        JSON.stringify({ pid, host: hostname(), startedAt: 'earlier' }),
      )
      const second = env()
      assert.equal(await main(s3('s3://b9/d/', dest, '--recursive'), second.cli), 75, second.text())
      assert.match(second.text(), new RegExp(`pid ${pid}`))
      assert.deepEqual(
        (await readdir(dest)).sort(),
        ['.resumable-batch.journal', BATCH_LOCK_NAME, 'one.txt'],
        'no staging directory',
      )
      assert.deepEqual(
        await readFile(join(dest, '.resumable-batch.journal')),
        before,
        'journal untouched',
      )
      const status = env()
      await main(['status', dest, '--json'], status.cli)
      assert.equal(JSON.parse(status.out.join('')).pid, pid, status.text())
      assert.equal(await main(['cancel', dest], env().cli), 75)
    } finally {
      // Reaped, not just signalled: a zombie still answers kill(pid, 0) as alive.
      const exited = new Promise((resolve) => sleeper.once('exit', resolve))
      sleeper.kill('SIGKILL')
      await exited
    }
    const after = env()
    assert.equal(await main(s3('s3://b9/d/', dest, '--recursive'), after.cli), 0, after.text())
    assert.deepEqual(
      (await readdir(dest)).sort(),
      ['.resumable-batch.journal', 'one.txt'],
      'the stale lock taken over and released, no staging directory left',
    )
  })
})
