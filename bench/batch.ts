// Many objects (issue 14): `resumable get --recursive` against `rclone copy`, both downloading the
// same prefixes from the loopback mock — 10,000 objects of 64 KiB and 100 of 8 MiB — in S3 mode
// (both sign SigV4) and OSS mode (resumable signs OSS V4; rclone speaks S3 to the same mock).
// Paired rounds in alternating order, each from a quiet disk (a `sync` first); objects/s and MiB/s,
// medians, and each round's wall time. resumable runs as a user runs
// it: the CLI bundled into one file (as bench:compare does) under plain `node`, not through tsx.
// With GNU time, each row also gives the contender's CPU per object (user + sys) and peak RSS, and
// the mock's own CPU per object while serving it (it runs in this process, on the same cores).
// Not part of npm test.
//   npm run bench:batch -- [--small 10000] [--big 100] [--big-mib 8] [--rounds 3] [--concurrency 16]
//                          [--dir /dev/shm] [--cap-mb 20] [--first-byte-ms 20] [--rclone-defaults]
// Every run of a set keeps its files until the set's rounds are done: at the defaults, 3 contenders
// × 3 rounds × 625 MiB of small objects on the destination's file system at once.
// `--dir` puts the destinations on another file system (a tmpfs takes the disk out: what is left is CPU).
// `--cap-mb` caps each connection of the mock (MB/s), as a cloud store's per-connection throughput is:
// then what counts is how many connections a tool keeps busy, not its CPU.
// `--first-byte-ms` makes the mock wait that long before answering each request (listing pages
// included), as a remote store's time to first byte does: small objects then cost a round trip
// each, and objects per second is bound by requests in flight over that wait.
// `--rclone-defaults` adds `rclone copy` as a user types it, with its own --transfers 4 --checkers 8.
// `--modes http` (not in the default modes) serves the same sets as random files from loopback nginx
// (`sendfile`, autoindex), a server that costs almost no CPU: resumable reads a manifest of the URLs
// (NDJSON, each file's name and size given, as rclone learns them from the index), rclone lists the
// directory (`--http-url`). The mock then serves nobody, so what is compared is the clients alone.
import { spawn } from 'node:child_process'
import { randomFillSync } from 'node:crypto'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { parseArgs } from 'node:util'
import { MockOss } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'
import {
  bundleCliFor,
  hostMemoryNote,
  quietDisk,
  readGnuTime,
  underGnuTime,
} from './support/harness.ts'
import { type Nginx, startNginx } from './support/nginx.ts'

const { values } = parseArgs({
  options: {
    small: { type: 'string', default: '10000' },
    big: { type: 'string', default: '100' },
    'big-mib': { type: 'string', default: '8' },
    'cap-mb': { type: 'string', default: '0' },
    'first-byte-ms': { type: 'string', default: '0' },
    'rclone-defaults': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    modes: { type: 'string', default: 's3,oss' },
    dir: { type: 'string', default: tmpdir() },
    // A CLI bundle of earlier code, run as one more contender in the same rounds (A/B by hand).
    before: { type: 'string' },
  },
})
const small = Number(values.small)
const big = Number(values.big)
const bigMiB = Number(values['big-mib'])
const capBytes = Number(values['cap-mb']) * 1_000_000
const firstByteMs = Number(values['first-byte-ms'])
const roundCount = Number(values.rounds)
const concurrency = Number(values.concurrency)
const KiB = 1024
const MiB = 1024 * KiB
const CLI = bundleCliFor('node')
const CREDENTIALS = { accessKeyId: 'bench-ak', secretAccessKey: 'bench-secret-key' }

const oss = new MockOss({ credentials: CREDENTIALS })
// ETags with a part count, as multipart uploads have: rclone then checks sizes only (it would
// compare an MD5 otherwise, which the mock's ETags are not); resumable checks CRC-64 on every object.
for (let i = 0; i < small; i++)
  oss.putObject('bench', `small/${String(i).padStart(5, '0')}.bin`, {
    generated: { size: 64 * KiB, seed: i + 1 },
    multipartParts: 1,
  })
