// Campaign — kill -9 a real `resumable get s3://…/ <dir> --recursive` batch at seeded instants,
// then let it finish (`--manifest 1`: the same objects as the lines of a manifest, listed without
// sizes, so each object's way of downloading is chosen from its first answer): every file byte-identical to its object, no object the previous runs had
// completed (journaled, or at its final name) requested again (from the mock's request log), no
// partial file at any final name after any kill, and nothing written outside the destination.
// `--shards N`: the runs take the batch's N shards (`--shard i/N`) in turn, one after another into
// the same directory; every shard must still find its own finished objects and commits again.
// `--together 1` with it: the N shards run at the same time into the directory, each killed at
// instants of its own, as the pods of an Indexed Job on one shared volume would be.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BatchJournalCodec } from '@resumable/core'
import { MockOss } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'
import {
  Campaign,
  campaignArgs,
  cleanEnv,
  fileCrc64,
  filesUnder,
  isOwnFile,
  KiB,
  MiB,
  prng,
  spawnCli,
} from './lib.ts'

const args = campaignArgs('batch-kill — kill -9 a real batch at random instants', {
  kills: { full: 50, short: 6, help: 'SIGKILLs before the final run' },
  small: { full: 1000, short: 150, help: 'small objects (1–16 KiB)' },
  big: { full: 3, short: 2, help: 'big objects' },
  'big-mib': { full: 64, short: 8, help: 'size of each big object in MiB' },
  concurrency: { full: 16, short: 8, help: 'requests in flight for the batch' },
  manifest: {
    full: 0,
    short: 0,
    help: '1: read the objects from an NDJSON manifest, not a listing',
  },
  shards: {
    full: 0,
    short: 0,
    help: 'N ≥ 2: the runs take the N shards in turn, one after another into the same directory',
  },
  together: {
    full: 0,
    short: 0,
    help: '1 (with --shards N): the N shards run at the same time into the directory',
  },
})
const fromManifest = args.manifest === 1
const shards = Math.max(1, args.shards)
const together = shards > 1 && args.together === 1
/** The shard flag of shard `i` (none unless sharded). */
const shardOf = (i: number): string[] => (shards > 1 ? ['--shard', `${i % shards}/${shards}`] : [])
const c = new Campaign(
  'batch-kill',
  `seed ${args.seed}, ${args.kills} kills, ${args.small} small + ${args.big} × ${args['big-mib']} MiB objects${fromManifest ? ', from a manifest' : ''}${shards > 1 ? `, ${shards} shards ${together ? 'at once' : 'in turn'} into one directory` : ''}`,
)
const random = prng(args.seed)
const CREDENTIALS = { accessKeyId: 'batch-kill-ak', secretAccessKey: 'batch-kill-secret' }
const oss = new MockOss({ credentials: CREDENTIALS })
const total = args.small + args.big
const objects = new Map<string, { size: number; crc: bigint }>()
let totalBytes = 0
for (let i = 0; i < total; i++) {
  // Big objects spread through the listing, so kills land among small and big ones alike.
  const isBig =
    args.big > 0 && i % Math.floor(total / args.big) === Math.floor(total / args.big / 2)
  const size = isBig ? args['big-mib'] * MiB : 1 + Math.floor(random() * 16 * KiB)
  const key = `batch/${String(i).padStart(5, '0')}${isBig ? '-big' : ''}.bin`
  const stored = oss.putObject('bucket', key, { generated: { size, seed: args.seed + i } })
  objects.set(key, { size, crc: stored.crc64 as bigint })
  totalBytes += size
}
// Killed runs cap the batch's rate (`--limit-rate`, shared by every object in flight), so a big
// object is still in flight at most kills; the listing is not capped; the final run has no cap.
const window = Math.max(1, args.kills) * 1.5
const perObject = Math.max(64 * KiB, Math.floor((0.6 * args['big-mib'] * MiB) / window))
const fast = await startMockOss({ oss })
const parent = await mkdtemp(join(tmpdir(), 'reliability-batch-kill-'))
const dest = join(parent, 'data')
const env = cleanEnv({
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
})
// The manifest lives outside the parent, which must hold nothing but the destination.
const manifestDir = fromManifest ? await mkdtemp(join(tmpdir(), 'reliability-batch-manifest-')) : ''
const manifest = join(manifestDir, 'objects.ndjson')
if (fromManifest) {
  const lines = [...objects.keys()].map((key) =>
    JSON.stringify({ source: `s3://bucket/${key}`, dest: key.slice('batch/'.length) }),
  )
  await writeFile(manifest, `${lines.join('\n')}\n`)
}
const source = fromManifest ? ['--manifest', manifest, `${dest}/`] : ['s3://bucket/batch/', dest]
const common = [
  ...(fromManifest ? [] : ['--recursive']),
  '--json',
  '--concurrency',
  String(args.concurrency),
  '--part-size',
  '1MiB',
]
c.log(
  `${objects.size} objects, ${(totalBytes / MiB).toFixed(1)} MiB; killed runs capped at ${(perObject / KiB).toFixed(0)} KiB/s`,
)

