// Side-by-side benchmarks against the loopback mock OSS (issue 8) and Debian's nginx (issue 13). Every figure is a median of
// rounds in which all contenders run in rotating order, so machine noise falls on all alike.
//   npm run bench:compare -- [--sections loopback,throttled,memory,nginx] [--runs 3] [--mib 1024]
//                            [--cap-mb 20] [--big-mib 5120] [--nginx-cap-mib 600]
//   npm run bench:compare -- --only nginx        (same as --sections nginx)
//   npm run bench:compare -- --only nginx --dir /dev/shm
//                            (destinations on a tmpfs: the disk taken out, what is left is each tool's CPU)
// curl and aria2c are used when installed (Debian: apt-get install curl aria2); never run in CI.
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  bundleChildren,
  bundleCli,
  type Contender,
  commandLine,
  has,
  hostMemoryNote,
  MiB,
  median,
  rounds,
  type Sample,
  startServer,
} from './support/harness.ts'
import { nginxSection } from './support/nginx-section.ts'

const { values: flags } = parseArgs({
  options: {
    sections: { type: 'string', default: 'loopback,throttled,memory,nginx' },
    only: { type: 'string' },
    'nginx-cap-mib': { type: 'string', default: '600' },
    runs: { type: 'string', default: '3' },
    mib: { type: 'string', default: '1024' },
    'cap-mb': { type: 'string', default: '20' },
    'big-mib': { type: 'string', default: '5120' },
    dir: { type: 'string', default: tmpdir() },
  },
})
const sections = new Set((flags.only ?? flags.sections).split(','))
const runs = Number(flags.runs)
const mib = Number(flags.mib)
const capBytes = Number(flags['cap-mb']) * 1_000_000
const bigMib = Number(flags['big-mib'])

const children = bundleChildren()
const dir = await mkdtemp(join(flags.dir, 'resumable-bench-'))
const node = process.execPath

function ours(
  name: string,
  url: string,
  key: string,
  settings: {
    transport?: 'fetch' | 'ali-oss'
    concurrency?: number
    verify?: boolean
    runtime?: 'node' | 'bun' | 'deno'
    /** The URL read through the Node wire (the default a Node user gets) instead of `fetch`. */
    wire?: 'node'
  } = {},
): Contender {
  const output = join(dir, `${name.replace(/\W+/g, '-')}.bin`)
  const spec = {
    transport: settings.transport ?? 'fetch',
    url,
    key,
    dest: output,
    partMiB: 8,
    concurrency: settings.concurrency ?? 8,
    verify: settings.verify ?? true,
    ...(settings.wire ? { wire: settings.wire } : {}),
  }
  const script = [children.runResumable, JSON.stringify(spec)]
  if (settings.runtime === 'bun') return { name, command: bin('bun'), args: script, output }
  if (settings.runtime === 'deno')
    return { name, command: bin('deno'), args: ['run', '-A', ...script], output }
  return { name, command: node, args: script, output }
}

/** Deno and Bun come from the repo's devDependencies. */
function bin(name: string): string {
  return new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname
}

function sdk(name: string, which: 'ali-oss' | 'aws-sdk', url: string, key: string): Contender {
  const output = join(dir, `${which}.bin`)
  const spec = { sdk: which, url, key, dest: output }
  return { name, command: node, args: [children.runSdk, JSON.stringify(spec)], output }
}

function aria2(name: string, url: string, n: number): Contender {
  const file = `aria2-${n}.bin`
  return {
    name,
    command: 'aria2c',
    args: [
      '-q',
      `-x${n}`,
      `-s${n}`,
      '-k8M',
      '--file-allocation=none',
      '--allow-overwrite=true',
      '-d',
      dir,
      '-o',
      file,
      url,
    ],
    output: join(dir, file),
  }
}

