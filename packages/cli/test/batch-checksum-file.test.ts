import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { MockOss } from '@resumable/testkit'
import type { MockOssServer } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

// --checksum-file with a batch: each object checked against the line for its path under <dir>.

let server: MockOssServer
let oss: MockOss
let dir = ''
before(async () => {
  ;({ server, oss, dir } = await startSignedMock('cli-batch-sums-'))
})
after(() => stopSignedMock({ server, dir }))

const get = (...args: string[]) => ['get', ...args, '--endpoint', server.url]
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill)

async function sums(name: string, lines: readonly string[]): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, `${lines.join('\n')}\n`)
  return path
}

describe('--checksum-file with a batch', () => {
  it('checks each object its lines name by path under <dir>; a wrong one fails alone as integrity, the unnamed are fetched as without it, and lines naming no object are said', async () => {
    const a = bytes(3000, 1)
    const b = bytes(2000, 2)
    const c = bytes(1000, 3)
    oss.putObject('m', 'rel/a.bin', { bytes: a })
    oss.putObject('m', 'rel/sub/b.bin', { bytes: b })
    oss.putObject('m', 'rel/c.bin', { bytes: c })
    const file = await sums('SHA256SUMS', [
      `${sha256(a)}  ./a.bin`,
      `${sha256(a)} *sub/b.bin`,
      `${sha256(c)}  missing.bin`,
    ])
    const into = join(dir, 'out')
    const run = signedEnv()
    const code = await main(
      get('s3://m/rel/', into, '--recursive', '--checksum-file', file),
      run.cli,
    )
    assert.equal(code, 1, run.text())
    const text = run.text()
    assert.match(
      text,
      /failed: .*sub\/b\.bin.*failed sha256 verification: expected [0-9a-f]{64}, got [0-9a-f]{64} \(--checksum-file .*SHA256SUMS, the line for sub\/b\.bin\)/,
    )
    assert.match(
      text,
      /--checksum-file .*SHA256SUMS: 2 of 3 object\(s\) have a line; those downloaded in this run were checked against it; 1 line\(s\) name no listed object: "missing\.bin"/,
    )
    assert.deepEqual(new Uint8Array(await readFile(join(into, 'a.bin'))), a)
    assert.deepEqual(new Uint8Array(await readFile(join(into, 'c.bin'))), c)
    assert.equal(existsSync(join(into, 'sub', 'b.bin')), false)
  })

  it("a line for an object --exclude leaves out still names an object; a manifest line's own digest stays, and one that disagrees is said; --json says it as a message", async () => {
    const kept = bytes(1500, 4)
    const left = bytes(1500, 5)
    oss.putObject('m', 'filt/kept.bin', { bytes: kept })
    oss.putObject('m', 'filt/left.tmp', { bytes: left })
    const file = await sums('FILTSUMS', [
      `${sha256(bytes(1500, 9))}  kept.bin`,
      `${sha256(left)}  left.tmp`,
    ])
    const into = join(dir, 'filtered')
    const json = signedEnv()
    const args = get('s3://m/filt/', into, '--recursive', '--exclude', '*.tmp')
    assert.equal(await main([...args, '--checksum-file', file, '--json'], json.cli), 1)
    const events = json.out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    assert.deepEqual(
      events.filter((e) => e.type === 'object-failed').map((e) => [e.key, e.kind]),
      [['filt/kept.bin', 'integrity']],
    )
    assert.ok(
      events.some(
        (e) =>
          e.type === 'message' &&
          /FILTSUMS: 1 of 1 object\(s\) have a line; those downloaded in this run were checked against it$/.test(
            String(e.message),
          ),
      ),
      json.text(),
    )
    // The manifest's line gives the right digest; the file's wrong one for the same path is not taken.
    const manifest = join(dir, 'filt.ndjson')
    await writeFile(
      manifest,
      `${JSON.stringify({ source: 's3://m/filt/kept.bin', dest: 'kept.bin', sha256: sha256(kept) })}\n`,
    )
    const byLine = signedEnv()
    const intoLine = join(dir, 'by-line')
    assert.equal(
      await main(get('--manifest', manifest, intoLine, '--checksum-file', file), byLine.cli),
      0,
      byLine.text(),
    )
    assert.deepEqual(new Uint8Array(await readFile(join(intoLine, 'kept.bin'))), kept)
    assert.match(
      byLine.text(),
      /1 object\(s\) whose manifest line gives another digest than the file, the line's checked: "kept\.bin"/,
    )
  })

  it("with --manifest, an object failed by the file's line is named by its manifest line; --dry-run says what would be checked", async () => {
    const bytesOfK = bytes(1200, 7)
    oss.putObject('m', 'mf/k.bin', { bytes: bytesOfK })
    const manifest = join(dir, 'mf.ndjson')
    await writeFile(
      manifest,
      `# a comment line first\n${JSON.stringify({ source: 's3://m/mf/k.bin', dest: 'k.bin' })}\n`,
    )
    const file = await sums('MFSUMS', [`${sha256(bytes(1200, 8))}  k.bin`])
    const run = signedEnv()
    const into = join(dir, 'mf')
    assert.equal(await main(get('--manifest', manifest, into, '--checksum-file', file), run.cli), 1)
    assert.match(run.text(), /mf\.ndjson:2/)
    assert.match(run.text(), /failed sha256 verification/)
    const dry = signedEnv()
    const args = get('--manifest', manifest, join(dir, 'mf-dry'), '--checksum-file', file)
    assert.equal(await main([...args, '--dry-run'], dry.cli), 0, dry.text())
    assert.match(
      dry.text(),
      /MFSUMS: 1 of 1 object\(s\) have a line; each would be checked when downloaded/,
    )
  })

  it('a file recording two digests of one algorithm for a path, or no line of digests, is a usage error (exit 2) before any request', async () => {
    oss.putObject('m', 'two/x.bin', { bytes: bytes(10, 1) })
    const requests = oss.served.log.length
    for (const [name, lines, message] of [
      [
        'CLASH',
        [`${'a'.repeat(64)}  x.bin`, `${'b'.repeat(64)}  ./x.bin`],
        /records two different sha256 digests for "x\.bin"/,
      ],
      ['EMPTY', ['# nothing here'], /has no line of digests/],
    ] as const) {
      const file = await sums(name, lines)
      const run = signedEnv()
      const args = get('s3://m/two/', join(dir, `two-${name}`), '--recursive')
      assert.equal(await main([...args, '--checksum-file', file], run.cli), 2, run.text())
      assert.match(run.text(), message)
      assert.equal(existsSync(join(dir, `two-${name}`)), false)
    }
    assert.equal(oss.served.log.length, requests)
  })
})
