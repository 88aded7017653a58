// Campaign 4 — a damaged or foreign checkpoint is never trusted: random byte flips, truncations,
// an empty file, garbage, a checkpoint of another object or destination, of an older version of
// the object, of another format version, or without its partial file. Each time the run says why
// it discarded the checkpoint (the --json `checkpoint-discarded` event), fetches the whole object
// again (served bytes = object size), and finishes byte-identical.
import { existsSync } from 'node:fs'
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CheckpointCodec } from '@resumable/core'
import { startMockOss } from '@resumable/testkit/node'
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

const args = campaignArgs('corrupt-checkpoint — damaged and foreign checkpoints are discarded', {
  flips: { full: 30, short: 3, help: 'checkpoints with 1–4 random bytes changed' },
  truncations: { full: 10, short: 1, help: 'checkpoints cut at a random length' },
  'size-mib': { full: 8, short: 4, help: 'object size in MiB' },
})
const size = args['size-mib'] * MiB
const c = new Campaign(
  'corrupt-checkpoint',
  `seed ${args.seed}, ${args.flips} flips, ${args.truncations} truncations, 9 crafted cases, ${args['size-mib']} MiB object`,
)
const random = prng(args.seed)
const server = await startMockOss()
const object = server.oss.putObject('bucket', 'cp/object.bin', {
  generated: { size, seed: args.seed },
})
server.oss.putObject('bucket', 'cp/other.bin', { generated: { size, seed: args.seed + 1 } })
const url = `${server.url}/bucket/cp/object.bin`
const otherUrl = `${server.url}/bucket/cp/other.bin`
const dir = await mkdtemp(join(tmpdir(), 'reliability-checkpoint-'))
const dest = join(dir, 'object.bin')
const cpPath = `${dest}.resumable.json`
const tempPath = `${dest}.resumable-part`
const common = ['--part-size', '256KiB', '--concurrency', '4']

/** Runs until a checkpoint exists and names some bytes, then Ctrl-C: a genuine paused download. */
async function pausedDownload(
  source: string,
  to: string,
): Promise<{ cp: Uint8Array; temp: string }> {
  const run = spawnCli(['get', source, to, ...common, '--limit-rate', String(Math.floor(size / 3))])
  const poll = setInterval(async () => {
    const bytes = await readFile(`${to}.resumable.json`).catch(() => undefined)
    if (bytes && CheckpointCodec.decode(new Uint8Array(bytes)).state.bytesDone > 0) {
      clearInterval(poll)
      run.child.kill('SIGINT')
    }
  }, 50)
  const exit = await run.exited
  clearInterval(poll)
  if (exit.code !== 130) throw new Error(`could not make a paused download: ${exit.stderr}`)
  const saved = join(dir, `saved-${Math.floor(random() * 1e9)}.part`)
  await copyFile(`${to}.resumable-part`, saved)
  const cp = new Uint8Array(await readFile(`${to}.resumable.json`))
  await rm(`${to}.resumable-part`)
  await rm(`${to}.resumable.json`)
  return { cp, temp: saved }
}

interface Case {
  readonly name: string
  readonly checkpoint: Uint8Array
  readonly problems: readonly string[]
  /** Leave the partial file out (its checkpoint is intact). */
  readonly noTemp?: boolean
}