function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`
}

const fmt = (n: number | undefined, digits = 2) => (n === undefined ? '–' : n.toFixed(digits))
const medianOf = (samples: Sample[], pick: (s: Sample) => number | undefined) => {
  const values = samples.map(pick).filter((v): v is number => v !== undefined)
  return values.length ? median(values) : undefined
}

function printCommands(contenders: readonly Contender[]): void {
  console.log('\nCommands:')
  for (const c of contenders) console.log(`- ${c.name}: \`${commandLine(c)}\``)
}

async function loopback(): Promise<void> {
  const server = await startServer(children.mockServer, [{ key: 'loop.bin', mib }])
  try {
    const url = `${server.url}/bench/loop.bin`
    const contenders: Contender[] = [
      ours('resumable node wire c=8 verify (Node default)', server.url, 'loop.bin', {
        wire: 'node',
      }),
      ours('resumable fetch c=8 verify', server.url, 'loop.bin'),
      ours('resumable fetch c=8 no-verify', server.url, 'loop.bin', { verify: false }),
      ours('resumable ali-oss c=8 verify', server.url, 'loop.bin', { transport: 'ali-oss' }),
      ours('resumable fetch c=8 verify (Bun)', server.url, 'loop.bin', { runtime: 'bun' }),
      ours('resumable fetch c=8 verify (Deno)', server.url, 'loop.bin', { runtime: 'deno' }),
      sdk('ali-oss get (single stream)', 'ali-oss', server.url, 'loop.bin'),
      sdk('aws-sdk GetObject (single stream)', 'aws-sdk', server.url, 'loop.bin'),
    ]
    if (has('curl')) {
      const output = join(dir, 'curl.bin')
      contenders.push({
        name: 'curl (single stream)',
        command: 'curl',
        args: ['-sS', '-o', output, url],
        output,
      })
    } else console.log('curl not installed: skipped')
    if (has('aria2c')) contenders.push(aria2('aria2c -x8 -s8 -k8M', url, 8))
    else console.log('aria2c not installed: skipped')
    const samples = await rounds(contenders, runs, server.crcs['loop.bin'] as string)
    const best = Math.min(
      ...contenders
        .filter((c) => !c.name.startsWith('resumable'))
        .map((c) => median((samples.get(c.name) ?? []).map((s) => s.wallMs))),
    )
    console.log(`\n### Loopback, ${mib} MiB object to disk (median of ${runs})\n`)
    console.log(row(['contender', 'wall s', 'MiB/s', 'CPU s', 'peak RSS MiB', 'best other / this']))
    console.log(row(['---', '---:', '---:', '---:', '---:', '---:']))
    for (const c of contenders) {
      const s = samples.get(c.name) ?? []
      const wall = median(s.map((x) => x.wallMs)) / 1000
      console.log(
        row([
          c.name,
          fmt(wall),
          fmt(mib / wall, 0),
          fmt(medianOf(s, (x) => x.cpuSeconds)),
          fmt(
            medianOf(s, (x) => x.maxRssMiB),
            0,
          ),
          fmt(best / 1000 / wall),
        ]),
      )
    }
    const wallOf = (name: string) => median((samples.get(name) ?? []).map((s) => s.wallMs))
    console.log(
      `\nverify on / verify off (wall): ${fmt(wallOf('resumable fetch c=8 verify') / wallOf('resumable fetch c=8 no-verify'), 3)}`,
    )
    printCommands(contenders)
  } finally {
    server.stop()
  }
}

