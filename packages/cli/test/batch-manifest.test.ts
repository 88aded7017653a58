import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ListedObject } from '@resumable/core'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { BatchReporter } from '../src/batch/batch-reporter.ts'
import type { BatchInput } from '../src/batch/batch-sources.ts'
import { dryRun } from '../src/batch/dry-run.ts'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

// What a manifest batch says about its objects: sizes it does not know, and the line of each refusal.

let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-manifest-'))
})
after(() => stopSignedMock({ server, dir }))

const encoder = new TextEncoder()
const get = (...args: string[]) => ['get', ...args, '--endpoint', server.url]
const jsonLines = (out: string[]): Record<string, unknown>[] =>
  out
    .join('')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

async function manifest(name: string, lines: readonly string[]): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, `${lines.join('\n')}\n`)
  return path
}

describe('a manifest --dry-run (a manifest gives no sizes)', () => {
  it('says each size and the total are unknown, never 0 B, in text and --json', async () => {
    for (const key of ['k/a.txt', 'k/b.txt'])
      oss.putObject('m', key, { bytes: encoder.encode(key) })
    const path = await manifest('sizes.txt', ['s3://m/k/a.txt', 's3://m/k/b.txt'])
    const text = signedEnv()
    assert.equal(await main(get('--manifest', path, join(dir, 'sizes'), '--dry-run'), text.cli), 0)
    const printed = text.out.join('')
    assert.match(printed, /would fetch s3:\/\/m\/k\/a\.txt → .*a\.txt \(size unknown\)/)
    assert.match(printed, /dry run: 2 object\(s\) of unknown size would be fetched; 0 refused/)
    assert.doesNotMatch(printed, /\b0 B\b/)
    const json = signedEnv()
    const args = get('--manifest', path, join(dir, 'sizes'), '--dry-run', '--json')
    assert.equal(await main(args, json.cli), 0)
    const events = jsonLines(json.out)
    assert.deepEqual(
      events.filter((e) => e.type === 'would-fetch').map((e) => e.size),
      [null, null],
    )
    const done = events.find((e) => e.type === 'dry-run-done')
    assert.deepEqual(done, {
      type: 'dry-run-done',
      objects: 2,
      bytes: 0,
      sizesUnknown: 2,
      refused: 0,
      skipped: 0,
      wouldFail: 0,
      toCompare: 0,
      wouldRemoveUnlisted: [],
    })
  })

  it('counts known and unknown sizes apart when a source gives some', async () => {
    const objects: ListedObject[] = [{ key: 'a', size: 10 }, { key: 'b' }, { key: 'c', size: 2 }]
    const input: BatchInput = {
      source: 'test',
      prefix: '',
      objects,
      extend: (object, fields) => ({ ...object, ...fields }),
      transportFor: () => Promise.reject(new Error('not in a dry run')),
      describe: (o) => `test://${o.key}`,
    }
    const out: string[] = []
    const io = { out: (t: string) => void out.push(t), err: () => {}, isTTY: false, columns: 80 }
    for (const json of [false, true]) {
      const reporter = new BatchReporter(io, { json, quiet: false })
      const nothingThere = {
        journal: { done: () => undefined, publishing: () => undefined },
        entryAt: async () => undefined,
        unlisted: async () => [],
      }
      const existing = { skipExisting: false, update: false, overwrite: false }
      assert.equal(
        await dryRun(objects, input, '/d', undefined, reporter, json, nothingThere, existing),
        0,
      )
    }
    const [text, ...json] = out.join('').trim().split('\n').slice(3)
    assert.equal(
      text,
      'dry run: 3 object(s), 12 B + 1 of unknown size would be fetched; 0 refused; nothing was touched',
    )
    assert.deepEqual(JSON.parse(json[json.length - 1] as string), {
      type: 'dry-run-done',
      objects: 3,
      bytes: 12,
      sizesUnknown: 1,
      refused: 0,
      skipped: 0,
      wouldFail: 0,
      toCompare: 0,
      wouldRemoveUnlisted: [],
    })
  })
})

