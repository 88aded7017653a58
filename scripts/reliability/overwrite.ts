// Campaign 3 — the object is overwritten mid-download, and between a kill (or a pause) and the
// resume: never a file mixing two versions. A changed object restarts (the CLI's policy for a
// file, up to 2 restarts) or fails (the CLI's policy for stdout, and the library's
// `onObjectChanged: 'fail'`), as configured.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc64, download, type ObjectChangedPolicy } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import type { StoredObject } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'
import { createUrlTransport } from '@resumable/transport-fetch'
import {
  Campaign,
  campaignArgs,
  fileCrc64,
  jsonEvents,
  MiB,
  prng,
  runCli,
  spawnCli,
  table,
} from './lib.ts'

const args = campaignArgs('overwrite — the object changes under a download', {
  rounds: { full: 2, short: 1, help: 'rounds of the 7 scenarios, each at a random instant' },
  'size-mib': { full: 16, short: 8, help: 'object size in MiB' },
})
const size = args['size-mib'] * MiB
const c = new Campaign(
  'overwrite',
  `seed ${args.seed}, ${args.rounds} round(s) of 7 scenarios, ${args['size-mib']} MiB objects`,
)
const random = prng(args.seed)
const server = await startMockOss()
const oss = server.oss
const partSize = 256 * 1024
const parts = size / partSize
const common = ['--part-size', '256KiB', '--concurrency', '4']
const slow = ['--limit-rate', String(Math.floor(size / 3))] // about 3 s: time to kill after a checkpoint
const brisk = ['--limit-rate', String(Math.floor(size / 1.5))] // about 1.5 s: time to change mid-way
const rows: string[][] = []
let counter = 0

/** A fresh object, every version it ever had, and a destination in a fresh directory. */
async function fresh(): Promise<{
  key: string
  url: string
  versions: StoredObject[]
  overwrite: () => void
  dir: string
  dest: string
}> {
  const key = `overwrite/object-${++counter}.bin`
  const versions = [
    oss.putObject('bucket', key, { generated: { size, seed: (args.seed + counter) >>> 0 } }),
  ]
  const dir = await mkdtemp(join(tmpdir(), 'reliability-overwrite-'))
  return {
    key,
    url: `${server.url}/bucket/${key}`,
    versions,
    overwrite: () => void versions.push(oss.overwrite('bucket', key)),
    dir,
    dest: join(dir, 'object.bin'),
  }
}

/** Which version a finished file is: its index, or -1 for none of them (a mix). */
async function whichVersion(path: string, versions: StoredObject[]): Promise<number> {
  const { size: got, crc } = await fileCrc64(path)
  return got === size ? versions.findIndex((v) => v.crc64 === crc) : -1
}

/** Overwrites the object when the `skip+1`-th ranged GET for it arrives (mid-download). */
function overwriteAtRequest(key: string, overwrite: () => void): number {
  const skip = 2 + Math.floor(random() * (parts / 2))
  oss.faults.add({
    fault: { type: 'mutate', mutate: overwrite },
    match: { method: 'GET', key, ranged: true },
    skip,
    times: 1,
  })
  return skip
}

/** Overwrites the object in each of the next `times` attempts (an attempt starts with a HEAD). */
function overwriteEachAttempt(key: string, overwrite: () => void, times: number): number {
  const at = 2 + Math.floor(random() * (parts / 2))
  let sinceHead = 0
  let done = 0
  oss.faults.add({
    fault: {
      type: 'mutate',
      mutate: () => {
        sinceHead = 0
      },
    },
    match: { method: 'HEAD', key },
  })
  oss.faults.add({
    fault: {
      type: 'mutate',
      mutate: () => {
        if (++sinceHead === at && done++ < times) overwrite()
      },
    },
    match: { method: 'GET', key, ranged: true },
  })
  return at
}

async function leftovers(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f !== 'object.bin')
  return files.length === 0 ? '-' : files.join(' ')
}

function row(scenario: string, when: string, expected: string, outcome: string, ok: boolean) {
  rows.push([scenario, when, expected, outcome, ok ? 'ok' : 'FAIL'])
}