async function throttled(): Promise<void> {
  const levels = [1, 2, 4, 8, 16]
  // About three seconds per transfer at the ideal rate N × cap.
  const sizeFor = (n: number) => Math.max(16, Math.round((n * capBytes * 3) / MiB))
  const server = await startServer(
    children.mockServer,
    levels.map((n) => ({ key: `cap-${n}.bin`, mib: sizeFor(n) })),
    capBytes,
  )
  try {
    console.log(
      `\n### Per-connection cap ${capBytes / 1e6} MB/s: concurrency sweep (median of ${runs})\n`,
    )
    console.log(
      row([
        'N',
        'object MiB',
        'ideal MB/s',
        'resumable MB/s',
        'of ideal',
        'aria2c MB/s',
        'resumable / aria2c',
      ]),
    )
    console.log(row(['---:', '---:', '---:', '---:', '---:', '---:', '---:']))
    const all: Contender[] = []
    for (const n of levels) {
      const key = `cap-${n}.bin`
      // The wire a Node user gets by default (fetch is the loopback table's extra row).
      const contenders = [
        ours(`resumable c=${n}`, server.url, key, { concurrency: n, wire: 'node' }),
      ]
      if (has('aria2c')) contenders.push(aria2(`aria2c -x${n}`, `${server.url}/bench/${key}`, n))
      all.push(...contenders)
      const samples = await rounds(contenders, runs, server.crcs[key] as string)
      const bytes = sizeFor(n) * MiB
      const rate = (name: string) => {
        const s = samples.get(name)
        return s ? bytes / (median(s.map((x) => x.transferMs)) / 1000) / 1e6 : undefined
      }
      const mine = rate(`resumable c=${n}`) as number
      const theirs = rate(`aria2c -x${n}`)
      const ideal = (n * capBytes) / 1e6
      console.log(
        row([
          n,
          sizeFor(n),
          ideal,
          fmt(mine, 1),
          fmt(mine / ideal),
          fmt(theirs, 1),
          theirs ? fmt(mine / theirs) : '–',
        ]),
      )
    }
    console.log(
      '\n(resumable is timed from its first request; aria2c by wall clock, startup included)',
    )
    printCommands(all.slice(0, 2))
  } finally {
    server.stop()
  }
}

async function memory(): Promise<void> {
  const sizes = [1024, bigMib]
  const server = await startServer(
    children.mockServer,
    sizes.map((m) => ({ key: `mem-${m}.bin`, mib: m })),
  )
  try {
    console.log('\n### Peak RSS, 8 MiB parts, verify on\n')
    console.log(row(['object', 'wire', 'concurrency', 'peak RSS MiB', 'wall s']))
    console.log(row(['---:', '---', '---:', '---:', '---:']))
    // The Node wire at c = 8 is issue 13's setting (the default a Node user gets); fetch at c = 16
    // is the row this table has had since the first benchmarks.
    const settings = [
      { wire: 'node', concurrency: 8 },
      { wire: 'fetch', concurrency: 16 },
    ] as const
    for (const m of sizes) {
      for (const { wire, concurrency } of settings) {
        const contender = ours(
          `resumable ${m} MiB ${wire} c=${concurrency}`,
          server.url,
          `mem-${m}.bin`,
          {
            concurrency,
            ...(wire === 'node' ? { wire } : {}),
          },
        )
        const samples = await rounds([contender], 1, server.crcs[`mem-${m}.bin`] as string)
        const s = samples.get(contender.name)?.[0] as Sample
        console.log(
          row([`${m} MiB`, wire, concurrency, fmt(s.maxRssMiB, 0), fmt(s.wallMs / 1000, 1)]),
        )
      }
    }
  } finally {
    server.stop()
  }
}

console.log(
  `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, temp dir ${dir}`,
)
const hostNote = hostMemoryNote()
if (hostNote) console.log(hostNote)
try {
  if (sections.has('loopback')) await loopback()
  if (sections.has('throttled')) await throttled()
  if (sections.has('memory')) await memory()
  if (sections.has('nginx'))
    await nginxSection({
      dir,
      runs,
      mib,
      runResumable: children.runResumable,
      cli: bundleCli(),
      // nginx's limit_rate counts in bytes; the cap is 20 MiB/s (`limit_rate 20m`).
      capBytes: Number(flags['cap-mb']) * MiB,
      capMib: Number(flags['nginx-cap-mib']),
    })
} finally {
  await rm(dir, { recursive: true, force: true })
}
