// How should a fetch body be read (issue 13)? Each runtime's `fetch` reads a 1 GiB file from
// loopback nginx in 8 MiB ranges at concurrency 8, every byte discarded (no engine, no disk), its
// bodies read through `fetchWire` as they come (the stream's own reader) or with `readInto` (a
// BYOB reader into one reused buffer); each run its own process under GNU time, rounds alternated.
// Bun's bodies are not byte streams: its BYOB row is skipped.
//   node --conditions=@resumable/source --import tsx bench/body-reader.ts [--runs 3] [--mib 1024]
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { median, readGnuTime, underGnuTime } from './support/harness.ts'
import { nginxBinary, startNginx } from './support/nginx.ts'

const { values: flags } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, mib: { type: 'string', default: '1024' } },
})
const child = new URL('./support/read-bodies.ts', import.meta.url).pathname
const bin = (name: string) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname
const runtimes: Record<string, string[]> = {
  Node: [process.execPath, '--conditions=@resumable/source', '--import', 'tsx', child],
  Deno: [bin('deno'), 'run', '-A', '--conditions=@resumable/source', child],
  Bun: [bin('bun'), '--conditions=@resumable/source', child],
}
const contenders = Object.entries(runtimes).flatMap(([runtime, command]) =>
  (runtime === 'Bun' ? ['as-it-comes'] : ['as-it-comes', 'byob']).map((mode) => ({
    name: `${runtime}, ${mode}`,
    command,
    mode,
  })),
)

interface Sample {
  readonly wallS: number
  readonly userS: number
  readonly sysS: number
  readonly rssMiB: number
  readonly chunks: number
}

function run(command: string[], url: string, bytes: number, mode: string, timeFile: string) {
  const [file = '', ...rest] = command
  const timed = underGnuTime(file, [...rest, url, String(bytes), mode], timeFile)
  return new Promise<Sample>((resolve, reject) => {
    const started = performance.now()
    const proc = spawn(timed.command, timed.args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    proc.on('close', async (code) => {
      if (code !== 0) return reject(new Error(`${file} ${mode} exited ${code}`))
      const wallS = (performance.now() - started) / 1000
      const time = await readGnuTime(timeFile)
      const { chunks } = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { chunks: number }
      resolve({
        wallS,
        userS: time.userSeconds,
        sysS: time.sysSeconds,
        rssMiB: time.maxRssMiB,
        chunks,
      })
    })
  })
}

if (!nginxBinary) {
  console.log('nginx not installed: skipped (Debian: apt-get install nginx-light)')
} else {
  const mib = Number(flags.mib)
  const bytes = mib * 1024 * 1024
  const server = await startNginx({ 'probe.bin': mib })
  const timeFile = join(await mkdtemp(join(tmpdir(), 'body-reader-')), 'time.txt')
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]))
  try {
    for (let round = 0; round < Number(flags.runs); round++) {
      const order = round % 2 === 0 ? contenders : [...contenders].reverse()
      for (const c of order) {
        const sample = await run(c.command, `${server.url}/probe.bin`, bytes, c.mode, timeFile)
        samples.get(c.name)?.push(sample)
      }
    }
  } finally {
    await server.stop()
  }
  const gib = mib / 1024
  console.log(
    `\n${mib} MiB in 8 MiB ranges, c=8, fetch, nginx loopback, ${flags.runs} rounds, medians\n`,
  )
  console.log('| runtime, body reader | wall s | user s/GiB | sys s/GiB | peak RSS MiB | chunks |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  for (const [name, s] of samples) {
    const m = (pick: (x: Sample) => number) => median(s.map(pick))
    console.log(
      `| ${name} | ${m((x) => x.wallS).toFixed(2)} | ${(m((x) => x.userS) / gib).toFixed(2)} | ${(m((x) => x.sysS) / gib).toFixed(2)} | ${m((x) => x.rssMiB).toFixed(0)} | ${m((x) => x.chunks).toFixed(0)} |`,
    )
  }
}