const genuine = await pausedDownload(url, dest)
const foreignObject = await pausedDownload(otherUrl, dest)
const foreignDest = await pausedDownload(url, join(dir, 'elsewhere.bin'))
const decoded = CheckpointCodec.decode(genuine.cp)
c.log(
  `genuine checkpoint: ${genuine.cp.length} bytes naming ${decoded.state.bytesDone} durable bytes (${decoded.state.doneCount} parts done, ${decoded.state.partials().length} partial)`,
)
const text = new TextDecoder().decode(genuine.cp)
const encode = (s: string): Uint8Array => new TextEncoder().encode(s)
const cases: Case[] = []
for (let i = 0; i < args.flips; i++) {
  const bytes = genuine.cp.slice()
  const n = 1 + Math.floor(random() * 4)
  const at: number[] = []
  for (let k = 0; k < n; k++) {
    const p = Math.floor(random() * bytes.length)
    bytes[p] = (bytes[p] as number) ^ (1 + Math.floor(random() * 255))
    at.push(p)
  }
  cases.push({
    name: `${n} byte(s) changed at ${at.join(',')}`,
    checkpoint: bytes,
    problems: ['corrupt', 'truncated', 'unsupported-version'],
  })
}
for (let i = 0; i < args.truncations; i++) {
  const length = 1 + Math.floor(random() * (genuine.cp.length - 1))
  cases.push({
    name: `truncated to ${length} of ${genuine.cp.length} bytes`,
    checkpoint: genuine.cp.slice(0, length),
    problems: ['truncated', 'corrupt'],
  })
}
const stale = CheckpointCodec.encode({
  ...decoded,
  identity: {
    ...decoded.identity,
    object: { ...decoded.identity.object, etag: '"0123456789ABCDEF0123456789ABCDEF"' },
  },
})
cases.push(
  { name: 'empty file', checkpoint: new Uint8Array(0), problems: ['truncated', 'corrupt'] },
  { name: 'garbage text', checkpoint: encode('not a checkpoint at all\n'), problems: ['corrupt'] },
  {
    name: 'random binary (4 KiB)',
    checkpoint: Uint8Array.from({ length: 4096 }, () => Math.floor(random() * 256)),
    problems: ['corrupt'],
  },
  { name: 'valid JSON, not a checkpoint ({})', checkpoint: encode('{}\n'), problems: ['corrupt'] },
  {
    name: 'right header, garbage JSON body',
    checkpoint: encode(`${text.slice(0, text.indexOf('"body":') + 7)}{"source":}}\n`),
    problems: ['corrupt'],
  },
  { name: 'checkpoint of another object', checkpoint: foreignObject.cp, problems: ['foreign'] },
  { name: 'checkpoint of another destination', checkpoint: foreignDest.cp, problems: ['foreign'] },
  { name: 'older version of the object (ETag)', checkpoint: stale, problems: ['stale'] },
  {
    name: 'format version 2',
    checkpoint: encode(text.replace('"version":1,', '"version":2,')),
    problems: ['unsupported-version'],
  },
  {
    name: 'intact, but the partial file is gone',
    checkpoint: genuine.cp,
    problems: ['temp-missing'],
    noTemp: true,
  },
)

const rows: string[][] = []
try {
  for (const [i, kase] of cases.entries()) {
    await rm(dest, { force: true })
    await writeFile(cpPath, kase.checkpoint)
    if (!kase.noTemp) await copyFile(genuine.temp, tempPath)
    else await rm(tempPath, { force: true })
    const servedFrom = server.oss.served.bodyBytes
    const exit = await runCli(['get', url, dest, ...common, '--json'])
    const served = server.oss.served.bodyBytes - servedFrom
    const events = jsonEvents(exit.stdout)
    const discarded = events.find((e) => e.type === 'checkpoint-discarded')
    const start = events.find((e) => e.type === 'start' || e.type === 'resumed')
    const got = existsSync(dest) ? await fileCrc64(dest) : undefined
    const identical = got?.size === size && got.crc === object.crc64
    const problems: string[] = []
    if (exit.code !== 0) problems.push(`exit ${exit.code}: ${exit.stdout.slice(-300)}`)
    if (!identical) problems.push('the destination is not byte-identical')
    if (!kase.problems.includes(String(discarded?.problem)))
      problems.push(
        `discarded as ${String(discarded?.problem)}, expected ${kase.problems.join('|')}`,
      )
    if (start?.resumedBytes !== 0) problems.push(`resumed ${String(start?.resumedBytes)} bytes`)
    if (served !== size) problems.push(`served ${served} bytes, not the whole object`)
    for (const f of [cpPath, tempPath, `${dest}.resumable.lock`])
      if (existsSync(f)) problems.push(`left behind: ${f}`)
    for (const p of problems) c.check(false, `${kase.name}: ${p}`)
    rows.push([
      String(i + 1),
      kase.name,
      String(discarded?.problem ?? '-'),
      `${((discarded?.message as string | undefined) ?? '').slice(0, 70)}`,
      `${(served / MiB).toFixed(2)} MiB`,
      identical ? 'identical' : 'WRONG',
      problems.length === 0 ? 'ok' : 'FAIL',
    ])
  }
  c.log(table(['#', 'checkpoint', 'discarded as', 'reason given', 'fetched', 'result', 'ok'], rows))
  const ok = rows.filter((r) => r[6] === 'ok').length
  c.verdict(
    `${ok}/${rows.length} damaged or foreign checkpoints discarded with a reason, whole object re-fetched, file byte-identical`,
  )
} finally {
  await server.close()
  await rm(dir, { recursive: true, force: true })
}