/** 1. CLI to a file: a change mid-download restarts from zero on the new version. */
async function cliRestart(): Promise<void> {
  const t = await fresh()
  const skip = overwriteAtRequest(t.key, t.overwrite)
  const exit = await runCli(['get', t.url, t.dest, ...common, ...brisk, '--json'])
  const done = jsonEvents(exit.stdout).find((e) => e.type === 'done')
  const restarts = jsonEvents(exit.stdout).filter((e) => e.type === 'restart').length
  const v = existsSync(t.dest) ? await whichVersion(t.dest, t.versions) : -2
  const ok = c.check(
    exit.code === 0 && v === t.versions.length - 1 && restarts === 1 && done?.restarts === 1,
    `cli restart: exit ${exit.code}, file is version ${v} of ${t.versions.length}, ${restarts} restart event(s)`,
  )
  row(
    'CLI → file (restart)',
    `GET #${skip + 1}`,
    'exit 0, new version',
    `exit ${exit.code}, v${v + 1}/${t.versions.length}, ${restarts} restart`,
    ok,
  )
  await rm(t.dir, { recursive: true, force: true })
}

/** 2. CLI to a file: more changes than the 2 restarts allowed fail, leaving nothing. */
async function cliTooMany(): Promise<void> {
  const t = await fresh()
  const skip = overwriteEachAttempt(t.key, t.overwrite, 3)
  const exit = await runCli(['get', t.url, t.dest, ...common, ...brisk])
  const left = await leftovers(t.dir)
  const lines = exit.stderr.split('\n').filter((l) => /^error:/.test(l))
  const ok = c.check(
    exit.code === 1 &&
      !existsSync(t.dest) &&
      left === '-' &&
      lines.length === 1 &&
      /changed/.test(lines[0] ?? ''),
    `cli too many changes: exit ${exit.code}, dest ${existsSync(t.dest)}, left ${left}, stderr ${exit.stderr.trim().slice(-200)}`,
  )
  row(
    'CLI → file, changed in 3 attempts (> 2 restarts)',
    `GET #${skip} of each`,
    'exit 1, no file, nothing left',
    `exit ${exit.code}, ${existsSync(t.dest) ? 'FILE' : 'no file'}, left ${left}`,
    ok,
  )
  await rm(t.dir, { recursive: true, force: true })
}

/** 3. CLI to stdout: a change fails, and what was streamed is a prefix of the first version only. */
async function cliStdout(): Promise<void> {
  const t = await fresh()
  const skip = overwriteAtRequest(t.key, t.overwrite)
  const run = spawnCli(['get', t.url, '-', ...common, ...brisk, '--quiet'])
  const chunks: Buffer[] = []
  run.child.stdout?.removeAllListeners('data')
  run.child.stdout?.setEncoding('latin1' as BufferEncoding)
  run.child.stdout?.on('data', (d: string) => void chunks.push(Buffer.from(d, 'latin1')))
  const exit = await run.exited
  const got = new Uint8Array(Buffer.concat(chunks))
  const first = t.versions[0] as StoredObject
  let prefix = 0n
  if (got.length > 0)
    for (const chunk of first.source.chunks(0, got.length - 1, MiB))
      prefix = crc64('crc64xz', chunk, prefix)
  const ok = c.check(
    exit.code === 1 &&
      got.length < size &&
      crc64('crc64xz', got) === prefix &&
      /changed/.test(exit.stderr),
    `cli stdout: exit ${exit.code}, ${got.length} bytes streamed, prefix of v1: ${crc64('crc64xz', got) === prefix}`,
  )
  row(
    'CLI → stdout (fail)',
    `GET #${skip + 1}`,
    'exit 1, stream = prefix of v1',
    `exit ${exit.code}, ${(got.length / MiB).toFixed(2)} MiB of v1 only`,
    ok,
  )
  await rm(t.dir, { recursive: true, force: true })
}