/** Keys with a file at their final name, checked byte-identical the first time they appear. */
const published = new Set<string>()
const finalFiles = () => filesUnder(dest)

/** Every new file at a final name must be its object, whole: a kill never leaves a partial one there. */
async function checkPublished(when: string): Promise<void> {
  for (const rel of await finalFiles()) {
    if (isOwnFile(rel)) continue
    const key = `batch/${rel}`
    const object = objects.get(key)
    if (!c.check(object !== undefined, `${when}: ${rel} is not an object of the batch`)) continue
    if (published.has(key)) {
      c.check(
        (await stat(join(dest, rel))).size === object?.size,
        `${when}: ${rel} changed size after it was published`,
      )
      continue
    }
    const { size, crc } = await fileCrc64(join(dest, rel))
    c.check(
      size === object?.size && crc === object?.crc,
      `${when}: ${rel} at its final name is not the object (partial or mixed)`,
    )
    published.add(key)
  }
}

/** The batch's journals: the whole batch's, or each shard's. */
const JOURNAL = /^\.resumable-batch\.(shard-\d+-of-\d+\.)?journal$/

async function journaledDone(): Promise<Set<string>> {
  const done = new Set<string>()
  const names = await readdir(dest).catch(() => [] as string[])
  for (const name of names.filter((n) => JOURNAL.test(n))) {
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await readFile(join(dest, name)))
    } catch {
      continue
    }
    const decoded = BatchJournalCodec.decode(bytes)
    c.check(decoded.ok, `the journal ${name} is unreadable after a kill`)
    if (decoded.ok) for (const r of decoded.records) if (r.type === 'done') done.add(r.key)
  }
  return done
}

