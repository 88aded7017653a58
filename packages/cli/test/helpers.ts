import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { concatBytes } from '@resumable/core'
import { MockOss } from '@resumable/testkit'
import { type MockOssServer, runtimeCommand, startMockOss } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import type { CliEnvironment, FilePlaces } from '../src/cli-environment.ts'
import { filePlaces } from '../src/file-places.ts'

/** A CliEnvironment that records output and fails loudly if a file or signal is touched unexpectedly. */
export function fakeEnvironment(overrides: Partial<CliEnvironment> = {}) {
  const out: string[] = []
  const err: string[] = []
  const cli: CliEnvironment = {
    io: { out: (t) => void out.push(t), err: (t) => void err.push(t), isTTY: false, columns: 80 },
    // No lookup of the machine's AWS role (169.254.169.254): a test's answer must not depend on
    // where it runs. A test that passes its own env decides for itself.
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
    stdoutSink: async () => {},
    files: async (): Promise<FilePlaces> => {
      throw new Error('files() was not expected in this test')
    },
    aliOss: async () => {
      throw new Error('aliOss() was not expected in this test')
    },
    onInterrupt: () => () => {},
    ...overrides,
  }
  return { cli, out, err, text: () => out.join('') + err.join('') }
}

/** What the signed mock checks, and the environment a CLI run reads them from. */
export const MOCK_CREDENTIALS = { accessKeyId: 'cli-ak', secretAccessKey: 'cli-secret-value' }
export const MOCK_ENV: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: MOCK_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: MOCK_CREDENTIALS.secretAccessKey,
  OSS_ACCESS_KEY_ID: MOCK_CREDENTIALS.accessKeyId,
  OSS_ACCESS_KEY_SECRET: MOCK_CREDENTIALS.secretAccessKey,
}

/** A loopback mock OSS/S3 that checks signatures, and a scratch directory named `prefix…`. */
export async function startSignedMock(
  prefix: string,
): Promise<{ oss: MockOss; server: MockOssServer; dir: string }> {
  const oss = new MockOss({ credentials: MOCK_CREDENTIALS })
  const server = await startMockOss({ oss })
  return { oss, server, dir: await mkdtemp(join(tmpdir(), prefix)) }
}

/** Closes what {@link startSignedMock} started and removes its directory. */
export async function stopSignedMock(mock: { server: MockOssServer; dir: string }): Promise<void> {
  await mock.server.close()
  await rm(mock.dir, { recursive: true, force: true })
}

/** A fresh environment with the mock's credentials, real files and ali-oss factory. */
export function signedEnv(extra: Readonly<Record<string, string>> = {}) {
  return fakeEnvironment({
    files: filePlaces,
    aliOss: aliOssFactory({}),
    env: { ...MOCK_ENV, ...extra },
  })
}

/** Runs `run` with a new directory `path` as the current directory, then goes back. */
export async function inNewDirectory<T>(path: string, run: () => Promise<T>): Promise<T> {
  await mkdir(path)
  const before = process.cwd()
  process.chdir(path)
  try {
    return await run()
  } finally {
    process.chdir(before)
  }
}

/** What a CLI process printed and how it ended. */
export interface CliProcessResult {
  readonly code: number | null
  readonly stdout: Uint8Array
  readonly stderr: string
  readonly ms: number
}

/**
 * Runs `resumable <args>` as a real process of this runtime with `env` (the whole environment:
 * pass `{ ...process.env, … }` to add to it) and `input` piped to its standard input; killed after
 * `killAfterMs`, so a hang fails the test instead of blocking it.
 */
export function runCliProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  killAfterMs = 60_000,
  input?: string,
): Promise<CliProcessResult> {
  const [cmd, argv] = runtimeCommand(CLI_BIN, args)
  const started = Date.now()
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'], env })
  // Nothing to say: standard input ends at once, as `< /dev/null` would.
  child.stdin.end(input ?? '')
  const stdout: Uint8Array[] = []
  let stderr = ''
  child.stdout.on('data', (d: Uint8Array) => void stdout.push(d))
  child.stderr.on('data', (d: Uint8Array) => {
    stderr += new TextDecoder().decode(d)
  })
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer)
      resolve({ code, stdout: concatBytes(stdout), stderr, ms: Date.now() - started })
    }),
  )
}

const CLI_BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))

/**
 * Runs `resumable <args>` as a real process with the mock's credentials and SIGKILLs it once
 * `ready()` holds (or after 30 s): what a killed run leaves behind. Resolves to the signal it died of.
 */
export function runCliUntilKilled(
  args: readonly string[],
  ready: () => boolean,
): Promise<string | null> {
  const [cmd, argv] = runtimeCommand(CLI_BIN, args)
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...MOCK_ENV },
  })
  const timer = setInterval(() => {
    if (ready()) child.kill('SIGKILL')
  }, 20)
  const limit = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return new Promise((resolve) =>
    child.on('exit', (_code, signal) => {
      clearInterval(timer)
      clearTimeout(limit)
      resolve(signal)
    }),
  )
}

/**
 * Runs the batch `args` (into `dest`, `--part-size 512k --concurrency 1` and the like) until it is
 * fetching `key` in parts with its first two durable and checkpointed (the rest stall), then
 * SIGKILLs it: the partial file, checkpoint and lock of `<dest>/<name>` are left behind.
 */
export async function killWhileInParts(
  oss: MockOss,
  key: string,
  args: readonly string[],
  dest: string,
  name: string,
): Promise<void> {
  const state = [`${name}.resumable-part`, `${name}.resumable.json`, `${name}.resumable.lock`]
  const stall = oss.faults.add({
    fault: { type: 'stall', afterBytes: 0 },
    match: { key, ranged: true },
    skip: 2,
  })
  const signal = await runCliUntilKilled(args, () =>
    state.every((file) => existsSync(join(dest, file))),
  )
  stall()
  if (signal !== 'SIGKILL') throw new Error(`the batch ended (${signal}) before it was killed`)
}

/** Every file under `root` (symlinks and other non-directories too), relative, `/`-separated, sorted. */
export async function tree(root: string, base = ''): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(join(root, base), { withFileTypes: true })) {
    const rel = base === '' ? entry.name : `${base}/${entry.name}`
    if (entry.isDirectory()) out.push(...(await tree(root, rel)))
    else out.push(rel)
  }
  return out.sort()
}
