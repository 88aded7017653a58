// Shared helpers of the reliability campaigns: arguments, a seeded PRNG, running the real
// `resumable` CLI as a child process, CRC-64 of files, checkpoint ranges, tables and the verdict.
import { type ChildProcess, spawn } from 'node:child_process'
import { open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import process from 'node:process'
import { parseArgs } from 'node:util'
import { CheckpointCodec, crc64, partRange } from '@resumable/core'

export const KiB = 1024
export const MiB = 1024 * 1024
export const ROOT: string = join(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'packages', 'cli', 'src', 'bin.ts')
// Resolved here, so the CLI also starts with a working directory outside the repository.
const TSX = import.meta.resolve('tsx')

/** `--seed`, `--short`, and the campaign's numeric options (full and short defaults). */
export function campaignArgs<K extends string>(
  name: string,
  numeric: Record<K, { full: number; short: number; help: string }>,
): { seed: number; short: boolean } & Record<K, number> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    seed: { type: 'string' },
    short: { type: 'boolean' },
    help: { type: 'boolean' },
  }
  for (const key of Object.keys(numeric)) options[key] = { type: 'string' }
  const { values } = parseArgs({ args: process.argv.slice(2), options, strict: true })
  if (values.help) {
    const lines = Object.entries<{ full: number; short: number; help: string }>(numeric).map(
      ([k, v]) => `  --${k} <n>  ${v.help} (full ${v.full}, --short ${v.short})`,
    )
    process.stdout.write(
      `${name}\n  --seed <n>  PRNG seed (default 20261124)\n  --short     the short (CI) form\n${lines.join('\n')}\n`,
    )
    process.exit(0)
  }
  const short = values.short === true
  const out: Record<string, number | boolean> = { seed: 20261124, short }
  if (typeof values.seed === 'string') out.seed = Number(values.seed)
  for (const [key, spec] of Object.entries<{ full: number; short: number }>(numeric)) {
    const given = values[key]
    out[key] = typeof given === 'string' ? Number(given) : short ? spec.short : spec.full
    if (!Number.isFinite(out[key])) throw new Error(`--${key} must be a number`)
  }
  if (!Number.isSafeInteger(out.seed)) throw new Error('--seed must be an integer')
  return out as { seed: number; short: boolean } & Record<K, number>
}

/** xorshift32: the same seed replays the same campaign. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

/**
 * An environment for the CLI with no credentials inherited from whoever runs the campaign, and no
 * lookup of the machine's AWS role (a campaign run on an EC2 instance must give the same answers).
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(OSS_|AWS_|ALIBABA_|ALICLOUD_)/.test(k)) continue
    env[k] = v
  }
  // Nor the Alibaba Cloud profiles of whoever runs the campaign (~/.aliyun, ~/.alibabacloud).
  const noAlibabaProfiles = {
    ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
    ALIBABA_CLOUD_CREDENTIALS_FILE: '/dev/null',
  }
  return { ...env, AWS_EC2_METADATA_DISABLED: 'true', ...noAlibabaProfiles, ...extra }
}

/** A running `resumable` child process. */
export interface CliChild {
  readonly child: ChildProcess
  readonly startedAt: number
  /** Everything printed so far. */
  stdout(): string
  stderr(): string
  /** Resolves when the process has exited. */
  readonly exited: Promise<CliExit>
}

/** How a `resumable` process ended. */
export interface CliExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

/**
 * The runtime the campaign runs the CLI on: `RELIABILITY_RUNTIME=deno` or `bun` (the copies in
 * node_modules/.bin), else Node. Each runtime writes files its own way (Deno's write thread opens
 * the file by path), so a crash campaign means something on each.
 */
export const CLI_RUNTIME: 'node' | 'deno' | 'bun' = (() => {
  const name = process.env.RELIABILITY_RUNTIME ?? 'node'
  if (name !== 'node' && name !== 'deno' && name !== 'bun')
    throw new Error(`RELIABILITY_RUNTIME must be node, deno or bun, not "${name}"`)
  return name
})()

/** The command that runs the CLI's source on {@link CLI_RUNTIME}. */
export function cliCommand(args: readonly string[]): [string, string[]] {
  const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name)
  if (CLI_RUNTIME === 'deno')
    return [bin('deno'), ['run', '-A', '--conditions=@resumable/source', BIN, ...args]]
  if (CLI_RUNTIME === 'bun') return [bin('bun'), ['--conditions=@resumable/source', BIN, ...args]]
  return [process.execPath, ['--conditions=@resumable/source', '--import', TSX, BIN, ...args]]
}

/** Starts the CLI's source (`packages/cli/src/bin.ts …args`) on {@link CLI_RUNTIME}. */
export function spawnCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): CliChild {
  const startedAt = Date.now()
  const [command, argv] = cliCommand(args)
  const child = spawn(command, argv, {
    env: options.env ?? cleanEnv(),
    cwd: options.cwd ?? ROOT,
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  })
  if (options.stdin !== undefined) child.stdin?.end(options.stdin)
  let out = ''
  let err = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d
  })
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d
  })
  const exited = new Promise<CliExit>((resolve) =>
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: out, stderr: err, ms: Date.now() - startedAt }),
    ),
  )
  return { child, startedAt, stdout: () => out, stderr: () => err, exited }
}

