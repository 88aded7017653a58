// Runs every reliability campaign (full form, or --short for CI) one after another, each as its
// own process, and prints their verdicts and the total time. Exit code 1 if any campaign failed.
//   node --conditions=@resumable/source --import tsx scripts/reliability/run-all.ts [--short] [--seed N] [--lanes N]
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import process from 'node:process'
import { parseArgs } from 'node:util'
import { table } from './lib.ts'

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { short: { type: 'boolean' }, seed: { type: 'string' }, lanes: { type: 'string' } },
  strict: true,
})
const short = values.short === true
const seed = values.seed ?? '20261124'
// The short form runs two campaigns at a time (the CLI's start-up is most of its cost); the full
// form one at a time, so its timings mean something.
const lanes = Math.max(1, Number(values.lanes ?? (short ? 2 : 1)))

/**
 * Campaign files with extra arguments, and the runtime whose CLI they kill when not Node (Deno and
 * Bun write files their own way: Deno's write thread opens the file by path).
 */
const campaigns: [string, string[], ('deno' | 'bun')?][] = short
  ? [
      ['kill9.ts', []],
      ['kill9.ts', [], 'deno'],
      ['kill9.ts', [], 'bun'],
      // Four parts on eight workers: every run's spare workers split tails off the parts in
      // flight, so kills land while parts are fetched in pieces (core/src/parts-in-flight.ts).
      [
        'kill9.ts',
        ['--part-kib', '4096', '--concurrency', '8', '--kills', '6', '--expect-splits', '1'],
      ],
      // Every run checks a SHA-256 hashed as its parts land: kills between, resumes with spans present.
      ['kill9.ts', ['--checksum', '1', '--kills', '6']],
      ['bad-inputs.ts', []],
      ['corrupt-checkpoint.ts', []],
      ['overwrite.ts', []],
      ['faults.ts', []],
      ['batch-kill.ts', []],
      ['batch-kill.ts', ['--manifest', '1']],
      // Two shards in turn into one directory, then two at once (an Indexed Job on one volume).
      ['batch-kill.ts', ['--manifest', '1', '--shards', '2']],
      ['batch-kill.ts', ['--shards', '2', '--together', '1']],
      // A batch stopped on another host name, taken over after its lease, then continued.
      ['lock-takeover.ts', []],
      // The network cut under a batch and restored; then cut for longer than --outage-wait.
      ['outage.ts', []],
      ['hostile-keys.ts', []],
    ]
  : [
      ['kill9.ts', []],
      ['kill9.ts', [], 'deno'],
      ['kill9.ts', [], 'bun'],
      // Parts larger than the 1 MiB write buffer: kills land between partial-part flushes too.
      ['kill9.ts', ['--part-kib', '2048', '--kills', '30', '--size-mib', '128']],
      // Four parts on eight workers, as in the short form, with 30 kills.
      [
        'kill9.ts',
        [
          ...['--part-kib', '16384', '--concurrency', '8', '--kills', '30', '--size-mib', '64'],
          ...['--expect-splits', '1'],
        ],
      ],
      [
        'kill9.ts',
        [
          ...['--checksum', '1', '--part-kib', '4096', '--concurrency', '8', '--kills', '30'],
          ...['--size-mib', '64'],
        ],
      ],
      ['bad-inputs.ts', []],
      ['faults.ts', []],
      ['overwrite.ts', []],
      ['corrupt-checkpoint.ts', []],
      ['batch-kill.ts', []],
      ['batch-kill.ts', ['--manifest', '1']],
      ['batch-kill.ts', ['--manifest', '1', '--shards', '2']],
      ['batch-kill.ts', ['--shards', '2', '--together', '1']],
      ['batch-kill.ts', [], 'deno'],
      ['batch-kill.ts', [], 'bun'],
      ['lock-takeover.ts', []],
      ['outage.ts', []],
      ['outage.ts', [], 'bun'],
      ['hostile-keys.ts', []],
    ]

const started = Date.now()
const rows: string[][] = new Array(campaigns.length)
let failed = 0
let skipped = 0

/** Runs one campaign; its output is printed whole when it ends, so lanes never interleave. */
async function run(index: number): Promise<void> {
  const [file, extra, runtime] = campaigns[index] as (typeof campaigns)[number]
  const argv = [...(short ? ['--short'] : []), '--seed', seed, ...extra]
  const t0 = Date.now()
  const child = spawn(
    process.execPath,
    ['--conditions=@resumable/source', '--import', 'tsx', join(import.meta.dirname, file), ...argv],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: runtime ? { ...process.env, RELIABILITY_RUNTIME: runtime } : process.env,
    },
  )
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d
    if (lanes === 1) process.stdout.write(d)
  })
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d
    if (lanes === 1) process.stderr.write(d)
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  if (lanes > 1) process.stdout.write(out)
  process.stdout.write('\n')
  // SKIP: a campaign this machine cannot run (it says why); not a failure, and named as skipped.
  const verdict = /^VERDICT [^:]+: (PASS|SKIP|FAIL[^—]*?)\s*—/m.exec(out)?.[1] ?? 'NO VERDICT'
  if (verdict === 'SKIP' && code === 0) skipped++
  else if (code !== 0 || verdict !== 'PASS') failed++
  rows[index] = [
    `${runtime ? `RELIABILITY_RUNTIME=${runtime} ` : ''}${file} ${argv.join(' ')}`,
    code === 0 ? verdict : `${verdict} (exit ${code})`,
    `${((Date.now() - t0) / 1000).toFixed(1)} s`,
  ]
}

let next = 0
await Promise.all(
  Array.from({ length: lanes }, async () => {
    for (let i = next++; i < campaigns.length; i = next++) await run(i)
  }),
)
process.stdout.write(`${table(['campaign', 'verdict', 'time'], rows)}\n`)
const total = ((Date.now() - started) / 1000).toFixed(1)
process.stdout.write(
  `RELIABILITY ${short ? 'short' : 'full'}: ${failed === 0 ? 'PASS' : `FAIL (${failed} campaign(s))`}${skipped > 0 ? `, ${skipped} skipped` : ''} in ${total} s (${lanes} lane(s))\n`,
)
process.exitCode = failed === 0 ? 0 : 1
