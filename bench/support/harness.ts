// Shared pieces of bench/compare.ts: bundling the child scripts, spawning a measured contender,
// checking output files, medians. Every contender is its own process, so none shares an event
// loop with the mock server or with another contender.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { open, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc64 } from '@resumable/core'

/** Bytes in a mebibyte. */
export const MiB = 1024 * 1024

/** One measured process run. */
export interface Sample {
  /** Wall time from spawn to exit, ms. */
  readonly wallMs: number
  /** Transfer time the process reported itself (Node contenders), else the wall time, ms. */
  readonly transferMs: number
  /** User + system CPU seconds, when GNU time is available. */
  readonly cpuSeconds: number | undefined
  /** User CPU seconds, when GNU time is available. */
  readonly userSeconds: number | undefined
  /** System CPU seconds, when GNU time is available. */
  readonly sysSeconds: number | undefined
  /** Peak resident set, MiB. */
  readonly maxRssMiB: number | undefined
}

/** A command line to run and measure. */
export interface Contender {
  readonly name: string
  readonly command: string
  readonly args: readonly string[]
  /** The file it writes, checked against the object's CRC. */
  readonly output: string
}

const here = new URL('.', import.meta.url).pathname
const dist = join(here, '..', '.dist')

/** Bundles the child scripts with esbuild, so contenders start as plain `node` (no loader, no tsx memory). */
export function bundleChildren(): {
  runResumable: string
  runSdk: string
  mockServer: string
  runStages: string
  runBatchStages: string
} {
  const names = ['run-resumable', 'run-sdk', 'mock-server', 'run-stages', 'run-batch-stages']
  const result = spawnSync(
    join(here, '..', '..', 'node_modules', '.bin', 'esbuild'),
    [
      ...names.map((n) => join(here, `${n}.ts`)),
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--conditions=@resumable/source',
      '--external:ali-oss',
      '--external:@aws-sdk/client-s3',
      '--external:undici',
      `--outdir=${dist}`,
      '--out-extension:.js=.mjs',
      '--log-level=warning',
    ],
    { stdio: 'inherit' },
  )
  if (result.status !== 0) throw new Error('esbuild failed to bundle the benchmark children')
  const [runResumable, runSdk, mockServer, runStages, runBatchStages] = names.map((n) =>
    join(dist, `${n}.mjs`),
  ) as [string, string, string, string, string]
  return { runResumable, runSdk, mockServer, runStages, runBatchStages }
}

/**
 * Bundles the CLI once per runtime, each with the export conditions that runtime resolves
 * (`bun` and `deno` come before `node` in the packages' exports), as the published CLI would load.
 */
export function bundleCli(): { node: string; bun: string; deno: string } {
  return { node: bundleCliFor('node'), bun: bundleCliFor('bun'), deno: bundleCliFor('deno') }
}

/**
 * Bundles the CLI for one runtime into `bench/.dist/cli-<runtime>/`; returns its entry's path. Split
 * into chunks at its dynamic imports, as tsup builds the published `dist/`: what a command does not
 * need (the AWS SDK's credential chain, ali-oss, a batch) is not even parsed at its start.
 */
export function bundleCliFor(runtime: 'node' | 'bun' | 'deno'): string {
  const outdir = join(dist, `cli-${runtime}`)
  // Chunks are named by their content: a directory kept from an earlier build would pile them up.
  rmSync(outdir, { recursive: true, force: true })
  const conditions = runtime === 'node' ? '@resumable/source' : `@resumable/source,${runtime}`
  const result = spawnSync(
    join(here, '..', '..', 'node_modules', '.bin', 'esbuild'),
    [
      join(here, '..', '..', 'packages', 'cli', 'src', 'bin.ts'),
      '--bundle',
      '--platform=node',
      '--format=esm',
      `--conditions=${conditions}`,
      '--external:ali-oss',
      '--external:undici',
      // CommonJS dependencies (e.g. @smithy) call require() for Node built-ins.
      "--banner:js=import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      '--splitting',
      `--outdir=${outdir}`,
      '--out-extension:.js=.mjs',
      '--log-level=warning',
    ],
    { stdio: 'inherit' },
  )
  if (result.status !== 0) throw new Error(`esbuild failed to bundle the CLI for ${runtime}`)
  return join(outdir, 'bin.mjs')
}

/** True when `tool` is on PATH. */
export function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0
}

const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined

/** `command args` run under GNU time (user s, sys s, peak RSS KiB into `timeFile`) when it is installed. */
export function underGnuTime(
  command: string,
  args: readonly string[],
  timeFile: string,
): { command: string; args: string[]; timed: boolean } {
  return gnuTime
    ? { command: gnuTime, args: ['-f', '%U %S %M', '-o', timeFile, command, ...args], timed: true }
    : { command, args: [...args], timed: false }
}