for (let i = 0; i < big; i++)
  oss.putObject('bench', `big/${String(i).padStart(3, '0')}.bin`, {
    generated: { size: bigMiB * MiB, seed: 100_000 + i },
    multipartParts: 1,
  })
const server = await startMockOss({
  oss,
  ...(capBytes > 0 ? { bytesPerSecondPerConnection: capBytes } : {}),
  // Every request waits, then the mock answers it as usual.
  ...(firstByteMs > 0
    ? {
        routes: async () => {
          await new Promise((resolve) => setTimeout(resolve, firstByteMs))
          return undefined
        },
      }
    : {}),
})
const dir = await mkdtemp(join(values.dir, 'resumable-bench-batch-'))
const sets = [
  { name: `${small} × 64 KiB`, prefix: 'small/', objects: small, bytes: small * 64 * KiB },
  { name: `${big} × ${bigMiB} MiB`, prefix: 'big/', objects: big, bytes: big * bigMiB * MiB },
].filter((s) => s.objects > 0)

interface Contender {
  readonly name: string
  command(prefix: string, dest: string): { file: string; args: string[]; env: NodeJS.ProcessEnv }
}

const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(AWS_|OSS_|RCLONE_)/.test(k)),
)
type Mode = 's3' | 'oss' | 'http'
const modes = values.modes.split(',') as Mode[]

/**
 * For `http`: the sets as random files under one directory nginx serves at `/tree/`, and for each
 * set a manifest of its URLs (NDJSON, so each file keeps its name at the top of the destination).
 */
async function serveTree(): Promise<{ nginx: Nginx; manifests: Map<string, string> }> {
  const tree = await mkdtemp(join(tmpdir(), 'resumable-bench-tree-'))
  const manifests = new Map<string, string>()
  const nginx = await startNginx({}, undefined, { tree })
  const block = new Uint8Array(bigMiB * MiB)
  for (const set of sets) {
    await mkdir(join(tree, set.prefix))
    const lines: string[] = []
    for (let i = 0; i < set.objects; i++) {
      const name = `${String(i).padStart(5, '0')}.bin`
      const bytes = block.subarray(0, set.bytes / set.objects)
      randomFillSync(bytes)
      await writeFile(join(tree, set.prefix, name), bytes)
      const source = `${nginx.url}/tree/${set.prefix}${name}`
      lines.push(JSON.stringify({ source, dest: name, size: bytes.length }))
    }
    const manifest = join(tree, `${set.prefix.slice(0, -1)}.ndjson`)
    await writeFile(manifest, `${lines.join('\n')}\n`)
    manifests.set(set.prefix, manifest)
  }
  return {
    nginx: {
      ...nginx,
      stop: async () => {
        await nginx.stop()
        await rm(tree, { recursive: true, force: true })
      },
    },
    manifests,
  }
}
const http = modes.includes('http') ? await serveTree() : undefined

