// Campaign 2 — faults at about 5 % of requests (resets mid-body, stalls, 503 SlowDown with
// Retry-After, 500s, 200-for-206 whole bodies, short and long bodies, a wrong CRC header) while a
// real `resumable get` runs: every download completes byte-identical; retries are counted by reason.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Fault, MockOss } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'
import {
  Campaign,
  campaignArgs,
  fileCrc64,
  fmtBytes,
  jsonEvents,
  MiB,
  prng,
  runCli,
  table,
} from './lib.ts'

const args = campaignArgs('faults — ~5 % of requests fail in every way the mock knows', {
  runs: { full: 4, short: 1, help: 'downloads, each with its own object and fault seed' },
  'size-mib': { full: 48, short: 32, help: 'object size in MiB' },
  'part-kib': { full: 256, short: 256, help: 'part size in KiB' },
  rate: { full: 5, short: 5, help: 'percentage of requests that get a fault' },
  'hard-stalls': {
    full: 1,
    short: 0,
    help: 'requests that stall forever (each costs the --stall-timeout the campaign passes, 5 s)',
  },
})
const size = args['size-mib'] * MiB
const partSize = args['part-kib'] * 1024
const c = new Campaign(
  'faults',
  `seed ${args.seed}, ${args.runs} run(s) of ${args['size-mib']} MiB, ${args['part-kib']} KiB parts, faults at ${args.rate} % of requests`,
)
const random = prng(args.seed)

/** The fault kinds, each drawn with an equal share of the total rate. */
const kinds: { name: string; make: () => Fault; head?: boolean }[] = [
  { name: 'reset', make: () => ({ type: 'reset', afterBytes: Math.floor(random() * partSize) }) },
  {
    name: 'stall 2s',
    make: () => ({ type: 'stall', afterBytes: Math.floor(random() * partSize), ms: 2000 }),
  },
  {
    name: '503 SlowDown',
    make: () => ({ type: 'status', status: 503, code: 'SlowDown', retryAfterSeconds: 1 }),
    head: true,
  },
  {
    name: '500 InternalError',
    make: () => ({ type: 'status', status: 500, code: 'InternalError' }),
    head: true,
  },
  { name: 'whole-body', make: () => ({ type: 'whole-body' }) },
  { name: 'short', make: () => ({ type: 'short', afterBytes: Math.floor(random() * partSize) }) },
  { name: 'long', make: () => ({ type: 'long', extraBytes: 1 + Math.floor(random() * 4096) }) },
  { name: 'wrong-crc', make: () => ({ type: 'wrong-crc' }) },
]
const perKind = 1 - (1 - args.rate / 100) ** (1 / kinds.length)