/** 4–5. Changed between a kill -9 (or a pause) and the resume: the stale checkpoint is discarded. */
async function betweenRuns(how: 'SIGKILL' | 'SIGINT'): Promise<void> {
  const t = await fresh()
  const run = spawnCli(['get', t.url, t.dest, ...common, ...slow, '--json'])
  const wait = 1200 + Math.floor(random() * 1200)
  const poll = setInterval(() => {
    if (existsSync(`${t.dest}.resumable.json`) && Date.now() - run.startedAt > wait) {
      clearInterval(poll)
      run.child.kill(how)
    }
  }, 20)
  const first = await run.exited
  clearInterval(poll)
  c.check(
    how === 'SIGKILL' ? first.signal === 'SIGKILL' : first.code === 130,
    `${how}: the first run ended with ${first.signal ?? first.code}`,
  )
  t.overwrite()
  const servedFrom = oss.served.bodyBytes
  const exit = await runCli(['get', t.url, t.dest, ...common, '--json'])
  const events = jsonEvents(exit.stdout)
  const discarded = events.find((e) => e.type === 'checkpoint-discarded')
  const start = events.find((e) => e.type === 'start' || e.type === 'resumed')
  const v = existsSync(t.dest) ? await whichVersion(t.dest, t.versions) : -2
  const served = oss.served.bodyBytes - servedFrom
  const ok = c.check(
    exit.code === 0 &&
      v === 1 &&
      discarded?.problem === 'stale' &&
      start?.resumedBytes === 0 &&
      served === size,
    `${how} then overwrite: exit ${exit.code}, version ${v}, discarded ${JSON.stringify(discarded)}, resumed ${String(start?.resumedBytes)}, served ${served}`,
  )
  row(
    `CLI → file, changed after ${how === 'SIGKILL' ? 'kill -9' : 'Ctrl-C'}`,
    `after ${(first.ms / 1000).toFixed(1)} s`,
    'discarded (stale), from 0, new version',
    `exit ${exit.code}, ${String(discarded?.problem)}, fetched ${(served / MiB).toFixed(1)} MiB, v${v + 1}/2`,
    ok,
  )
  await rm(t.dir, { recursive: true, force: true })
}

/** 6–7. The library with each policy, to a file: 'fail' rejects and leaves nothing; 'restart' finishes. */
async function library(policy: ObjectChangedPolicy): Promise<void> {
  const t = await fresh()
  const skip = overwriteAtRequest(t.key, t.overwrite)
  const store = new FileCheckpointStore()
  let outcome: string
  let error: unknown
  let restarts = -1
  try {
    const result = await download({
      transport: createUrlTransport({ url: t.url }),
      target: new FileTarget(t.dest),
      checkpoint: store,
      partSize,
      concurrency: 4,
      maxBytesPerSecond: Math.floor(size / 1.5),
      onObjectChanged: policy,
    })
    restarts = result.restarts
    outcome = `resolved, ${restarts} restart`
  } catch (e) {
    error = e
    outcome = `${(e as Error).name}`
  }
  const left = await leftovers(t.dir)
  const v = existsSync(t.dest) ? await whichVersion(t.dest, t.versions) : -2
  const ok =
    policy === 'fail'
      ? c.check(
          (error as Error | undefined)?.name === 'ObjectChangedError' && v === -2 && left === '-',
          `library fail: ${outcome}, file ${v}, left ${left}`,
        )
      : c.check(
          restarts === 1 && v === 1 && left === '-',
          `library restart: ${outcome}, file ${v}, left ${left}`,
        )
  row(
    `library → file, onObjectChanged '${policy}'`,
    `GET #${skip + 1}`,
    policy === 'fail' ? 'ObjectChangedError, no file, nothing left' : 'resolves, new version',
    `${outcome}, ${v >= 0 ? `v${v + 1}/2` : 'no file'}, left ${left}`,
    ok,
  )
  await rm(t.dir, { recursive: true, force: true })
}

try {
  for (let round = 0; round < args.rounds; round++) {
    await cliRestart()
    await cliTooMany()
    await cliStdout()
    await betweenRuns('SIGKILL')
    await betweenRuns('SIGINT')
    await library('fail')
    await library('restart')
  }
  c.log(table(['scenario', 'change at', 'expected', 'outcome', 'ok'], rows))
  c.verdict(
    `${rows.filter((r) => r[4] === 'ok').length}/${rows.length} scenarios as configured; no file ever mixed two versions`,
  )
} finally {
  await server.close()
}
