// Campaign — the network goes away under a real `resumable get s3://…/ <dir> --recursive` batch.
// The CLI reaches the mock through a TCP relay that the campaign cuts at seeded instants for seeded
// spans (the port refuses connections, every open connection is dropped), then restores.
// Phase 1: outages shorter than --outage-wait; the run must end with exit 0, no failed object,
// every outage reported (store-unreachable … store-reachable) and every file byte-identical.
// Phase 2: an outage longer than --outage-wait; the run must give the store up (store-given-up,
// exit 1, every unfinished object failed, none partial at a final name), and a rerun with the
// network back must finish with exit 0 without requesting any object the first run completed.
// Phase 3: the same for one big object downloaded alone (`get s3://…/key <file>`).
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MockOss } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'
import {
  Campaign,
  type CliExit,
  campaignArgs,
  cleanEnv,
  fileCrc64,
  filesUnder,
  isOwnFile,
  jsonEvents,
  KiB,
  MiB,
  prng,
  spawnCli,
} from './lib.ts'

const args = campaignArgs('outage — cut the network under a real batch, then restore it', {
  outages: { full: 6, short: 2, help: 'outages in phase 1, each shorter than --outage-wait' },
  small: { full: 600, short: 150, help: 'small objects (1–16 KiB)' },
  big: { full: 3, short: 1, help: 'big objects' },
  'big-mib': { full: 32, short: 8, help: 'size of each big object in MiB' },
  concurrency: { full: 16, short: 8, help: 'requests in flight for the batch' },
})
const c = new Campaign(
  'outage',
  `seed ${args.seed}, ${args.outages} outages, ${args.small} small + ${args.big} × ${args['big-mib']} MiB objects`,
)
const random = prng(args.seed)
const CREDENTIALS = { accessKeyId: 'outage-ak', secretAccessKey: 'outage-secret' }
const oss = new MockOss({ credentials: CREDENTIALS })
const objects = new Map<string, { size: number; crc: bigint }>()
const total = args.small + args.big
for (let i = 0; i < total; i++) {
  const isBig = args.big > 0 && i % Math.floor(total / args.big) === 1
  const size = isBig ? args['big-mib'] * MiB : 1 + Math.floor(random() * 16 * KiB)
  const key = `set/${String(i).padStart(5, '0')}${isBig ? '-big' : ''}.bin`
  const stored = oss.putObject('bucket', key, { generated: { size, seed: args.seed + i } })
  objects.set(key, { size, crc: stored.crc64 as bigint })
}
const totalBytes = [...objects.values()].reduce((sum, o) => sum + o.size, 0)
// Phase 1's cap: about 1.5 s of transfer per outage and one more, so that the batch is still
// running when the last outage begins (outages pause it; the gaps between them do not).
const phaseOneRate = Math.max(256 * KiB, Math.floor(totalBytes / ((args.outages + 1) * 1.5)))
const mock = await startMockOss({ oss })
const mockPort = Number(new URL(mock.url).port)

/** A TCP relay to the mock that can be cut (port closed, connections dropped) and restored. */
class Relay {
  port = 0
  cuts = 0
  #server: Server | undefined
  readonly #sockets = new Set<Socket>()

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(mockPort, '127.0.0.1')
      for (const s of [client, upstream]) {
        this.#sockets.add(s)
        s.on('error', () => {})
        s.on('close', () => this.#sockets.delete(s))
      }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    this.#server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.port = (server.address() as { port: number }).port
  }