const retriesTotal: Record<string, number> = {}
const faultsTotal: Record<string, number> = {}
const rows: string[][] = []
let requestsTotal = 0
for (let run = 0; run < args.runs; run++) {
  const seed = (args.seed + run * 7919) >>> 0
  const oss = new MockOss({ seed })
  const server = await startMockOss({ oss })
  const dir = await mkdtemp(join(tmpdir(), 'reliability-faults-'))
  const dest = join(dir, 'object.bin')
  try {
    const object = oss.putObject('bucket', 'faults/object.bin', { generated: { size, seed } })
    // Each rule draws a fresh fault (offsets vary) through a getter the plan reads per request.
    for (const kind of kinds) {
      let current = kind.make()
      oss.faults.add({
        get fault() {
          const f = current
          current = kind.make()
          return f
        },
        match: kind.head ? {} : { method: 'GET', ranged: true },
        probability: perKind,
      })
    }
    if (run === 0 && args['hard-stalls'] > 0)
      oss.faults.add({
        fault: { type: 'stall', afterBytes: 1000 },
        match: { method: 'GET', ranged: true },
        skip: 20,
        times: args['hard-stalls'],
      })
    const exit = await runCli(
      [
        'get',
        `${server.url}/bucket/faults/object.bin`,
        dest,
        '--part-size',
        `${args['part-kib']}KiB`,
        '--json',
        '--retries',
        '8',
        '--stall-timeout',
        '5',
      ],
      { timeoutMs: 300_000 },
    )
    const done = jsonEvents(exit.stdout).find((e) => e.type === 'done') as
      | { retries: number; retriesByKind: Record<string, number>; restarts: number }
      | undefined
    c.check(exit.code === 0, `run ${run}: exit ${exit.code}: ${exit.stdout.slice(-400)}`)
    const got = existsSync(dest) ? await fileCrc64(dest) : undefined
    const identical = got?.size === size && got.crc === object.crc64
    c.check(identical, `run ${run}: the destination is not byte-identical`)
    c.check(
      done?.restarts === 0,
      `run ${run}: ${done?.restarts} restart(s) with an unchanged object`,
    )
    const faults: Record<string, number> = {}
    for (const e of oss.served.log) if (e.fault) faults[e.fault] = (faults[e.fault] ?? 0) + 1
    const injected = oss.served.log.filter((e) => e.fault).length
    requestsTotal += oss.served.requests
    for (const [k, n] of Object.entries(faults)) faultsTotal[k] = (faultsTotal[k] ?? 0) + n
    for (const [k, n] of Object.entries(done?.retriesByKind ?? {}))
      retriesTotal[k] = (retriesTotal[k] ?? 0) + n
    rows.push([
      String(run),
      String(seed),
      String(oss.served.requests),
      `${injected} (${((injected / oss.served.requests) * 100).toFixed(1)} %)`,
      Object.entries(faults)
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
      `${done?.retries ?? '?'}: ${Object.entries(done?.retriesByKind ?? {})
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
      fmtBytes(oss.served.bodyBytes - size),
      `${(exit.ms / 1000).toFixed(1)} s`,
      identical ? 'identical' : 'WRONG',
    ])
  } finally {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  }
}
// A wrong CRC-64 on the HEAD itself cannot be told from corrupt data: the download must fail its
// verification and publish nothing, however the bytes arrived.
{
  const oss = new MockOss({ seed: args.seed })
  const server = await startMockOss({ oss })
  const dir = await mkdtemp(join(tmpdir(), 'reliability-faults-'))
  const dest = join(dir, 'object.bin')
  try {
    oss.putObject('bucket', 'faults/crc.bin', { generated: { size: 4 * MiB, seed: args.seed } })
    oss.faults.add({ fault: { type: 'wrong-crc' }, match: { method: 'HEAD' } })
    const exit = await runCli([
      'get',
      `${server.url}/bucket/faults/crc.bin`,
      dest,
      '--part-size',
      `${args['part-kib']}KiB`,
    ])
    const left = await readdir(dir)
    const ok = c.check(
      exit.code === 1 && /CRC-64|crc64|checksum/i.test(exit.stderr) && left.length === 0,
      `wrong CRC-64 on HEAD: exit ${exit.code}, left ${left.join(' ') || '-'}: ${exit.stderr.trim().slice(-300)}`,
    )
    c.log(
      `wrong x-oss-hash-crc64ecma on the HEAD: exit ${exit.code}, nothing published, ${left.length} file(s) left — ${ok ? 'ok' : 'FAIL'}`,
    )
    c.log(`  ${exit.stderr.trim().split('\n').at(-1)}`)
  } finally {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  }
}
c.log(
  table(
    [
      'run',
      'seed',
      'requests',
      'faulted',
      'faults injected',
      'retries by kind',
      're-fetched',
      'time',
      'result',
    ],
    rows,
  ),
)
const faulted = Object.values(faultsTotal).reduce((a, b) => a + b, 0)
c.log(
  `faults injected: ${Object.entries(faultsTotal)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')}`,
)
c.log(
  `retries by kind: ${Object.entries(retriesTotal)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')}`,
)
c.verdict(
  `${rows.filter((r) => r[8] === 'identical').length}/${args.runs} downloads byte-identical (and a wrong store CRC refused) through ${faulted} faults in ${requestsTotal} requests (${((faulted / requestsTotal) * 100).toFixed(1)} %)`,
)