describe('a refused or failed manifest line', () => {
  const lines = [
    '# line 1 is a comment, line 5 is blank',
    's3://m2/k/a.txt',
    JSON.stringify({ source: 's3://m2/k/a.txt', dest: '../escape.txt' }),
    's3://m2/k/a.txt',
    '',
    JSON.stringify({ source: 's3://m2/k/gone.txt', dest: 'x/gone.txt' }),
    JSON.stringify({ source: 's3://m2/k/a.txt', dest: 'sub/x.resumable-part' }),
    JSON.stringify({ source: 's3://m2/k/gone.txt', dest: 'dup.txt' }),
    JSON.stringify({ source: 's3://m2/k/a.txt', dest: 'dup.txt' }),
  ]
  // [line, key, kind]: a hostile path, a duplicate of an earlier line, a 404, a reserved name,
  // and a duplicate whose first line (8) fails at the store while the second (9) is refused.
  const expected = [
    [3, '../escape.txt', 'unsafe-key'],
    [4, 'k/a.txt', 'unsafe-key'],
    [6, 'x/gone.txt', 'not-found'],
    [7, 'sub/x.resumable-part', 'unsafe-key'],
    [8, 'dup.txt', 'not-found'],
    [9, 'dup.txt', 'unsafe-key'],
  ]

  it('is named by its manifest line (1-based) in each failure and the summary, and in --json; a duplicate also names the line that claimed it first', async () => {
    oss.putObject('m2', 'k/a.txt', { bytes: encoder.encode('a') })
    const path = await manifest('lines.txt', lines)
    const text = signedEnv()
    assert.equal(await main(get('--manifest', path, join(dir, 'lines')), text.cli), 1)
    const failed = text
      .text()
      .split('\n')
      .filter((l) => l.startsWith('  failed: '))
    assert.equal(failed.length, expected.length, text.text())
    // A duplicate names the line that claimed its destination first.
    assert.ok(
      failed.some(
        (l) =>
          l.startsWith(`  failed: ${path}:9: "dup.txt"`) &&
          l.includes('listed twice (first at line 8)'),
      ),
      text.text(),
    )
    for (const [line, key, kind] of expected)
      assert.ok(
        failed.some(
          (l) => l.startsWith(`  failed: ${path}:${line}: "${key}"`) && l.includes(`: ${kind} — `),
        ),
        `line ${line}: ${text.text()}`,
      )

    const json = signedEnv()
    assert.equal(
      await main(get('--manifest', path, join(dir, 'lines-json'), '--json'), json.cli),
      1,
    )
    const events = jsonLines(json.out)
    const rows = (failures: Record<string, unknown>[]) =>
      failures
        .map((f) => [f.manifestLine, f.key, f.kind])
        .sort((a, b) => (a[0] as number) - (b[0] as number))
    assert.deepEqual(rows(events.filter((e) => e.type === 'object-failed')), expected)
    const done = events.find((e) => e.type === 'batch-done') as {
      failures: Record<string, unknown>[]
    }
    assert.deepEqual(rows(done.failures), expected)
  })

  it('and in a --dry-run, text and --json, a duplicate with the line that claimed it first', async () => {
    const path = await manifest('lines-dry.txt', lines)
    const text = signedEnv()
    assert.equal(await main(get('--manifest', path, join(dir, 'd'), '--dry-run'), text.cli), 1)
    const printed = text.out.join('')
    // A dry run checks names only: the 404s and the reserved name are not known without a request.
    assert.match(printed, new RegExp(`would refuse ${escaped(path)}:3: "\\.\\./escape\\.txt": `))
    assert.match(
      printed,
      new RegExp(
        `would refuse ${escaped(path)}:4: "k/a\\.txt": .*listed twice \\(first at line 2\\)`,
      ),
    )
    assert.match(printed, new RegExp(`would refuse ${escaped(path)}:9: "dup\\.txt": `))
    const json = signedEnv()
    const args = get('--manifest', path, join(dir, 'd'), '--dry-run', '--json')
    assert.equal(await main(args, json.cli), 1)
    const refusals = jsonLines(json.out)
      .filter((e) => e.type === 'would-refuse')
      .map((e) => [e.manifestLine, e.key])
    assert.deepEqual(refusals.slice(0, 2), [
      [3, '../escape.txt'],
      [4, 'k/a.txt'],
    ])
    assert.deepEqual(refusals[refusals.length - 1], [9, 'dup.txt'])
  })
})

