// A/B of two or more builds of the download path against loopback nginx (issue 13): each
// contender is a bundled run-resumable child; rounds alternate; medians of user/sys CPU per GiB,
// wall and peak RSS, plus the paired median ratio of each contender's CPU to the first's.
//   node --conditions=@resumable/source --import tsx bench/ab.ts --url <nginx url of a file> \
//     --crc <crc64> --mib 1024 --runs 5 name=path/to/run-resumable.mjs[:wire] ...
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type Contender, median, rounds } from './support/harness.ts'

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    crc: { type: 'string' },
    mib: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '8' },
  },
})
const dir = await mkdtemp(join(tmpdir(), 'resumable-ab-'))
const contenders: Contender[] = positionals.map((spec) => {
  const [name, rest] = spec.split('=') as [string, string]
  const [script, wire] = rest.split(':') as [string, string | undefined]
  const output = join(dir, `${name}.bin`)
  const run = {
    transport: 'fetch',
    url: '',
    key: '',
    objectUrl: flags.url,
    dest: output,
    partMiB: 8,
    concurrency: Number(flags.concurrency),
    verify: true,
    wire: wire ?? 'fetch',
  }
  return { name, command: process.execPath, args: [script, JSON.stringify(run)], output }
})
try {
  const samples = await rounds(contenders, Number(flags.runs), flags.crc as string)
  const gib = Number(flags.mib) / 1024
  const first = samples.get(contenders[0]?.name as string) ?? []
  console.log(
    '| contender | user s/GiB | sys s/GiB | wall s | peak RSS MiB | CPU / first (paired) |',
  )
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  for (const c of contenders) {
    const s = samples.get(c.name) ?? []
    const pick = (f: (x: (typeof s)[number]) => number | undefined) =>
      median(s.map((x) => f(x) ?? Number.NaN))
    const paired = median(s.map((x, i) => (x.cpuSeconds ?? 0) / (first[i]?.cpuSeconds ?? 1)))
    console.log(
      `| ${c.name} | ${(pick((x) => x.userSeconds) / gib).toFixed(2)} | ${(pick((x) => x.sysSeconds) / gib).toFixed(2)} | ${(pick((x) => x.wallMs) / 1000).toFixed(2)} | ${pick((x) => x.maxRssMiB).toFixed(0)} | ${paired.toFixed(2)} |`,
    )
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