/** Runs the CLI to completion (killed after `timeoutMs`, reported as a violation by the caller). */
export async function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; stdin?: string } = {},
): Promise<CliExit> {
  const run = spawnCli(args, options)
  const timer = setTimeout(() => run.child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
  const exit = await run.exited
  clearTimeout(timer)
  return exit
}

/** JSON events printed with --json (lines that do not parse are skipped: a kill can cut one). */
export function jsonEvents(stdout: string): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = []
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      events.push(JSON.parse(line) as Record<string, unknown>)
    } catch {
      // A line cut by kill -9.
    }
  }
  return events
}

/** CRC-64/XZ of a file, streamed. */
export async function fileCrc64(path: string): Promise<{ size: number; crc: bigint }> {
  const handle = await open(path, 'r')
  try {
    const buffer = new Uint8Array(4 * MiB)
    let crc = 0n
    let size = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, size)
      if (bytesRead === 0) break
      crc = crc64('crc64xz', buffer.subarray(0, bytesRead), crc)
      size += bytesRead
    }
    return { size, crc }
  } finally {
    await handle.close()
  }
}

/** Inclusive byte ranges a checkpoint names as durable (done parts and partial prefixes), merged. */
export async function durableRanges(checkpointPath: string): Promise<[number, number][]> {
  return (await readDurable(checkpointPath)).ranges
}

/** What a checkpoint file names as durable: merged ranges, and how many parts are partial. */
export async function readDurable(
  checkpointPath: string,
): Promise<{ ranges: [number, number][]; partials: number }> {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(checkpointPath))
  } catch {
    return { ranges: [], partials: 0 }
  }
  const { state } = CheckpointCodec.decode(bytes)
  const ranges: [number, number][] = []
  for (let i = 0; i < state.plan.partCount; i++) {
    const { start, end } = partRange(state.plan, i)
    if (state.isDone(i)) ranges.push([start, end])
    else {
      const p = state.partial(i)
      if (p) ranges.push([start, start + p.written - 1])
    }
  }
  return { ranges: mergeRanges(ranges), partials: state.partials().length }
}

/** Sorts and merges inclusive ranges. */
export function mergeRanges(ranges: readonly [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0])
  const out: [number, number][] = []
  for (const [s, e] of sorted) {
    const last = out[out.length - 1]
    if (last && s <= last[1] + 1) last[1] = Math.max(last[1], e)
    else out.push([s, e])
  }
  return out
}

/** Total bytes in merged ranges. */
export function rangeBytes(ranges: readonly [number, number][]): number {
  return ranges.reduce((n, [s, e]) => n + e - s + 1, 0)
}

/** Bytes of [a, b] that fall inside `ranges` (merged). */
export function overlap(ranges: readonly [number, number][], a: number, b: number): number {
  let n = 0
  for (const [s, e] of ranges) {
    const lo = Math.max(s, a)
    const hi = Math.min(e, b)
    if (lo <= hi) n += hi - lo + 1
  }
  return n
}

/** `bytes=a-b` → [a, b]; undefined for anything else. */
export function parseRangeHeader(range: string | null): [number, number] | undefined {
  const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? '')
  return m ? [Number(m[1]), Number(m[2])] : undefined
}

/** Binary size for humans. */
export function fmtBytes(n: number): string {
  if (Math.abs(n) >= MiB) return `${(n / MiB).toFixed(2)} MiB`
  if (Math.abs(n) >= KiB) return `${(n / KiB).toFixed(1)} KiB`
  return `${n} B`
}

/** A plain-text table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** Collects violations; `verdict` prints the one-line verdict and sets the exit code. */
export class Campaign {
  readonly name: string
  readonly violations: string[] = []
  readonly #started = Date.now()

  constructor(name: string, describe: string) {
    this.name = CLI_RUNTIME === 'node' ? name : `${name} (${CLI_RUNTIME})`
    process.stdout.write(`== ${this.name}: ${describe}\n`)
  }

  /** Prints a line. */
  log(text: string): void {
    process.stdout.write(`${text}\n`)
  }

  /** Records a violation when `ok` is false. */
  check(ok: boolean, what: string): boolean {
    if (!ok) {
      this.violations.push(what)
      this.log(`  VIOLATION: ${what}`)
    }
    return ok
  }

  /** Prints `VERDICT <name>: PASS|FAIL — summary (seconds)`; exit code 1 on any violation. */
  verdict(summary: string): void {
    const seconds = ((Date.now() - this.#started) / 1000).toFixed(1)
    const failed = this.violations.length > 0
    this.log(
      `VERDICT ${this.name}: ${failed ? `FAIL (${this.violations.length} violation(s))` : 'PASS'} — ${summary} [${seconds} s]`,
    )
    if (failed) process.exitCode = 1
  }
}

const RESERVED = /\.resumable(-part|\.json|\.json\.tmp|\.lock)$|^\.resumable-batch/

/** A file of resumable's own in a batch directory: a reserved name, or anything in a staging directory. */
export function isOwnFile(rel: string): boolean {
  return rel.split('/').some((segment) => RESERVED.test(segment))
}

/** Every file under `dir` (relative, `/`-separated), directories walked, nothing followed. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (sub: string): Promise<void> => {
    for (const entry of await readdir(join(dir, sub), { withFileTypes: true }).catch(() => [])) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`
      if (entry.isDirectory()) await walk(rel)
      else out.push(rel)
    }
  }
  await walk('')
  return out
}