describe('a manifest line refused as a duplicate destination', () => {
  it('is shown with its own source in a --dry-run, not the first line’s', async () => {
    oss.putObject('m3', 'first.txt', { bytes: encoder.encode('1') })
    oss.putObject('m3', 'second.txt', { bytes: encoder.encode('2') })
    const path = await manifest('dup-sources.txt', [
      JSON.stringify({ source: 's3://m3/first.txt', dest: 'same.txt' }),
      JSON.stringify({ source: 's3://m3/second.txt', dest: 'same.txt' }),
    ])
    const json = signedEnv()
    const args = get('--manifest', path, join(dir, 'dup-sources'), '--dry-run', '--json')
    assert.equal(await main(args, json.cli), 1)
    const events = jsonLines(json.out)
    assert.deepEqual(
      events
        .filter((e) => e.type === 'would-fetch' || e.type === 'would-refuse')
        .map((e) => [e.type, e.source]),
      [
        ['would-fetch', 's3://m3/first.txt'],
        ['would-refuse', 's3://m3/second.txt'],
      ],
    )
  })
})

describe('a manifest line that does not parse', () => {
  it('is quoted in the usage error with its control characters escaped, not sent to the terminal', async () => {
    const path = join(dir, 'controls.txt')
    await writeFile(path, 'ftp://x\u001b[2J\u001b]0;title\u0007\rs3://m/k\n')
    const text = signedEnv()
    assert.equal(await main(get('--manifest', path, join(dir, 'controls')), text.cli), 2)
    assert.match(
      text.text(),
      /usage error: .*controls\.txt:1: .*ftp:\/\/x\\u001b\[2J\\u001b\]0;title\\u0007\\u000ds3/,
    )
    for (const control of ['\u0007', '\u001b', '\r'])
      assert.equal(text.text().includes(control), false, JSON.stringify(control))
  })
})