const resumable = (mode: Mode, cli = CLI, label = ''): Contender => ({
  name: `resumable${label} (${mode})`,
  command: (prefix, dest) => ({
    file: process.execPath,
    args: [
      cli,
      'get',
      ...(mode === 'http'
        ? ['--manifest', http?.manifests.get(prefix) as string, `${dest}/`]
        : [mode === 's3' ? `s3://bench/${prefix}` : `oss://bench/${prefix}`, dest, '--recursive']),
      '--quiet',
      '--concurrency',
      String(concurrency),
      ...(mode === 'http' ? [] : ['--endpoint', server.url]),
      ...(mode === 'oss' ? ['--region', 'cn-hangzhou'] : []),
    ],
    env: {
      ...baseEnv,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      OSS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      OSS_ACCESS_KEY_SECRET: CREDENTIALS.secretAccessKey,
    },
  }),
})
/** `rclone copy` of the prefix with `tuning` (its --transfers / --checkers, or none for its defaults). */
const rcloneWith = (name: string, tuning: string[]): Contender => ({
  name,
  command: (prefix, dest) => ({
    file: '/usr/bin/rclone',
    args: ['copy', `mock:bench/${prefix}`, dest, ...tuning, '--config', '/dev/null'],
    env: {
      ...baseEnv,
      RCLONE_CONFIG_MOCK_TYPE: 's3',
      RCLONE_CONFIG_MOCK_PROVIDER: 'Other',
      RCLONE_CONFIG_MOCK_ENDPOINT: server.url,
      RCLONE_CONFIG_MOCK_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      RCLONE_CONFIG_MOCK_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      RCLONE_CONFIG_MOCK_REGION: 'us-east-1',
      RCLONE_CONFIG_MOCK_FORCE_PATH_STYLE: 'true',
      // The mock answers ListObjectsV2 only.
      RCLONE_CONFIG_MOCK_LIST_VERSION: '2',
    },
  }),
})
const rclone = rcloneWith('rclone copy (s3)', [
  '--transfers',
  String(concurrency),
  '--checkers',
  String(concurrency),
])
// What a user gets typing `rclone copy` with no tuning: 4 transfers and 8 checkers.
const rcloneDefaults = rcloneWith('rclone copy (s3), its defaults', [])

// The same end state as resumable's (every file on disk when the command returns): rclone never
// fsyncs, so this row adds one `sync -f` (syncfs) of the destination's file system after it.
const thenSync = (plain: Contender): Contender => ({
  name: `${plain.name} + sync`,
  command: (prefix, dest) => {
    const { file, args, env } = plain.command(prefix, dest)
    return { file: 'sh', args: ['-c', '"$@" && sync -f -- "$0"', dest, file, ...args], env }
  },
})
const rcloneThenSync = thenSync(rclone)
// Over plain HTTP rclone lists the directory nginx indexes.
const rcloneHttp: Contender = {
  name: 'rclone copy (http)',
  command: (prefix, dest) => ({
    file: '/usr/bin/rclone',
    args: [
      'copy',
      '--config',
      '/dev/null',
      '--http-url',
      `${http?.nginx.url}/tree/${prefix}`,
      ':http:',
      dest,
      '--transfers',
      String(concurrency),
      '--checkers',
      String(concurrency),
    ],
    env: baseEnv,
  }),
}
const rivalsOf = (mode: Mode) =>
  mode === 'http'
    ? { plain: rcloneHttp, synced: thenSync(rcloneHttp) }
    : { plain: rclone, synced: rcloneThenSync }

/** One run: wall seconds; CPU seconds and peak RSS of the contender (GNU time); the mock's CPU seconds. */
interface RunSample {
  readonly seconds: number
  readonly cpu: number | undefined
  readonly rssMiB: number | undefined
  readonly mockCpu: number
}

