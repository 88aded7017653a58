// Campaign 1 — kill -9 at seeded random instants of a real `resumable get` process, then a final
// run: 100 % of kills survived, byte-identical result, the destination never partial, and no byte
// that a checkpoint named durable is ever requested again (checked against the mock's request log).
import { createHash } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startMockOss } from '@resumable/testkit/node'
import {
  Campaign,
  campaignArgs,
  fileCrc64,
  fmtBytes,
  jsonEvents,
  KiB,
  MiB,
  mergeRanges,
  overlap,
  parseRangeHeader,
  prng,
  rangeBytes,
  readDurable,
  spawnCli,
} from './lib.ts'

const args = campaignArgs('kill9 — kill -9 a real `resumable get` at random instants', {
  kills: { full: 100, short: 10, help: 'SIGKILLs before the final run' },
  'size-mib': { full: 128, short: 16, help: 'object size in MiB' },
  'part-kib': { full: 256, short: 256, help: 'part size in KiB' },
  concurrency: { full: 2, short: 2, help: 'parts fetched at once' },
  checksum: {
    full: 0,
    short: 0,
    help: "1: every run passes --checksum sha256=<the object's> (hashed as the parts land, across the kills)",
  },
  'expect-splits': {
    full: 0,
    short: 0,
    help: '1: fail unless a killed run fetched a split-off tail (parts of 4 MiB and more, more workers than parts)',
  },
})
const size = args['size-mib'] * MiB
const kills = args.kills
const c = new Campaign(
  'kill9',
  `seed ${args.seed}, ${kills} kills, ${args['size-mib']} MiB object, ${args['part-kib']} KiB parts`,
)
const random = prng(args.seed)
// Slow enough that the killed runs never finish (about 60 % of the object in all of them
// together), fast enough that parts complete within a run.
const rate = Math.max(64 * KiB, Math.floor((0.6 * size) / (kills * 1.9)))

const server = await startMockOss()
const object = server.oss.putObject('bucket', 'kill9/object.bin', {
  generated: { size, seed: args.seed },
})
const url = `${server.url}/bucket/kill9/object.bin`
const dir = await mkdtemp(join(tmpdir(), 'reliability-kill9-'))
const dest = join(dir, 'object.bin')
const checkpointPath = `${dest}.resumable.json`
const tempPath = `${dest}.resumable-part`
const sha256 = createHash('sha256')
for (const chunk of object.source.chunks(0, size - 1, 8 * MiB)) sha256.update(chunk)
const digest = sha256.digest('hex')
const common = [
  ...['--part-size', `${args['part-kib']}KiB`, '--concurrency', String(args.concurrency), '--json'],
  ...(args.checksum === 1 ? ['--checksum', `sha256=${digest}`] : []),
]
c.log(`object ${fmtBytes(size)}, CRC-64 ${object.crc64}; killed runs capped at ${fmtBytes(rate)}/s`)

/** Compares bytes [a, b] of the temp file with the object: durable bytes must be the object's. */
async function sameAsObject(a: number, b: number): Promise<boolean> {
  const handle = await open(tempPath, 'r')
  try {
    let at = a
    for (const chunk of object.source.chunks(a, b, MiB)) {
      const got = new Uint8Array(chunk.length)
      const { bytesRead } = await handle.read(got, 0, chunk.length, at)
      if (bytesRead !== chunk.length || Buffer.compare(got, chunk) !== 0) return false
      at += chunk.length
    }
    return true
  } finally {
    await handle.close()
  }
}

let durable: [number, number][] = []
let killed = 0
let beforeStart = 0
let withGain = 0
let withPartials = 0
let lostAtKills = 0
let maxLost = 0
let refetchedDurable = 0
let published = false
/** Requests of killed runs that began neither at a part's start nor where a durable range
 * ended: tails split off a part in flight (kill9 injects no faults, so no retry starts mid-part). */
let splitTails = 0
const partBytes = args['part-kib'] * KiB
const countSplits = (entries: readonly { range?: string | undefined }[]): number => {
  let count = 0
  for (const entry of entries) {
    const r = parseRangeHeader(entry.range)
    if (r && r[0] % partBytes !== 0 && !durable.some(([, e]) => e + 1 === r[0])) count++
  }
  return count
}