/** What GNU time wrote for one run (see underGnuTime); removes the file. */
export async function readGnuTime(
  timeFile: string,
): Promise<{ userSeconds: number; sysSeconds: number; maxRssMiB: number }> {
  const [user = 0, sys = 0, rssKiB = 0] =
    (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1)?.split(' ').map(Number) ?? []
  await rm(timeFile, { force: true })
  return { userSeconds: user, sysSeconds: sys, maxRssMiB: rssKiB / 1024 }
}

const syncCommand = ['/usr/bin/sync', '/bin/sync'].find((path) => existsSync(path))

/**
 * Writes every file system's dirty pages to disk and waits (`sync`), outside any timed region.
 * Contenders that never fsync (curl, rclone, aria2c) leave their writes in the page cache; the
 * kernel writes them back, or finishes writing them after the file is removed, during whatever
 * runs next. Without this the next contender pays for the previous one's disk: the durable one
 * (resumable, which waits for its own writes) most of all.
 */
export function quietDisk(): void {
  if (syncCommand) spawnSync(syncCommand, { stdio: 'ignore' })
}

const PAGE_REPORTING = '/sys/module/page_reporting/parameters/min_free_ms'

/**
 * A line for a table's header when this machine is a VM that hands freed memory back to its host
 * (virtio-balloon free page reporting), else undefined. There, writing into memory freed a few
 * seconds earlier waits for the host to supply each page again: a GiB into a tmpfs took 0.2 s
 * into pages already held, 0.8–1.0 s right after freeing a GiB, 3.1–4.2 s eight seconds later
 * (BENCHMARKS.md). Every contender's page-cache writes pay it, by how long ago memory was freed,
 * so wall times (and sys time) swing with the host; user CPU does not.
 */
export function hostMemoryNote(): string | undefined {
  let waitMs: string
  try {
    waitMs = readFileSync(PAGE_REPORTING, 'utf8').trim()
  } catch {
    return undefined
  }
  return `host: freed memory goes back to the hypervisor (free page reporting, min_free_ms ${waitMs}); page-cache writes into it wait for the host, so wall and sys times swing run to run; user CPU is the steady column`
}

/** Runs a contender once, from a quiet disk (`quietDisk`); rejects on a non-zero exit. */
export async function measure(contender: Contender): Promise<Sample> {
  await rm(contender.output, { force: true })
  quietDisk()
  const timeFile = join(tmpdir(), `resumable-bench-time-${process.pid}`)
  const { command, args, timed } = underGnuTime(contender.command, contender.args, timeFile)
  const started = performance.now()
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const wallMs = performance.now() - started
  if (code !== 0) throw new Error(`${contender.name} exited ${code}: ${stderr.trim().slice(-800)}`)
  const reported = stdout.trim().split('\n').at(-1) ?? ''
  const own = reported.startsWith('{') ? (JSON.parse(reported) as { ms?: number }) : {}
  const time = timed ? await readGnuTime(timeFile) : undefined
  return {
    wallMs,
    transferMs: own.ms ?? wallMs,
    cpuSeconds: time && time.userSeconds + time.sysSeconds,
    userSeconds: time?.userSeconds,
    sysSeconds: time?.sysSeconds,
    maxRssMiB: time?.maxRssMiB,
  }
}

/** CRC-64/XZ of a file, read in 8 MiB slices. */
export async function fileCrc(path: string): Promise<bigint> {
  const handle = await open(path, 'r')
  const buffer = new Uint8Array(8 * MiB)
  let crc = 0n
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null)
      if (bytesRead === 0) return crc
      crc = crc64('crc64xz', buffer.subarray(0, bytesRead), crc)
    }
  } finally {
    await handle.close()
  }
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Starts the mock OSS in its own process; resolves with its URL and each object's CRC. */
export async function startServer(
  script: string,
  objects: readonly { key: string; mib: number }[],
  cap?: number,
): Promise<{ url: string; crcs: Record<string, string>; stop: () => void }> {
  const child = spawn(process.execPath, [script, JSON.stringify({ objects, cap })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mock server exited ${code}`)))
    child.stdout.once('data', (d: Buffer) => resolve(d.toString()))
  })
  const { url, objects: crcs } = JSON.parse(line) as {
    url: string
    objects: Record<string, string>
  }
  return { url, crcs, stop: () => child.kill('SIGTERM') }
}

/**
 * Runs every contender `runs` times, rotating the order each round so drift in machine load
 * falls on all of them alike; checks each output once against the expected CRC.
 */
export async function rounds(
  contenders: readonly Contender[],
  runs: number,
  expectedCrc: string,
): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]))
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length] as Contender
      const sample = await measure(contender)
      samples.get(contender.name)?.push(sample)
      if (round === 0) {
        const crc = (await fileCrc(contender.output)).toString()
        if (crc !== expectedCrc)
          throw new Error(`${contender.name} wrote wrong bytes (CRC ${crc}, want ${expectedCrc})`)
      }
      await rm(contender.output, { force: true })
    }
  }
  return samples
}

/** Prints a contender's command line the way a reader would type it. */
export function commandLine(contender: Contender): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s}'`)
  return [contender.command, ...contender.args].map(quote).join(' ')
}
