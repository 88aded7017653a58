// Benchmark: this transport + core's download() vs curl (one stream) and aria2c -x8, against the
// same loopback server and object, writing to the same directory. Prints MiB/s and ratios.
//   npm run bench            (256 MiB object, 3 runs each; BENCH_MIB / BENCH_RUNS override)
// curl and aria2c are installed with apt when missing (root only); never part of CI.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { download } from '@resumable/core'
import { createUrlTransport } from '../src/index.ts'
import { BenchFileTarget } from './fs-target.ts'

const MiB = 1024 * 1024
const size = Number(process.env.BENCH_MIB ?? 256) * MiB
const runs = Number(process.env.BENCH_RUNS ?? 3)

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0
}

function ensureTools(): void {
  const missing = [
    ['curl', 'curl'],
    ['aria2c', 'aria2'],
  ].filter(([bin]) => !has(bin as string))
  if (missing.length === 0 || process.getuid?.() !== 0 || !has('apt-get')) return
  const pkgs = missing.map(([, pkg]) => pkg as string)
  console.log(`installing ${pkgs.join(' ')} with apt-get…`)
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
  spawnSync('apt-get', ['install', '-y', '-qq', ...pkgs], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
}

async function startServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [new URL('./server.mjs', import.meta.url).pathname, String(size)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
  )
  return { url: `http://127.0.0.1:${port}/bench.bin`, stop: () => child.kill() }
}

async function timed(label: string, fn: () => Promise<void> | void): Promise<number> {
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await fn()
    best = Math.min(best, (performance.now() - t0) / 1000)
  }
  const rate = size / MiB / best
  console.log(
    `${label.padEnd(34)} ${best.toFixed(2).padStart(7)} s  ${rate.toFixed(0).padStart(6)} MiB/s`,
  )
  return best
}

async function sha(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex')
}

ensureTools()
const dir = await mkdtemp(join(tmpdir(), 'resumable-bench-'))
const server = await startServer()
try {
  console.log(
    `object ${size / MiB} MiB over loopback, best of ${runs}, node ${process.version}, ${dir}`,
  )
  const results: Record<string, number> = {}
  const ours = join(dir, 'ours.bin')
  results.ours = await timed('transport-fetch (8 parts × 8 MiB)', async () => {
    await rm(ours, { force: true })
    await download({
      transport: createUrlTransport({ url: server.url }),
      target: new BenchFileTarget(ours),
      partSize: 8 * MiB,
      concurrency: 8,
    })
  })
  if (has('curl')) {
    const out = join(dir, 'curl.bin')
    results.curl = await timed('curl (single stream)', () => {
      execFileSync('curl', ['-sS', '-o', out, server.url])
    })
    if ((await sha(out)) !== (await sha(ours))) throw new Error('curl and transport-fetch disagree')
  } else console.log('curl: not installed, skipped')
  if (has('aria2c')) {
    results.aria2c = await timed('aria2c -x8 -s8 -k8M', async () => {
      await rm(join(dir, 'aria2.bin'), { force: true })
      execFileSync('aria2c', [
        '-q',
        '-x8',
        '-s8',
        '-k8M',
        '--file-allocation=none',
        '--allow-overwrite=true',
        '-d',
        dir,
        '-o',
        'aria2.bin',
        server.url,
      ])
    })
    if ((await stat(join(dir, 'aria2.bin'))).size !== size)
      throw new Error('aria2c wrote a wrong size')
  } else console.log('aria2c: not installed, skipped')
  for (const tool of ['curl', 'aria2c']) {
    const t = results[tool]
    if (t !== undefined)
      console.log(
        `ratio transport-fetch / ${tool}: ${(t / (results.ours as number)).toFixed(2)}× (>1 means faster)`,
      )
  }
} finally {
  server.stop()
  await rm(dir, { recursive: true, force: true })
}
