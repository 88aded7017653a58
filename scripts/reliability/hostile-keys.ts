// Campaign — keys as an attacker (or a careless writer) would name them, downloaded with the real
// CLI (`--recursive`, S3 mode; the full form also OSS mode): nothing is written outside the
// destination, every refused key is named in the summary, the well-formed keys arrive, and the
// exit code is 1 (some objects failed) as documented.
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MockOss } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'
import { Campaign, campaignArgs, cleanEnv, jsonEvents, runCli } from './lib.ts'

const args = campaignArgs('hostile-keys — keys that try to leave the destination', {
  modes: { full: 2, short: 1, help: '1: S3 mode only; 2: S3 and OSS modes' },
})
const c = new Campaign(
  'hostile-keys',
  `seed ${args.seed}, ${args.modes === 1 ? 'S3' : 'S3 and OSS'} mode`,
)

/** Keys that must be refused, each with why. */
const REFUSED: Record<string, string> = {
  'h/../escape.txt': 'dot segment',
  'h/../../etc/cron.d/x': 'dot segments',
  'h/./dot.txt': 'dot segment',
  'h//empty-segment.txt': 'empty segment (absolute after the prefix)',
  'h/x//y.txt': 'empty segment',
  'h/back\\slash.txt': 'backslash',
  'h/..\\..\\win.txt': 'backslash traversal',
  'h/C:/drive.txt': 'drive letter',
  'h/nul\u0000byte.txt': 'NUL',
  'h/bell\u0007.txt': 'control character',
  'h/esc\u001b[31mred.txt': 'terminal escape',
  'h/del\u007f.txt': 'DEL',
  'h/c1\u0085.txt': 'C1 control',
  'h/trailing/': 'a non-empty object ending in /',
  [`h/${'n'.repeat(300)}`]: '300-byte name',
  [`h/${'é'.repeat(130)}`]: '260-byte UTF-8 name',
  [`h/${'m'.repeat(255)}`]: '255 bytes: fits, but its .resumable-part temporary file would not',
  [`h/${'j'.repeat(236)}`]: "236 bytes: its checkpoint's temporary copy (+20) would not fit",
  'h/a/b.txt': 'a is a file (listed first)',
  'h/case.txt': 'case-only twin of Case.txt',
  'h/\u00e9.txt': 'NFC twin of the NFD e\u0301.txt',
  'h/x.resumable-part': "resumable's temp suffix",
  'h/y.resumable.json': "resumable's checkpoint suffix",
  'h/z.resumable.lock': "resumable's lock suffix",
  'h/.resumable-batch.journal': "the batch journal's name",
  'h/.resumable-batch.lock': "the batch lock's name",
  'h/.resumable-batch.staging/0.part': "into the batch's staging directory",
  'h/link/pwn.txt': 'through a symlink that leads outside',
}
/** Keys that must arrive, at these paths. */
const ACCEPTED: Record<string, string> = {
  'h/a': 'a',
  'h/Case.txt': 'Case.txt',
  'h/e\u0301.txt': 'e\u0301.txt',
  'h/ok.txt': 'ok.txt',
  'h/deep/er/ok.txt': 'deep/er/ok.txt',
  'h/dots..in..name': 'dots..in..name',
  'h/ spaces and ü .txt': ' spaces and ü .txt',
  [`h/${'k'.repeat(235)}`]: 'k'.repeat(235),
}

const CREDENTIALS = { accessKeyId: 'hostile-ak', secretAccessKey: 'hostile-secret' }
const oss = new MockOss({ credentials: CREDENTIALS })
for (const key of [...Object.keys(REFUSED), ...Object.keys(ACCEPTED)])
  oss.putObject('bucket', key, { bytes: new TextEncoder().encode(`object ${JSON.stringify(key)}`) })
// A "folder" marker is skipped, not refused.
oss.putObject('bucket', 'h/folder/', { bytes: new Uint8Array(0) })
const server = await startMockOss({ oss })
const env = cleanEnv({
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  OSS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  OSS_ACCESS_KEY_SECRET: CREDENTIALS.secretAccessKey,
})