let runs = 0
async function run(contender: Contender, set: (typeof sets)[number]): Promise<RunSample> {
  // A new directory each run; a set's files are deleted only once all its rounds are done. This
  // machine's ext4 has no journal, and there a file create skips every inode deleted in the last
  // minute one by one: 3,000 creates took 2.0–2.6 s of system time right after 3,000 deletes,
  // 0.1 s at other times (BENCHMARKS.md), a cost that fell on whichever contender ran next.
  const dest = join(dir, `run-${runs++}`)
  quietDisk()
  const { file, args, env } = contender.command(set.prefix, dest)
  const timeFile = join(dir, 'time.txt')
  const { command, args: commandArgs, timed } = underGnuTime(file, args, timeFile)
  const mockBefore = process.cpuUsage()
  const started = performance.now()
  const child = spawn(command, commandArgs, { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const seconds = (performance.now() - started) / 1000
  const mock = process.cpuUsage(mockBefore)
  if (code !== 0) throw new Error(`${contender.name} exited ${code}: ${err.slice(-800)}`)
  let files = 0
  for (const entry of await readdir(dest)) if (!entry.startsWith('.')) files++
  if (files !== set.objects)
    throw new Error(`${contender.name} left ${files} files, expected ${set.objects}`)
  const time = timed ? await readGnuTime(timeFile) : undefined
  return {
    seconds,
    cpu: time && time.userSeconds + time.sysSeconds,
    rssMiB: time?.maxRssMiB,
    mockCpu: (mock.user + mock.system) / 1e6,
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

const rows: string[] = []
try {
  for (const mode of modes) {
    const before = values.before ? [resumable(mode, values.before, ' before')] : []
    const rivals = rivalsOf(mode)
    const contenders = [
      resumable(mode),
      ...before,
      rivals.plain,
      rivals.synced,
      ...(values['rclone-defaults'] && mode !== 'http' ? [rcloneDefaults] : []),
    ]
    for (const set of sets) {
      const samples = new Map<string, RunSample[]>(contenders.map((c) => [c.name, []]))
      for (let round = 0; round < roundCount; round++) {
        // Paired rounds: every contender each round, the order alternating.
        const order = round % 2 === 0 ? contenders : [...contenders].reverse()
        for (const contender of order) samples.get(contender.name)?.push(await run(contender, set))
        process.stderr.write(`  ${mode} ${set.name} round ${round + 1}/${roundCount} done\n`)
      }
      for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true })
      const medianOf = (name: string, pick: (s: RunSample) => number | undefined) => {
        const values = (samples.get(name) ?? []).map(pick)
        return values.every((v) => v !== undefined) ? median(values as number[]) : undefined
      }
      const ours = medianOf(contenders[0]?.name as string, (s) => s.seconds) as number
      const theirs = medianOf(rivals.plain.name, (s) => s.seconds) as number
      const theirsSynced = medianOf(rivals.synced.name, (s) => s.seconds) as number
      const perObject = (seconds: number | undefined) =>
        seconds === undefined ? '–' : ((seconds * 1000) / set.objects).toFixed(2)
      for (const contender of contenders) {
        const t = medianOf(contender.name, (s) => s.seconds) as number
        const rss = medianOf(contender.name, (s) => s.rssMiB)
        rows.push(
          `| ${mode.toUpperCase()} | ${set.name} | ${contender.name} | ${(set.objects / t).toFixed(0)} | ${(set.bytes / MiB / t).toFixed(1)} | ${t.toFixed(2)} s | ${perObject(medianOf(contender.name, (s) => s.cpu))} | ${perObject(medianOf(contender.name, (s) => s.mockCpu))} | ${rss === undefined ? '–' : rss.toFixed(0)} |${contender === contenders[0] ? ` ${(theirs / ours).toFixed(2)}× | ${(theirsSynced / ours).toFixed(2)}×` : ' |'} | ${(samples.get(contender.name) ?? []).map((s) => s.seconds.toFixed(2)).join(' ')}`,
        )
      }
    }
  }
} finally {
  await server.close()
  await http?.nginx.stop()
  await rm(dir, { recursive: true, force: true })
}
process.stdout.write(
  [
    `Many objects: ${roundCount} paired round(s), concurrency ${concurrency}, ${http ? 'http: loopback nginx; s3/oss: ' : ''}loopback mock${capBytes > 0 ? ` capped at ${capBytes / 1e6} MB/s per connection` : ''}${firstByteMs > 0 ? `, ${firstByteMs} ms before each answer` : ''}, destinations under ${values.dir}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    ...[hostMemoryNote()].filter((line) => line !== undefined),
    '',
    '| mode | objects | contender | objects/s | MiB/s | median time | CPU ms/object | mock CPU ms/object | peak RSS MiB | vs rclone | vs rclone + sync | each round, s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `${r} |`),
    '',
  ].join('\n'),
)