  cut(): void {
    this.cuts++
    this.#server?.close()
    this.#server = undefined
    for (const s of this.#sockets) s.destroy()
  }

  close(): void {
    this.#server?.close()
    for (const s of this.#sockets) s.destroy()
  }
}

const relay = new Relay()
await relay.open()
const parent = await mkdtemp(join(tmpdir(), 'reliability-outage-'))
const env = cleanEnv({
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
})
const command = (dest: string, outageWait: number, limit?: number) => [
  ...['get', 's3://bucket/set/', dest, '--recursive', '--json'],
  ...['--concurrency', String(args.concurrency), '--part-size', '1MiB', '--retries', '2'],
  ...['--outage-wait', String(outageWait), '--endpoint', `http://127.0.0.1:${relay.port}`],
  ...(limit === undefined ? [] : ['--limit-rate', String(limit)]),
]
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Cuts the relay up to `outages` times while `run` goes on (1–4 s each, 0.3–1 s apart); the spans. */
async function cutWhileRunning(run: ReturnType<typeof spawnCli>): Promise<number[]> {
  const spans: number[] = []
  for (let i = 0; i < args.outages; i++) {
    await sleep(300 + Math.floor(random() * 700))
    if (run.child.exitCode !== null) break
    const span = 1000 + Math.floor(random() * 3000)
    spans.push(span)
    relay.cut()
    await sleep(span)
    await relay.open()
  }
  return spans
}

/** The run's end. A hang is a violation, not a campaign that never ends; the guard must not outlive the run. */
async function endOf(run: ReturnType<typeof spawnCli>): Promise<CliExit> {
  const guard = setTimeout(() => run.child.kill('SIGKILL'), 180_000)
  try {
    return await run.exited
  } finally {
    clearTimeout(guard)
  }
}

/** Every file at a final name is its object, whole; returns how many there are. */
async function checkFiles(dest: string, when: string): Promise<number> {
  let count = 0
  for (const rel of await filesUnder(dest)) {
    if (isOwnFile(rel)) continue
    const object = objects.get(`set/${rel}`)
    if (!c.check(object !== undefined, `${when}: ${rel} is not an object of the batch`)) continue
    const { size, crc } = await fileCrc64(join(dest, rel))
    c.check(size === object?.size && crc === object?.crc, `${when}: ${rel} is not its object`)
    count++
  }
  return count
}

/**
 * Phase 3: one big object alone (`get s3://… <file>`): outages shorter than --outage-wait end in
 * exit 0 with the file whole, each outage seen and ended, the download resumed from its
 * checkpoint; one longer than --outage-wait 2 ends in exit 1 with the checkpoint kept, and a
 * rerun resumes it.
 */
async function singleObject(): Promise<void> {
  const key = [...objects.keys()].find((k) => k.endsWith('-big.bin'))
  if (key === undefined) return
  const object = objects.get(key) as { size: number; crc: bigint }
  const file = join(parent, 'single.bin')
  const single = (outageWait: number, limit?: number) => [
    ...['get', `s3://bucket/${key}`, file, '--json', '--retries', '2'],
    ...['--concurrency', '4', '--part-size', '1MiB', '--outage-wait', String(outageWait)],
    ...['--endpoint', `http://127.0.0.1:${relay.port}`],
    ...(limit === undefined ? [] : ['--limit-rate', String(limit)]),
  ]
  const rate = Math.max(256 * KiB, Math.floor(object.size / ((args.outages + 1) * 1.5)))
  const run = spawnCli(single(60, rate), { env })
  while (!run.stdout().includes('"type":"start"') && run.child.exitCode === null) await sleep(20)
  const spans = await cutWhileRunning(run)
  const exit = await endOf(run)
  const events = jsonEvents(exit.stdout)
  const count = (type: string) => events.filter((e) => e.type === type).length
  c.check(exit.code === 0, `phase 3: exit ${exit.code}: ${exit.stderr.slice(-400)}`)
  c.check(
    spans.length === args.outages,
    `phase 3: the download ended after ${spans.length} of ${args.outages} outages`,
  )
  c.check(count('store-unreachable') >= 1, 'phase 3: no outage was seen')
  c.check(
    count('store-unreachable') === count('store-reachable'),
    `phase 3: ${count('store-unreachable')} outages seen, ${count('store-reachable')} ended`,
  )
  c.check(count('resumed') >= 1, 'phase 3: no attempt resumed from the checkpoint')
  const whole = await fileCrc64(file)
  c.check(
    whole.size === object.size && whole.crc === object.crc,
    'phase 3: the file is not its object',
  )
  await rm(file, { force: true })

  // Cut for longer than --outage-wait 2: exit 1, progress kept; the network back, a rerun resumes.
  const second = spawnCli(single(2, 2 * MiB), { env })
  while (!second.stdout().includes('"type":"part"') && second.child.exitCode === null)
    await sleep(20)
  relay.cut()
  const gaveUp = await second.exited
  const events2 = jsonEvents(gaveUp.stdout)
  c.check(
    gaveUp.code === 1,
    `phase 3: exit ${gaveUp.code} (1 expected): ${gaveUp.stderr.slice(-300)}`,
  )
  c.check(
    events2.some((e) => e.type === 'store-given-up'),
    'phase 3: no store-given-up event',
  )
  const leftAtFinal = await fileCrc64(file).then(
    () => true,
    () => false,
  )
  c.check(!leftAtFinal, 'phase 3: a file at the final name after giving up')
  await relay.open()
  const again = await spawnCli(single(60), { env }).exited
  const done = jsonEvents(again.stdout).find((e) => e.type === 'done')
  c.check(again.code === 0, `phase 3 rerun: exit ${again.code}: ${again.stderr.slice(-300)}`)
  c.check(Number(done?.resumedBytes) > 0, 'phase 3 rerun: nothing resumed')
  const after = await fileCrc64(file)
  c.check(
    after.size === object.size && after.crc === object.crc,
    'phase 3 rerun: the file is not its object',
  )
  c.log(
    `  phase 3: one ${object.size / MiB} MiB object through ${spans.length} outages, seen down ${count('store-unreachable')} times, exit ${exit.code} after ${(exit.ms / 1000).toFixed(1)} s; given up after ${(gaveUp.ms / 1000).toFixed(1)} s (exit ${gaveUp.code}) and resumed by a rerun (${String(done?.resumedBytes)} bytes kept)`,
  )
}

try {
  // Phase 1: outages of 1–4 s (under --outage-wait 60) while the batch runs, capped so that it
  // lasts long enough for all of them.
  const dest1 = join(parent, 'one')
  const run = spawnCli(command(dest1, 60, phaseOneRate), { env })
  while (!run.stdout().includes('"type":"batch-start"') && run.child.exitCode === null)
    await sleep(20)
  const spans = await cutWhileRunning(run)
  const exit = await endOf(run)
  const events = jsonEvents(exit.stdout)
  const count = (type: string) => events.filter((e) => e.type === type).length
  c.check(
    spans.length === args.outages,
    `phase 1: the batch ended after ${spans.length} of ${args.outages} outages`,
  )
  c.check(exit.code === 0, `phase 1: exit ${exit.code}: ${exit.stderr.slice(-400)}`)
  const failed = events.filter((e) => e.type === 'object-failed')
  c.check(
    failed.length === 0,
    `phase 1: ${failed.length} objects failed, the first: ${JSON.stringify(failed[0])}`,
  )
  c.check(count('store-given-up') === 0, 'phase 1: the store was given up')
  c.check(
    count('store-unreachable') === count('store-reachable'),
    `phase 1: ${count('store-unreachable')} outages seen, ${count('store-reachable')} ended`,
  )
  const files1 = await checkFiles(dest1, 'phase 1')
  c.check(files1 === objects.size, `phase 1: ${files1} of ${objects.size} objects downloaded`)
  const left1 = (await filesUnder(dest1)).filter((f) => isOwnFile(f) && !/journal$/.test(f))
  c.check(left1.length === 0, `phase 1: leftovers ${left1.slice(0, 5).join(', ')}`)
  c.log(
    `  phase 1: ${spans.length} outages of ${spans.map((s) => (s / 1000).toFixed(1)).join(', ')} s; the store seen down ${count('store-unreachable')} times; exit ${exit.code} after ${(exit.ms / 1000).toFixed(1)} s, ${files1} files byte-identical`,
  )

  // Phase 2: cut for longer than --outage-wait 2, never restored during the run.
  const dest2 = join(parent, 'two')
  const second = spawnCli(command(dest2, 2, 4 * MiB), { env })
  while (!second.stdout().includes('"type":"object-done"')) {
    if (second.child.exitCode !== null) break
    await sleep(20)
  }
  await sleep(200 + Math.floor(random() * 500))
  relay.cut()
  const gaveUp = await second.exited
  const events2 = jsonEvents(gaveUp.stdout)
  const done2 = events2.find((e) => e.type === 'batch-done') as Record<string, unknown> | undefined
  c.check(
    gaveUp.code === 1,
    `phase 2: exit ${gaveUp.code} (1 expected): ${gaveUp.stderr.slice(-300)}`,
  )
  c.check(
    events2.some((e) => e.type === 'store-given-up'),
    'phase 2: no store-given-up event',
  )
  const files2 = await checkFiles(dest2, 'phase 2, given up')
  c.check(
    done2 !== undefined && Number(done2.failed) + files2 === objects.size,
    `phase 2: ${String(done2?.failed)} failed + ${files2} done ≠ ${objects.size}`,
  )
  await relay.open()
  const completed = new Set(
    (await filesUnder(dest2)).filter((f) => !isOwnFile(f)).map((f) => `set/${f}`),
  )
  const logFrom = oss.served.log.length
  const rerun = spawnCli(command(dest2, 60), { env })
  const again = await rerun.exited
  c.check(again.code === 0, `phase 2 rerun: exit ${again.code}: ${again.stderr.slice(-300)}`)
  let requestedAgain = 0
  for (const entry of oss.served.log.slice(logFrom))
    if (completed.has(entry.key)) {
      requestedAgain++
      c.check(false, `phase 2 rerun: ${entry.method} ${entry.key} requested again`)
    }
  const filesAfter = await checkFiles(dest2, 'phase 2 rerun')
  c.check(filesAfter === objects.size, `phase 2 rerun: ${filesAfter} of ${objects.size} objects`)
  c.log(
    `  phase 2: given up after ${(gaveUp.ms / 1000).toFixed(1)} s with ${files2} done and ${String(done2?.failed)} failed; the rerun finished the rest in ${(again.ms / 1000).toFixed(1)} s, ${requestedAgain} completed objects requested again`,
  )
  await singleObject()
  c.verdict(
    `${spans.length} outages ridden out with no failure; a longer one given up and resumed by a rerun; ${objects.size} objects byte-identical; one big object through the same outages, alone`,
  )
} finally {
  relay.close()
  await mock.close()
  await rm(parent, { recursive: true, force: true })
}
