// Which Node wire reads bytes cheapest (issue 13)? Reads a 1 GiB file from loopback nginx in 8 MiB
// ranges at concurrency 8 and discards every byte (no engine, no CRC, no disk), each contender in
// its own process, rounds alternated; reports CPU user/sys seconds per GiB and peak RSS, medians.
//   node --conditions=@resumable/source --import tsx bench/wire-probe.ts [--runs 5] [--mib 1024]
import { spawn } from 'node:child_process'
import { Agent, request as httpRequest } from 'node:http'
import { parseArgs } from 'node:util'
import { nodeWire } from '@resumable/transport-fetch/node'
import { Pool } from 'undici'
import { nginxBinary, startNginx } from './support/nginx.ts'

const MiB = 1024 * 1024
const partBytes = 8 * MiB
const concurrency = 8

type Reader = (url: string, start: number, end: number) => Promise<number>

/** Each contender reads one range and returns the byte count it saw. */
const readers: Record<string, () => Reader> = {
  // node:http, chunks counted in the 'data' listener: the floor for node:http.
  'node:http raw': () => {
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
    return (url, start, end) =>
      new Promise((resolve, reject) => {
        const req = httpRequest(url, { agent, headers: { range: `bytes=${start}-${end}` } })
        req.on('error', reject)
        req.on('response', (res) => {
          let n = 0
          res.on('data', (chunk: Buffer) => {
            n += chunk.length
          })
          res.on('end', () => resolve(n))
          res.on('error', reject)
        })
        req.end()
      })
  },
  // The shipped wire: HTTP/1.1 on node:net with onread slabs and lent chunks, read as the engine reads it.
  nodeWire: () => {
    const wire = nodeWire({ maxSockets: concurrency })
    return async (url, start, end) => {
      const response = await wire.send({
        method: 'GET',
        url,
        headers: { range: `bytes=${start}-${end}` },
      })
      let n = 0
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) n += chunk.length
      return n
    }
  },
  // undici's Pool with a dispatch handler that sees each chunk once: no web streams, no Readable.
  'undici Pool.dispatch': () => {
    let pool: Pool | undefined
    return (url, start, end) => {
      const { origin, pathname } = new URL(url)
      pool ??= new Pool(origin, { connections: concurrency, pipelining: 1 })
      return new Promise((resolve, reject) => {
        let n = 0
        pool?.dispatch(
          { origin, path: pathname, method: 'GET', headers: { range: `bytes=${start}-${end}` } },
          {
            onRequestStart() {},
            onResponseStart() {},
            onResponseData(_controller, chunk) {
              n += chunk.length
            },
            onResponseEnd() {
              resolve(n)
            },
            onResponseError(_controller, error) {
              reject(error)
            },
          },
        )
      })
    }
  },
  fetch: () => async (url, start, end) => {
    const response = await fetch(url, { headers: { range: `bytes=${start}-${end}` } })
    let n = 0
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
      n += chunk.length
    return n
  },
}

interface Result {
  readonly userS: number
  readonly sysS: number
  readonly wallS: number
  readonly rssMiB: number
}

async function child(name: string, url: string, bytes: number): Promise<void> {
  const read = (readers[name] as () => Reader)()
  const parts = Math.ceil(bytes / partBytes)
  let next = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < parts; i = next++) {
        const start = i * partBytes
        const end = Math.min(bytes, start + partBytes) - 1
        const n = await read(url, start, end)
        if (n !== end - start + 1) throw new Error(`${name}: range ${i} gave ${n} bytes`)
      }
    }),
  )
  const wallS = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  const result: Result = {
    userS: used.user / 1e6,
    sysS: used.system / 1e6,
    wallS,
    rssMiB: process.resourceUsage().maxRSS / 1024,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
}

function runChild(name: string, url: string, bytes: number): Promise<Result> {
  const args = [
    '--conditions=@resumable/source',
    '--import',
    'tsx',
    new URL(import.meta.url).pathname,
    '--child',
    name,
    '--url',
    url,
    '--bytes',
    String(bytes),
  ]
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    proc.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim()) as Result)
        : reject(new Error(`${name} exited ${code}`)),
    )
  })
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

const { values: flags } = parseArgs({
  options: {
    child: { type: 'string' },
    url: { type: 'string' },
    bytes: { type: 'string' },
    runs: { type: 'string', default: '5' },
    mib: { type: 'string', default: '1024' },
    only: { type: 'string' },
  },
})

if (flags.child) {
  await child(flags.child, flags.url as string, Number(flags.bytes))
} else if (!nginxBinary) {
  console.log('nginx is not installed (Debian: apt-get install nginx-light): probe skipped')
} else {
  const mib = Number(flags.mib)
  const names = flags.only ? flags.only.split(',') : Object.keys(readers)
  const server = await startNginx({ 'probe.bin': mib })
  const url = `${server.url}/probe.bin`
  const samples = new Map<string, Result[]>(names.map((n) => [n, []]))
  try {
    for (let round = 0; round < Number(flags.runs); round++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length] as string
        samples.get(name)?.push(await runChild(name, url, mib * MiB))
      }
    }
  } finally {
    await server.stop()
  }
  const gib = mib / 1024
  const first = names[0] as string
  console.log(
    `\n${mib} MiB in 8 MiB ranges, c=${concurrency}, nginx loopback, ${flags.runs} rounds, medians\n`,
  )
  console.log(
    '| wire | user s/GiB | sys s/GiB | CPU s/GiB | wall s | peak RSS MiB | CPU / first (paired median) |',
  )
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const name of names) {
    const s = samples.get(name) ?? []
    const base = samples.get(first) ?? []
    const paired = median(
      s.map((r, i) => (r.userS + r.sysS) / ((base[i]?.userS ?? 0) + (base[i]?.sysS ?? 0))),
    )
    console.log(
      `| ${name} | ${(median(s.map((r) => r.userS)) / gib).toFixed(2)} | ${(median(s.map((r) => r.sysS)) / gib).toFixed(2)} | ${(median(s.map((r) => r.userS + r.sysS)) / gib).toFixed(2)} | ${median(s.map((r) => r.wallS)).toFixed(2)} | ${median(s.map((r) => r.rssMiB)).toFixed(0)} | ${paired.toFixed(2)} |`,
    )
  }
}