try {
  for (let i = 0; i < kills && !published; i++) {
    const logFrom = server.oss.served.log.length
    const servedFrom = server.oss.served.bodyBytes
    const duringStartup = random() < 0.15
    // Milliseconds after spawn (startup, stat) or after the start event (parts in flight).
    const delay = duringStartup ? Math.floor(random() * 1000) : Math.floor(random() * 3500)
    const run = spawnCli(['get', url, dest, ...common, '--limit-rate', String(rate)])
    let killTimer: NodeJS.Timeout | undefined
    const schedule = (): void => {
      killTimer ??= setTimeout(() => run.child.kill('SIGKILL'), delay)
    }
    if (duringStartup) schedule()
    const guard = setTimeout(() => run.child.kill('SIGKILL'), 30_000)
    const poll = setInterval(() => {
      if (existsSync(dest)) published = true
      if (!duringStartup && /"type":"(start|resumed)"/.test(run.stdout())) schedule()
    }, 20)
    const exit = await run.exited
    clearInterval(poll)
    clearTimeout(guard)
    clearTimeout(killTimer)
    const started = /"type":"(start|resumed)"/.test(exit.stdout)
    if (!started) beforeStart++
    c.check(
      exit.signal === 'SIGKILL' && killTimer !== undefined,
      `run ${i}: ended by ${exit.signal ?? `exit ${exit.code}`} instead of the scheduled kill: ${exit.stderr.trim().slice(0, 300)}`,
    )
    if (exit.signal === 'SIGKILL') killed++
    c.check(!published && !existsSync(dest), `run ${i}: the destination exists after a kill`)

    splitTails += countSplits(server.oss.served.log.slice(logFrom))
    // What this run asked for may not touch what the checkpoint before it named durable.
    for (const entry of server.oss.served.log.slice(logFrom)) {
      const r = parseRangeHeader(entry.range)
      if (!r) continue
      const again = overlap(durable, r[0], r[1])
      refetchedDurable += again
      c.check(again === 0, `run ${i}: requested ${entry.range}, ${again} byte(s) already durable`)
    }
    const events = jsonEvents(exit.stdout)
    const resumed = events.find((e) => e.type === 'resumed' || e.type === 'start')
    if (resumed && durable.length > 0)
      c.check(
        resumed.resumedBytes === rangeBytes(durable),
        `run ${i}: resumed ${String(resumed.resumedBytes)} bytes, the checkpoint named ${rangeBytes(durable)}`,
      )
    for (const e of events.filter((e) => e.type === 'checkpoint-discarded'))
      c.check(false, `run ${i}: a good checkpoint was discarded: ${JSON.stringify(e)}`)

    // The checkpoint right after the kill: only grows, and what it names is the object's bytes.
    let next: [number, number][]
    try {
      const read = await readDurable(checkpointPath)
      next = read.ranges
      if (read.partials > 0) withPartials++
    } catch (error) {
      c.check(false, `run ${i}: checkpoint unreadable after kill -9: ${String(error)}`)
      next = durable
    }
    c.check(
      rangeBytes(mergeRanges([...next, ...durable])) === rangeBytes(next),
      `run ${i}: the checkpoint lost durable bytes`,
    )
    const fresh = next.flatMap(([s, e]): [number, number][] => {
      const out: [number, number][] = []
      let at = s
      for (const [ds, de] of durable) {
        if (de < at || ds > e) continue
        if (ds > at) out.push([at, ds - 1])
        at = Math.max(at, de + 1)
      }
      if (at <= e) out.push([at, e])
      return out
    })
    for (const [s, e] of fresh)
      c.check(await sameAsObject(s, e), `run ${i}: durable bytes ${s}-${e} differ from the object`)
    const gain = rangeBytes(next) - rangeBytes(durable)
    if (gain > 0) withGain++
    const lost = server.oss.served.bodyBytes - servedFrom - gain
    lostAtKills += lost
    maxLost = Math.max(maxLost, lost)
    durable = next
    if ((i + 1) % 10 === 0 || i === kills - 1)
      c.log(
        `  kill ${i + 1}/${kills}: durable ${fmtBytes(rangeBytes(durable))} (${((rangeBytes(durable) / size) * 100).toFixed(1)} %), served ${fmtBytes(server.oss.served.bodyBytes)}`,
      )
  }

  // The final run: unlimited, to completion.
  const logFrom = server.oss.served.log.length
  const servedFrom = server.oss.served.bodyBytes
  const final = spawnCli(['get', url, dest, ...common])
  const guard = setTimeout(() => final.child.kill('SIGKILL'), 120_000)
  let partialSeen = 0
  const poll = setInterval(() => {
    // Whenever the destination is visible it must be whole (size here, CRC-64 below).
    const info = statSync(dest, { throwIfNoEntry: false })
    if (info && info.size !== size) partialSeen++
  }, 20)
  const exit = await final.exited
  clearInterval(poll)
  clearTimeout(guard)
  c.check(partialSeen === 0, `final run: the destination was seen partial ${partialSeen} time(s)`)
  c.check(exit.code === 0, `final run: exit ${exit.code}: ${exit.stderr.trim().slice(0, 300)}`)
  const finalSplits = countSplits(server.oss.served.log.slice(logFrom))
  for (const entry of server.oss.served.log.slice(logFrom)) {
    const r = parseRangeHeader(entry.range)
    if (!r) continue
    const again = overlap(durable, r[0], r[1])
    refetchedDurable += again
    c.check(again === 0, `final run: requested ${entry.range}, ${again} byte(s) already durable`)
  }
  const done = jsonEvents(exit.stdout).find((e) => e.type === 'done')
  c.check(
    done?.resumedBytes === rangeBytes(durable),
    `final run resumed ${String(done?.resumedBytes)}, the checkpoint named ${rangeBytes(durable)}`,
  )
  c.check(
    done?.fetchedBytes === size - rangeBytes(durable),
    `final run fetched ${String(done?.fetchedBytes)}, expected exactly the ${size - rangeBytes(durable)} missing bytes`,
  )
  if (args.checksum === 1)
    c.check(
      (done?.digest as { value?: unknown } | undefined)?.value === digest,
      `final run: its done event names digest ${JSON.stringify(done?.digest)}, not the object's sha256 ${digest}`,
    )
  const finalServed = server.oss.served.bodyBytes - servedFrom
  const result = existsSync(dest) ? await fileCrc64(dest) : { size: -1, crc: -1n }
  const identical = result.size === size && result.crc === object.crc64
  c.check(identical, `final file: ${result.size} bytes, CRC-64 ${result.crc} ≠ ${object.crc64}`)
  for (const leftover of [checkpointPath, tempPath, `${dest}.resumable.lock`])
    c.check(!existsSync(leftover), `left behind after success: ${leftover}`)

  const servedTotal = server.oss.served.bodyBytes
  const refetched = servedTotal - size
  c.log(`kills: ${killed}/${kills} SIGKILLed mid-run (${beforeStart} before the download started,`)
  c.log(
    `       ${withGain} after which the checkpoint had grown, ${withPartials} where it named a partial part)`,
  )
  c.log(
    `durable at the last kill: ${fmtBytes(rangeBytes(durable))} of ${fmtBytes(size)}; final run resumed it and fetched ${fmtBytes(finalServed)}`,
  )
  c.log(
    `served ${fmtBytes(servedTotal)} for a ${fmtBytes(size)} object: re-fetched ${fmtBytes(refetched)} (${((refetched / size) * 100).toFixed(1)} %)`,
  )
  c.log(
    `not durable at the kills: ${fmtBytes(lostAtKills)} in total (mean ${fmtBytes(lostAtKills / Math.max(1, killed))}, max ${fmtBytes(maxLost)} per kill); final-run waste ${fmtBytes(finalServed - (size - rangeBytes(durable)))}`,
  )
  c.log(`bytes requested again although a checkpoint named them durable: ${refetchedDurable}`)
  c.log(
    `requests for a tail split off a part in flight: ${splitTails} in killed runs, ${finalSplits} in the final run`,
  )
  if (args['expect-splits'] === 1)
    c.check(
      splitTails > 0,
      'no killed run fetched a split-off tail: the campaign did not test splits',
    )
  c.check(
    refetched === lostAtKills + (finalServed - (size - rangeBytes(durable))),
    'the re-fetched bytes are not exactly the bytes that were not durable at the kills',
  )
  c.check(killed === kills, `only ${killed}/${kills} runs were killed`)
  c.verdict(
    `${killed}/${kills} kills handled, final file ${identical ? 'byte-identical' : 'WRONG'}, destination never partial, re-fetched ${fmtBytes(refetched)} = bytes not durable at the kills, ${refetchedDurable} durable bytes re-fetched`,
  )
} finally {
  await server.close()
  await rm(dir, { recursive: true, force: true })
}