describe('a manifest line that gives size, etag and lastModified (an inventory report’s columns)', () => {
  it('is fetched as a listed object: the dry run knows its size, and its one GET asks If-Match its ETag (quoted when bare), with no HEAD', async () => {
    const a = oss.putObject('m', 'inv/a.bin', { bytes: new Uint8Array(3000).fill(1) })
    const b = oss.putObject('m', 'inv/b.bin', { bytes: new Uint8Array(5000).fill(2) })
    const path = await manifest('inventory.ndjson', [
      JSON.stringify({ source: 's3://m/inv/a.bin', size: 3000, etag: a.etag }),
      JSON.stringify({
        source: 's3://m/inv/b.bin',
        size: 5000,
        etag: b.etag.replaceAll('"', ''),
        lastModified: b.lastModified.toISOString(),
      }),
    ])
    const dry = signedEnv()
    const into = join(dir, 'inventory')
    assert.equal(await main(get('--manifest', path, into, '--dry-run', '--json'), dry.cli), 0)
    const done = jsonLines(dry.out).find((e) => e.type === 'dry-run-done')
    assert.deepEqual(
      { bytes: done?.bytes, sizesUnknown: done?.sizesUnknown },
      { bytes: 8000, sizesUnknown: 0 },
    )
    oss.resetCounters()
    const run = signedEnv()
    assert.equal(await main(get('--manifest', path, into, '--json'), run.cli), 0)
    const requests = oss.served.log.filter((r) => r.key.startsWith('inv/'))
    assert.deepEqual(
      requests
        .map((r) => `${r.method} ${r.key} ${r.headers['if-match'] ?? '-'} ${r.range ?? '-'}`)
        .sort(),
      [`GET inv/a.bin ${a.etag} -`, `GET inv/b.bin ${b.etag} -`],
    )
    const summary = jsonLines(run.out).find((e) => e.type === 'batch-done')
    assert.deepEqual([summary?.downloaded, summary?.bytes], [2, 8000])
  })

  it('with an ETag the object no longer has: fetched whole in its new version and reported as changed since listing', async () => {
    oss.putObject('m', 'inv/c.bin', { bytes: new Uint8Array(4000).fill(3) })
    const now = oss.putObject('m', 'inv/c.bin', { bytes: new Uint8Array(4500).fill(4) })
    const path = await manifest('stale.ndjson', [
      JSON.stringify({ source: 's3://m/inv/c.bin', size: 4000, etag: '"0123456789abcdef"' }),
    ])
    const run = signedEnv()
    const into = join(dir, 'stale')
    assert.equal(await main(get('--manifest', path, into, '--json'), run.cli), 0)
    const done = jsonLines(run.out).find((e) => e.type === 'object-done')
    assert.equal(done?.changedSinceListing, true)
    const file = await readFile(join(into, 'inv/c.bin'))
    assert.equal(file.length, 4500)
    assert.ok(
      file.every((byte) => byte === 4),
      now.etag,
    )
  })

  it('ending in / with "size": 0 is a folder placeholder, skipped as a listing’s is; without a size it is refused by name', async () => {
    const path = await manifest('folders.ndjson', [
      JSON.stringify({ source: 's3://m/inv/dir/', size: 0 }),
      JSON.stringify({ source: 's3://m/inv/other/' }),
    ])
    const run = signedEnv()
    assert.equal(await main(get('--manifest', path, join(dir, 'folders'), '--json'), run.cli), 1)
    const events = jsonLines(run.out)
    assert.deepEqual(
      events.filter((e) => e.type === 'object-skipped').map((e) => [e.key, e.reason]),
      [['inv/dir/', 'directory-marker']],
    )
    assert.deepEqual(
      events.filter((e) => e.type === 'object-failed').map((e) => [e.key, e.manifestLine]),
      [['inv/other/', 2]],
    )
  })

  it('with a "sha256" (or "md5"): published when the bytes have it; one that does not fails alone as integrity, named in the summary, nothing at its name', async () => {
    const good = new Uint8Array(3000).fill(5)
    const bad = new Uint8Array(2000).fill(6)
    oss.putObject('m', 'sums/good.bin', { bytes: good })
    oss.putObject('m', 'sums/bad.bin', { bytes: bad })
    oss.putObject('m', 'sums/md5.bin', { bytes: bad })
    const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
    const path = await manifest('sums.ndjson', [
      JSON.stringify({ source: 's3://m/sums/good.bin', sha256: sha256(good).toUpperCase() }),
      JSON.stringify({ source: 's3://m/sums/bad.bin', sha256: sha256(good) }),
      JSON.stringify({
        source: 's3://m/sums/md5.bin',
        md5: createHash('md5').update(bad).digest('hex'),
      }),
    ])
    const into = join(dir, 'sums')
    const run = signedEnv()
    assert.equal(await main(get('--manifest', path, into, '--json'), run.cli), 1, run.text())
    const events = jsonLines(run.out)
    assert.deepEqual(
      events.filter((e) => e.type === 'object-failed').map((e) => [e.key, e.kind, e.manifestLine]),
      [['sums/bad.bin', 'integrity', 2]],
    )
    const failed = events.find((e) => e.type === 'object-failed')
    assert.match(
      String(failed?.message),
      new RegExp(`failed sha256 verification: expected ${sha256(good)}, got ${sha256(bad)}`),
    )
    assert.deepEqual(new Uint8Array(await readFile(join(into, 'sums/good.bin'))), good)
    assert.deepEqual(new Uint8Array(await readFile(join(into, 'sums/md5.bin'))), bad)
    assert.equal(existsSync(join(into, 'sums/bad.bin')), false)
  })

  for (const [fields, message] of [
    [{ sha256: 'abc' }, /"sha256": a sha256 digest is 64 hexadecimal digits, got "abc"/],
    [{ md5: 'f'.repeat(32), sha1: 'f'.repeat(40) }, /give one digest, not "md5" and "sha1"/],
    [{ SHA256: 'f'.repeat(64) }, /"SHA256" is not a digest this build checks; write one of "md5"/],
    [{ 'sha-256': 'f'.repeat(64) }, /"sha-256" is not a digest this build checks/],
    [{ sha384: 'f'.repeat(96) }, /"sha384" is not a digest this build checks/],
    [{ sha256sum: '00' }, /a manifest line has no field "sha256sum"; it may have "source", "dest"/],
    [{ destination: 'renamed.bin' }, /a manifest line has no field "destination"; it may have/],
    [{ ETag: 'deadbeef' }, /a manifest line has no field "ETag" \(did you mean "etag"\?\)/],
    [{ Size: 999 }, /a manifest line has no field "Size" \(did you mean "size"\?\)/],
  ] as const) {
    it(`refuses a line with ${JSON.stringify(fields)} as a usage error naming the line, before any request`, async () => {
      const path = await manifest('bad-digest.ndjson', [
        JSON.stringify({ source: 's3://m/inv/a.bin', ...fields }),
      ])
      oss.resetCounters()
      const run = signedEnv()
      assert.equal(await main(get('--manifest', path, join(dir, 'bad-digest')), run.cli), 2)
      assert.match(run.text(), /bad-digest\.ndjson:1: /)
      assert.match(run.text(), message)
      assert.equal(oss.served.requests, 0)
    })
  }

  it('refuses a URL line with text after it (an inline # comment), naming the line, before any request: the text would end up in the path', async () => {
    const path = await manifest('inline-comment.txt', [
      's3://m/inv/a.bin',
      `${server.url}/m/inv/a.bin  # the first one`,
    ])
    oss.resetCounters()
    const run = signedEnv()
    assert.equal(await main(get('--manifest', path, join(dir, 'inline-comment')), run.cli), 2)
    assert.match(
      run.text(),
      /inline-comment\.txt:2: a URL has no spaces \(write %20 in one\); a # comment goes on a line of its own/,
    )
    assert.equal(oss.served.requests, 0)
  })

  for (const [field, value, message] of [
    ['size', -1, /"size" must be a whole number of bytes/],
    ['size', '10', /"size" must be a whole number of bytes/],
    ['size', 1.5, /"size" must be a whole number of bytes/],
    ['etag', 'a"b', /"etag" must be an entity tag/],
    ['etag', '', /"etag" must be an entity tag/],
    ['lastModified', 'yesterday', /"lastModified" must be a date/],
  ] as const) {
    it(`refuses ${field} ${JSON.stringify(value)} as a usage error naming the line, before any request`, async () => {
      const path = await manifest(`bad-${field}.ndjson`, [
        JSON.stringify({ source: 's3://m/inv/a.bin' }),
        JSON.stringify({ source: 's3://m/inv/b.bin', [field]: value }),
      ])
      oss.resetCounters()
      const run = signedEnv()
      assert.equal(await main(get('--manifest', path, join(dir, `bad-${field}`)), run.cli), 2)
      assert.match(run.text(), new RegExp(`bad-${field}\\.ndjson:2: `))
      assert.match(run.text(), message)
      assert.equal(oss.served.requests, 0)
    })
  }
})
