import assert from 'node:assert/strict'
import { access, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

// --include/--exclude narrow what a run downloads, not what it lists: a key left out still claims
// its path, so whether a kept key collides never depends on the filters of the run.

const encoder = new TextEncoder()
let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-filter-collisions-'))
  // Listed in byte order: `Report.csv` before `report.csv`, `dir` before `dir/file`.
  for (const key of ['Report.csv', 'dir', 'dir/file', 'report.csv'])
    oss.putObject('d', `c/${key}`, { bytes: encoder.encode(`body of ${key}`) })
})
after(() => stopSignedMock({ server, dir }))

const get = (...args: string[]) => ['get', ...args, '--endpoint', server.url]
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )
const events = (out: string[]) =>
  out
    .join('')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

describe('--include and collisions', () => {
  it('keeping only the later side of a case pair and of a file/prefix pair refuses both, as without the filter', async () => {
    const dest = join(dir, 'later-side')
    const run = signedEnv()
    const code = await main(
      get(
        's3://d/c/',
        dest,
        '--recursive',
        '--include',
        'report.csv',
        '--include',
        'dir/*',
        '--json',
      ),
      run.cli,
    )
    assert.equal(code, 1)
    const failed = events(run.out).filter((e) => e.type === 'object-failed')
    assert.deepEqual(failed.map((e) => e.key).sort(), ['c/dir/file', 'c/report.csv'])
    assert.ok(failed.every((e) => e.kind === 'unsafe-key'))
    const done = events(run.out).find((e) => e.type === 'batch-done')
    assert.equal(done?.listed, 4)
    assert.equal(done?.objects, 2)
    assert.deepEqual(done?.skipped, { filtered: 2 })
    assert.equal(await exists(join(dest, 'report.csv')), false)
    assert.equal(await exists(join(dest, 'dir')), false)
  })

  it('--dry-run agrees: the kept later sides would be refused', async () => {
    const dry = signedEnv()
    const code = await main(
      get(
        's3://d/c/',
        join(dir, 'dry'),
        '--recursive',
        '--include',
        'report.csv',
        '--include',
        'dir/*',
        '--dry-run',
        '--json',
      ),
      dry.cli,
    )
    assert.equal(code, 1)
    const lines = events(dry.out)
    assert.deepEqual(
      lines
        .filter((e) => e.type === 'would-refuse')
        .map((e) => e.key)
        .sort(),
      ['c/dir/file', 'c/report.csv'],
    )
    assert.equal(lines.filter((e) => e.type === 'would-fetch').length, 0)
  })

  it('two runs into one directory with different --include never put Report.csv and report.csv both on disk', async () => {
    const dest = join(dir, 'two-runs')
    const first = signedEnv()
    assert.equal(
      await main(get('s3://d/c/', dest, '--recursive', '--include', 'Report.csv'), first.cli),
      0,
    )
    const second = signedEnv()
    assert.equal(
      await main(get('s3://d/c/', dest, '--recursive', '--include', 'report.csv'), second.cli),
      1,
    )
    assert.match(second.text(), /report\.csv.*differ only in case/)
    assert.equal(await exists(join(dest, 'Report.csv')), true)
    // A case-insensitive filesystem would find Report.csv at this name: ask the directory.
    assert.deepEqual(
      (await readdir(dest)).filter((n) => /^report\.csv$/i.test(n)),
      ['Report.csv'],
    )
  })

  it('keeping only the winning sides downloads them to the same paths as without the filter', async () => {
    const dest = join(dir, 'winners')
    const run = signedEnv()
    assert.equal(
      await main(
        get('s3://d/c/', dest, '--recursive', '--include', 'Report.csv', '--include', 'dir'),
        run.cli,
      ),
      0,
    )
    assert.equal(await exists(join(dest, 'Report.csv')), true)
    assert.equal(await exists(join(dest, 'dir')), true)
    assert.match(run.text(), /passed over: 2 filtered/)
  })
})