async function tree(root: string, sub = ''): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(join(root, sub), { withFileTypes: true })) {
    const rel = sub === '' ? entry.name : `${sub}/${entry.name}`
    if (entry.isDirectory() && !entry.isSymbolicLink()) out.push(rel, ...(await tree(root, rel)))
    else out.push(rel)
  }
  return out
}

const modes: ['s3' | 'oss', string[]][] = [
  ['s3', ['s3://bucket/h/']],
  ['oss', ['oss://bucket/h/', '--region', 'cn-hangzhou']],
]
const parent = await mkdtemp(join(tmpdir(), 'reliability-hostile-'))
let refusedNamed = 0
try {
  for (const [mode, source] of modes.slice(0, args.modes)) {
    const base = join(parent, mode)
    const dest = join(base, 'data')
    const outside = join(base, 'outside')
    await mkdir(outside, { recursive: true })
    await mkdir(dest)
    // A symlink planted in the destination, pointing outside it.
    await symlink(outside, join(dest, 'link'))
    const exit = await runCli(
      ['get', ...source, dest, '--recursive', '--json', '--endpoint', server.url],
      { env },
    )
    c.check(
      exit.code === 1,
      `${mode}: exit ${exit.code}, expected 1 (some objects refused): ${exit.stderr.slice(0, 300)}`,
    )
    const done = jsonEvents(exit.stdout).find((e) => e.type === 'batch-done') as
      | { failures: { key: string; kind: string; message: string }[] }
      | undefined
    if (!c.check(done !== undefined, `${mode}: no batch-done event`)) continue
    const named = new Map(done?.failures.map((f) => [f.key, f]))
    for (const [key, why] of Object.entries(REFUSED)) {
      const failure = named.get(key)
      if (
        c.check(
          failure !== undefined,
          `${mode}: ${JSON.stringify(key)} (${why}) not named in the summary`,
        )
      )
        refusedNamed++
      c.check(
        failure === undefined || failure.kind === 'unsafe-key',
        `${mode}: ${JSON.stringify(key)} failed as ${failure?.kind}, not unsafe-key`,
      )
    }
    for (const [key, f] of named)
      if (!(key in REFUSED)) c.log(`  ${f.kind}: ${f.message.slice(0, 200)}`)
    for (const key of named.keys())
      c.check(key in REFUSED, `${mode}: ${JSON.stringify(key)} failed but should have arrived`)
    const files = (await tree(dest)).filter((p) => p !== '.resumable-batch.journal')
    const expected = new Set(['link', 'deep', 'deep/er', ...Object.values(ACCEPTED)])
    for (const f of files)
      c.check(expected.has(f), `${mode}: unexpected ${JSON.stringify(f)} in the destination`)
    for (const f of Object.values(ACCEPTED))
      c.check(files.includes(f), `${mode}: ${JSON.stringify(f)} missing`)
    c.check(
      (await readdir(outside)).length === 0,
      `${mode}: something was written through the symlink, outside the destination`,
    )
    c.check(
      JSON.stringify((await readdir(base)).sort()) === JSON.stringify(['data', 'outside']),
      `${mode}: something was written beside the destination: ${(await readdir(base)).join(', ')}`,
    )
    c.check(
      JSON.stringify((await readdir(parent)).filter((n) => !['s3', 'oss'].includes(n))) === '[]',
      `${mode}: something was written outside the campaign directory`,
    )
    c.log(
      `  ${mode}: exit ${exit.code}; ${named.size} keys refused by name, ${Object.keys(ACCEPTED).length} arrived`,
    )
  }
  c.verdict(
    `${Object.keys(REFUSED).length} hostile keys × ${args.modes} mode(s): ${refusedNamed} refused by name, nothing outside the destination, exit 1`,
  )
} finally {
  await server.close()
  await rm(parent, { recursive: true, force: true })
}