let killed = 0
let requestedAgain = 0
let finished = false
/** Shards whose run ended by itself, with exit 0. */
const shardsDone = new Set<number>()
try {
  /**
   * One run of `shard` (killed runs rate-capped), killed at a seeded instant unless it ends first:
   * 20 % of kills land in start-up or the listing; the rest after a seeded number of objects
   * finished in this run (or a seeded time with none finishing), plus a seeded delay — instants
   * tied to progress, not to the machine's speed. Each run finishes on average under half of its share of the small objects, so all
   * `kills` land before the batch completes and the final run still has work (with one request
   * per small object a run moves fast: a wider window let the batch end after ~37 kills of 50).
   */
  const killedRun = async (shard: number) => {
    const early = random() < 0.2
    const delay = early ? Math.floor(random() * 1200) : Math.floor(random() * 150)
    const after = Math.floor(random() * 0.8 * (args.small / Math.max(1, args.kills)))
    const run = spawnCli(
      [
        ...['get', ...source, ...common, ...shardOf(shard)],
        ...['--endpoint', fast.url, '--limit-rate', String(perObject)],
      ],
      { env },
    )
    let timer: NodeJS.Timeout | undefined
    const schedule = (): void => {
      timer ??= setTimeout(() => run.child.kill('SIGKILL'), delay)
    }
    if (early) schedule()
    // When only big objects are left, objects finish seldom: a seeded time after the batch's
    // start kills the run mid-object instead of waiting for the guard below.
    const idle = 1500 + Math.floor(random() * 2500)
    let startedAt: number | undefined
    const poll = setInterval(() => {
      if (early) return
      if (!run.stdout().includes('"type":"batch-start"')) return
      startedAt ??= Date.now()
      const finishedHere = run.stdout().split('"type":"object-done"').length - 1
      if (finishedHere >= after || Date.now() - startedAt >= idle) schedule()
    }, 10)
    const guard = setTimeout(() => run.child.kill('SIGKILL'), 60_000)
    const exit = await run.exited
    clearInterval(poll)
    clearTimeout(guard)
    clearTimeout(timer)
    return { shard, exit }
  }
  for (let i = 0; i < args.kills && !finished; i++) {
    const completed = new Set([...(await journaledDone()), ...published])
    const logFrom = oss.served.log.length
    // Together: every shard not done yet, at once; otherwise the shards in turn.
    const runs = together
      ? await Promise.all(
          Array.from({ length: shards }, (_, s) => s)
            .filter((s) => !shardsDone.has(s))
            .map(killedRun),
        )
      : [await killedRun(i % shards)]
    for (const { shard, exit } of runs) {
      if (exit.signal === 'SIGKILL') killed++
      else {
        if (exit.code === 0) shardsDone.add(shard)
        c.check(
          exit.code === 0,
          `run ${i}${shards > 1 ? ` of shard ${shard}/${shards}` : ''}: exit ${exit.code} instead of a kill: ${exit.stderr.slice(0, 300)}`,
        )
      }
    }
    finished = shardsDone.size === shards
    for (const entry of oss.served.log.slice(logFrom)) {
      if (!completed.has(entry.key)) continue
      requestedAgain++
      c.check(
        false,
        `run ${i}: ${entry.method} ${entry.key} requested again after it was completed`,
      )
    }
    const before = published.size
    await checkPublished(`after kill ${i}`)
    const how = runs.map(({ exit }) => `${exit.signal ?? `exit ${exit.code}`} after ${exit.ms} ms`)
    c.log(
      `  run ${i}: ${how.join(' / ')}, ${oss.served.log.length - logFrom} requests, ${published.size - before} objects published (${published.size} in all)`,
    )
  }
  const logFrom = oss.served.log.length
  const completed = new Set([...(await journaledDone()), ...published])
  // Every shard to its end: at once when together, else one after another (one run when not sharded).
  const finalRun = async (shard: number): Promise<void> => {
    const final = spawnCli(
      ['get', ...source, ...common, ...shardOf(shard), '--endpoint', fast.url],
      { env },
    )
    const exit = await final.exited
    c.check(
      exit.code === 0,
      `final run${shards > 1 ? ` of shard ${shard}/${shards}` : ''}: exit ${exit.code}: ${exit.stderr.slice(-500)}`,
    )
  }
  const all = Array.from({ length: shards }, (_, s) => s)
  if (together) await Promise.all(all.map(finalRun))
  else for (const shard of all) await finalRun(shard)
  for (const entry of oss.served.log.slice(logFrom))
    if (completed.has(entry.key)) {
      requestedAgain++
      c.check(
        false,
        `final run: ${entry.method} ${entry.key} requested again after it was completed`,
      )
    }
  await checkPublished('after the final run')
  // The journals stay (a rerun is then a no-op); nothing else of resumable's may.
  const left = (await finalFiles()).filter((f) => isOwnFile(f) && !JOURNAL.test(f))
  c.check(left.length === 0, `leftovers after the final run: ${left.slice(0, 5).join(', ')}`)
  const staging = (await readdir(dest)).filter((name) =>
    /^\.resumable-batch\..*staging$/.test(name),
  )
  c.check(
    staging.length === 0,
    `a staging directory is left after the final run: ${staging.join(', ')}`,
  )
  c.check(
    published.size === objects.size,
    `${published.size} of ${objects.size} objects at their destination`,
  )
  const outside = (await readdir(parent)).filter((name) => name !== 'data')
  c.check(outside.length === 0, `written outside the destination: ${outside.join(', ')}`)
  c.check(existsSync(dest), 'the destination exists')
  c.verdict(
    `${killed} kills, ${objects.size} objects byte-identical, ${requestedAgain} completed objects requested again, no partial file at a final name, nothing outside the destination`,
  )
} finally {
  await fast.close()
  await rm(parent, { recursive: true, force: true })
  if (fromManifest) await rm(manifestDir, { recursive: true, force: true })
}
