import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { BatchProgress, ExistsRemedy } from '@resumable/core'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { batchProgressLine } from '../src/batch/batch-progress-line.ts'
import { failureJson, failureText } from '../src/batch/batch-reporter.ts'
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

  it('a file edited since to another size is kept, and the failure names the flags that would replace it (not --skip-existing, which skips only a file of the same size)', async () => {
    oss.putObject('b', 'e/x.txt', { bytes: encoder.encode('from the store') })
    const dest = join(dir, 'edited')
    const first = env()
    assert.equal(await main(get('s3://b/e/', dest, '--recursive'), first.cli), 0, first.text())
    await writeFile(join(dest, 'x.txt'), 'edited by hand, longer')
    const again = env()
    assert.equal(await main(get('s3://b/e/', dest, '--recursive'), again.cli), 1)
    assert.match(
      again.text(),
      /exists — a file of another size .*not overwritten \(--update or --force\)/,
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

  it('filters that keep none of the objects under a prefix say so, with how many there were, not that the prefix is empty', async () => {
    for (const key of ['filtered/a.txt', 'filtered/b.txt', 'filtered/c.log'])
      oss.putObject('b', key, { bytes: encoder.encode(key) })
    const dest = join(dir, 'filtered-to-nothing')
    const run = env()
    const args = get('s3://b/filtered', dest, '--recursive', '--include', '*.csv')
    assert.equal(await main(args, run.cli), 0)
    assert.match(
      run.text(),
      /none of the 3 object\(s\) under s3:\/\/b\/filtered\/ is kept by --include\/--exclude/,
    )
    assert.doesNotMatch(run.text(), /no object under|leave out --recursive/)
    assert.equal(existsSync(dest), false)
  })

  it('removes the parents it made for a new nested directory too (mkdir -p), up to one that existed', async () => {
    oss.putObject('b', 'all-gone/x.txt', { bytes: encoder.encode('x') })
    oss.faults.add({
      match: { method: 'GET', key: 'all-gone/x.txt' },
      fault: { type: 'status', status: 404, code: 'NoSuchKey' },
    })
    const existing = join(dir, 'nested-parent')
    await mkdir(existing)
    for (const source of ['s3://no-such-bucket/p/', 's3://b/all-gone/']) {
      const { cli, text } = env()
      const dest = join(existing, 'new', 'deeper', 'dir')
      assert.equal(await main(get(source, dest, '--recursive'), cli), 1, text())
      assert.equal(existsSync(join(existing, 'new')), false, `${source}: new/ removed`)
      assert.equal(existsSync(existing), true)
    }
  })

  for (const failFast of [[], ['--fail-fast']]) {
    it(`an object that fails leaves none of the directories made for it; a successful sibling's stay, and so does an empty one that existed${failFast.length ? ' (--fail-fast)' : ''}`, async () => {
      const bucket = `dirs${failFast.length}`
      for (const key of ['t/ok/sub/a.txt', 't/deep/er/x', 't/pre/new/y'])
        oss.putObject(bucket, key, { bytes: encoder.encode(key) })
      // Listed, then deleted before its GET: its directories are made before the 404.
      for (const key of ['t/deep/er/x', 't/pre/new/y'])
        oss.faults.add({
          match: { method: 'GET', key },
          fault: { type: 'status', status: 404, code: 'NoSuchKey' },
        })
      const dest = join(dir, `dirs-of-failures${failFast.length}`)
      await mkdir(join(dest, 'pre'), { recursive: true })
      await mkdir(join(dest, 'empty-before'))
      const { cli, text } = env()
      const args = get(`s3://${bucket}/t/`, dest, '-r', '--concurrency', '1', ...failFast)
      assert.equal(await main(args, cli), 1, text())
      assert.match(text(), /deep\/er\/x.*not-found/)
      assert.equal(existsSync(join(dest, 'deep')), false, 'deep/ removed')
      assert.equal(existsSync(join(dest, 'pre/new')), false, 'pre/new/ removed')
      assert.equal(existsSync(join(dest, 'pre')), true, 'pre/ existed before: kept')
      assert.equal(existsSync(join(dest, 'empty-before')), true)
      if (failFast.length === 0)
        assert.equal(await readFile(join(dest, 'ok/sub/a.txt'), 'utf8'), 't/ok/sub/a.txt')
    })
  }
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

/** The lines a run wrote, with a terminal's progress redraws (`\r\x1b[2K`) split apart. */
const lines = (text: string): string[] =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's escape is the separator
  text.split(/\r\u001b\[2K|\n/).filter(Boolean)

// Characters a terminal acts on or reorders: DEL, C1 (U+009B is CSI), bidi embeddings and isolates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

describe('a glob that cannot be compiled', () => {
  it('is a usage error before any listing (exit 2, naming the pattern); --json ends in an error event', async () => {
    oss.putObject('b', 'gl/a.txt', { bytes: encoder.encode('a') })
    const requests = oss.served.log.length
    for (const [flag, pattern] of [
      ['--include', '[z-a]'],
      ['--exclude', '*[b-a]*'],
    ] as const) {
      for (const extra of [[], ['--dry-run'], ['--json'], ['--dry-run', '--json']]) {
        const dest = join(dir, 'bad-glob')
        const { cli, out, err } = env()
        let code: number | string
        try {
          code = await main(get('s3://b/gl/', dest, '-r', flag, pattern, ...extra), cli)
        } catch (error) {
          code = `threw ${String(error)}`
        }
        assert.equal(code, 2, `${flag} ${pattern} ${extra.join(' ')}`)
        if (extra.includes('--json')) {
          const events = out.join('').trim().split('\n')
          const last = JSON.parse(events[events.length - 1] as string)
          assert.equal(last.type, 'error')
          assert.equal(last.kind, 'usage')
          assert.equal(last.exitCode, 2)
          assert.ok(last.message.includes(`${flag}: `), last.message)
          assert.ok(last.message.includes(JSON.stringify(pattern)), last.message)
        } else {
          assert.match(
            err.join(''),
            /^usage error: --(include|exclude): the range .* is out of order/,
          )
          assert.ok(err.join('').includes(JSON.stringify(pattern)), err.join(''))
        }
        assert.equal(existsSync(dest), false)
      }
    }
    assert.equal(oss.served.log.length, requests, 'nothing was listed')
  })

  it('[!] is literal text, as in fnmatch, not "any one character"', async () => {
    for (const key of ['lit/[!]', 'lit/x', 'lit/]'])
      oss.putObject('b', key, { bytes: encoder.encode(key) })
    const { cli, out } = env()
    const args = get('s3://b/lit/', join(dir, 'lit'), '-r', '--include', '[!]', '--dry-run')
    assert.equal(await main(args, cli), 0)
    const fetched = out.join('').match(/would fetch \S+/g)
    assert.deepEqual(fetched, ['would fetch s3://b/lit/[!]'])
  })
})

describe('control characters of a key on a terminal', () => {
  const keys = ['cc/del\u007f', 'cc/csi\u009b31m', 'cc/nel\u0085']
  before(() => {
    for (const key of keys) oss.putObject('b', key, { bytes: encoder.encode('x') })
    oss.putObject('b', 'cc/rlo\u202etxt.exe', { bytes: encoder.encode('x') })
  })

  it('DEL, C1 and bidi controls are escaped (\\u007f) in failed lines and the summary', async () => {
    const { cli, err } = env()
    assert.equal(await main(get('s3://b/cc/', join(dir, 'cc'), '-r'), cli), 1)
    const text = err.join('')
    assert.doesNotMatch(text, RAW_CONTROL, JSON.stringify(text))
    assert.match(text, /failed: "cc\/del\\u007f": unsafe-key/)
    assert.match(text, /failed: "cc\/csi\\u009b31m": unsafe-key/)
    assert.match(text, /failed: "cc\/nel\\u0085": unsafe-key/)
  })

  it('and in a dry run: would refuse "…\\u007f", would fetch …\\u202e…', async () => {
    const { cli, out } = env()
    assert.equal(await main(get('s3://b/cc/', join(dir, 'cc-dry'), '-r', '--dry-run'), cli), 1)
    const text = out.join('')
    assert.doesNotMatch(text, RAW_CONTROL, JSON.stringify(text))
    assert.match(text, /would refuse "cc\/del\\u007f": /)
    assert.match(text, /would refuse "cc\/csi\\u009b31m": /)
    assert.match(text, /would fetch s3:\/\/b\/cc\/rlo\\u202etxt\.exe → /)
  })

  it('--json escapes them too, and the keys read back the same', async () => {
    const { cli, out } = env()
    const args = get('s3://b/cc/', join(dir, 'cc-json'), '-r', '--dry-run', '--json')
    assert.equal(await main(args, cli), 1)
    const text = out.join('')
    assert.doesNotMatch(text, RAW_CONTROL, JSON.stringify(text))
    const refused = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((e) => e.type === 'would-refuse')
      .map((e) => e.key)
    assert.deepEqual(refused.sort(), [...keys].sort())
  })
})

describe('--shard auto/N with JOB_COMPLETION_INDEX set but not an index', () => {
  it('says what it holds (quoted, cut at 40 characters), not that it is missing (exit 2)', async () => {
    oss.putObject('b', 'sh/a.txt', { bytes: encoder.encode('a') })
    const long = '7'.repeat(30) + 'x'.repeat(70)
    for (const [value, shown] of [
      ['-1', '"-1"'],
      [' 2', '" 2"'],
      ['', '""'],
      ['1.5', '"1.5"'],
      [long, `"${long.slice(0, 40)}"… (100 characters)`],
    ] as const) {
      const { cli, text } = signedEnv({ JOB_COMPLETION_INDEX: value })
      const args = get('s3://b/sh/', join(dir, 'shard'), '-r', '--shard', 'auto/5')
      assert.equal(await main(args, cli), 2, text())
      assert.ok(text().includes(`JOB_COMPLETION_INDEX is ${shown}, not an index`), text())
      assert.doesNotMatch(text(), /in the environment/)
    }
    const unset = env()
    const args = get('s3://b/sh/', join(dir, 'shard'), '-r', '--shard', 'auto/5')
    assert.equal(await main(args, unset.cli), 2)
    assert.match(unset.text(), /needs JOB_COMPLETION_INDEX in the environment/)
  })
})

describe('an existing file: the hint names only flags that would help', () => {
  it('a file where a directory must go: not-a-directory, no flag, even without --force; move it', async () => {
    oss.putObject('b', 'fd/sub/f.txt', { bytes: encoder.encode('f') })
    const dest = join(dir, 'file-for-dir')
    await mkdir(dest)
    await writeFile(join(dest, 'sub'), 'a file')
    for (const flags of [['--force'], []]) {
      const { cli, text } = env()
      assert.equal(await main(get('s3://b/fd/', dest, '-r', ...flags), cli), 1)
      assert.match(
        text(),
        /not-a-directory — .*sub is a file, not a directory; move or rename it/,
        text(),
      )
      assert.doesNotMatch(text(), /--skip-existing|--update|--force/, text())
      await rm(join(dest, '.resumable-batch.journal'), { force: true })
    }
  })

  it('a directory where a file must go: is-directory, no flag, even with --force; move it (not "give a file path")', async () => {
    oss.putObject('b', 'dd/taken', { bytes: encoder.encode('t') })
    const dest = join(dir, 'dir-for-file')
    await mkdir(join(dest, 'taken'), { recursive: true })
    for (const flags of [['--force'], []]) {
      const { cli, text } = env()
      assert.equal(await main(get('s3://b/dd/', dest, '-r', ...flags), cli), 1)
      assert.match(text(), /is-directory — .*taken is a directory; move or rename it/, text())
      assert.doesNotMatch(text(), /give a file path|--skip-existing|--update|--force/, text())
      await rm(join(dest, '.resumable-batch.journal'), { force: true })
    }
  })

  it('--skip-existing given: --update or --force, not --skip-existing again', async () => {
    oss.putObject('b', 'se/x.txt', { bytes: encoder.encode('from the store') })
    const dest = join(dir, 'skip-given')
    await mkdir(dest)
    await writeFile(join(dest, 'x.txt'), 'mine, of another size')
    const { cli, text } = env()
    assert.equal(await main(get('s3://b/se/', dest, '-r', '--skip-existing'), cli), 1)
    assert.match(
      text(),
      /a file of another size is already at the destination; not overwritten \(--update or --force\)/,
    )
    assert.doesNotMatch(text(), /--skip-existing/, text())
  })
})

describe("a failure's store details", () => {
  const failure = {
    key: 'k',
    object: { key: 'k' },
    kind: 'not-found',
    code: 'NoSuchKey',
    requestId: '5C3D9175B6FC201293AD4890',
    error: undefined,
  }

  it('are said once: not repeated after a message that already names them', () => {
    const text = failureText({
      ...failure,
      message:
        'GET s3://b/k: the object does not exist (status 404, Code NoSuchKey, RequestId 5C3D9175B6FC201293AD4890)',
    })
    assert.equal(text.split('NoSuchKey').length, 2, text)
    assert.equal(text.split('5C3D9175B6FC201293AD4890').length, 2, text)
  })

  it('are added to a message that does not name them', () => {
    const text = failureText({ ...failure, message: 'the object changed during the download' })
    assert.match(text, /\[Code NoSuchKey, RequestId 5C3D9175B6FC201293AD4890\]$/)
  })
})

describe('the flags an exists failure names', () => {
  const core = 'a file is already at the destination; not overwritten'
  const text = (message: string, remedies?: readonly ExistsRemedy[]): string =>
    failureText({
      key: 'k',
      object: { key: 'k' },
      path: 'k',
      kind: 'exists',
      message,
      ...(remedies === undefined ? {} : { remedies }),
      error: undefined,
    })

  it("turns the failure's remedies into flags, in one order, in place of the library's note", () => {
    assert.match(
      text(`${core} (see skipExisting, update, overwrite)`, [
        'skipExisting',
        'update',
        'overwrite',
      ]),
      /not overwritten \(--skip-existing, --update or --force\)$/,
    )
    assert.match(
      text(`${core} (see overwrite, update)`, ['update', 'overwrite']),
      /not overwritten \(--update or --force\)$/,
    )
    assert.match(
      text('/d/k appeared while downloading; not overwritten (use overwrite)', ['overwrite']),
      /not overwritten \(--force\)$/,
    )
    // An option with no flag (a newer core's) is not turned into a wrong one.
    const unknown = ['somethingNew'] as unknown as ExistsRemedy[]
    assert.match(text(`${core} (see somethingNew)`, unknown), /not overwritten$/)
  })

  it('takes the flags from remedies, not from the words: none named, or other options named', () => {
    assert.match(
      text('/d/k already exists; not overwritten', ['update', 'overwrite']),
      /^"k" \(k\): exists — \/d\/k already exists; not overwritten \(--update or --force\)$/,
    )
    assert.match(
      text(`${core} (see skipExisting, update, overwrite)`, ['overwrite']),
      /not overwritten \(--force\)$/,
    )
    // No remedies (a target that sets none): no flag is guessed from the words.
    assert.match(text(`${core} (see overwrite)`), /not overwritten \(see overwrite\)$/)
  })

  it('--json: flags from remedies for an exists failure, null for any other', () => {
    const failure = { key: 'k', object: { key: 'k' }, path: 'k', message: 'm', error: undefined }
    assert.deepEqual(
      failureJson({ ...failure, kind: 'exists', remedies: ['update', 'overwrite'] }).flags,
      ['--update', '--force'],
    )
    assert.equal(failureJson({ ...failure, kind: 'not-found' }).flags, null)
  })
})

describe('the batch progress line at the end of a batch with failures', () => {
  it("ETA 0s once nothing is in flight (a refused key's bytes will not come), bytes and rate rounded", async () => {
    oss.putObject('b', 'eta/refused\u007f.bin', { generated: { size: 3 * 1024 * 1024, seed: 7 } })
    oss.putObject('b', 'eta/ok.txt', { bytes: encoder.encode('x'.repeat(58)) })
    const { cli, err } = env()
    const tty = { ...cli, io: { ...cli.io, isTTY: true, columns: 200 } }
    assert.equal(await main(get('s3://b/eta/', join(dir, 'eta'), '-r'), tty), 1)
    const all = lines(err.join(''))
    const end = all.findIndex((line) => line.startsWith('finished with failures'))
    const last = all[end - 1] as string
    assert.match(
      last,
      /^2\/2 objects {2}1 failed {2}58 B \/ 3\.00 MiB {2}ETA 0s {2}\d+(\.\d+)? [KM]?i?B\/s {2}0 in flight/,
    )
    for (const line of all) assert.doesNotMatch(line, /\d\.\d{3,}/, line)
  })
})
