// Campaign — a batch stalled on another machine of a shared volume, taken over. Run A of
// `resumable get s3://…/ <dir> --recursive` runs in a UTS namespace of its own (`unshare --uts`,
// another host name, so its locks name another host) and is stopped (SIGSTOP of its process
// group) at a seeded instant mid-batch, a big object in flight. Run B, the same command on this
// host, must watch A's locks for their lease, take them over and finish (exit 0). Then A is
// continued (SIGCONT): it must find its lock taken at its next heartbeat, stop with exit 75 and
// write nothing more. Checked: every file byte-identical to its object after B and again after
// A, no partial file at a final name, nothing of resumable's left but the journal, nothing
// written outside the destination; and the same command once more (run C) exits 0 and fetches
// no object again. Needs `unshare` (root on Linux): otherwise SKIP, said so.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { MockOss } from '@resumable/testkit'
import { startMockOss } from '@resumable/testkit/node'
import {
  Campaign,
  campaignArgs,
  cleanEnv,
  cliCommand,
  fileCrc64,
  filesUnder,
  isOwnFile,
  KiB,
  MiB,
  prng,
  ROOT,
  spawnCli,
} from './lib.ts'

const args = campaignArgs('lock-takeover — a batch stalled on another host, taken over', {
  small: { full: 200, short: 60, help: 'small objects (1–64 KiB)' },
  big: { full: 3, short: 2, help: 'big objects of 8 MiB (1 MiB parts)' },
})
const c = new Campaign(
  'lock-takeover',
  `seed ${args.seed}, ${args.small} small + ${args.big} × 8 MiB objects; run A stopped on another host name, run B takes over`,
)

/** True where this process may give a child a host name of its own. */
function canUnshare(): boolean {
  try {
    execFileSync('unshare', ['--uts', '--fork', 'hostname', 'resumable-probe'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
if (!canUnshare()) {
  c.log('VERDICT lock-takeover: SKIP — `unshare --uts` is not permitted here (needs root on Linux)')
  process.exit(0)
}

const random = prng(args.seed)
const CREDENTIALS = { accessKeyId: 'lock-takeover-ak', secretAccessKey: 'lock-takeover-secret' }
const oss = new MockOss({ credentials: CREDENTIALS })
const objects = new Map<string, { size: number; crc: bigint }>()
const total = args.small + args.big
for (let i = 0; i < total; i++) {
  const isBig = i % Math.floor(total / Math.max(1, args.big)) === 1 && args.big > 0
  const size = isBig ? 8 * MiB : 1 + Math.floor(random() * 64 * KiB)
  const key = `set/${String(i).padStart(4, '0')}${isBig ? '-big' : ''}.bin`
  const stored = oss.putObject('bucket', key, { generated: { size, seed: args.seed + i } })
  objects.set(key, { size, crc: stored.crc64 as bigint })
}
const server = await startMockOss({ oss })
const parent = await mkdtemp(join(tmpdir(), 'reliability-lock-takeover-'))
const dest = join(parent, 'data')
const env = cleanEnv({
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
})
const command = [
  ...['get', 's3://bucket/set/', dest, '--recursive', '--json', '--endpoint', server.url],
  ...['--concurrency', '4', '--part-size', '1MiB'],
]

const files = () => filesUnder(dest)
/** Every file at a final name is its object, whole; returns how many there are. */
async function checkPublished(when: string): Promise<number> {
  let count = 0
  for (const rel of await files()) {
    if (isOwnFile(rel)) continue
    const object = objects.get(`set/${rel}`)
    if (!c.check(object !== undefined, `${when}: ${rel} is not an object of the batch`)) continue
    const { size, crc } = await fileCrc64(join(dest, rel))
    c.check(size === object?.size && crc === object?.crc, `${when}: ${rel} is not its object`)
    count++
  }
  return count
}

/** Run A: the CLI in a UTS namespace named `resumable-pod-a`, in a process group of its own. */
function startPodA() {
  let out = ''
  let err = ''
  const [cli, argv] = cliCommand([...command, '--limit-rate', '1MiB/s'])
  const child = spawn(
    'unshare',
    [
      ...['--uts', '--fork', 'sh', '-c', 'hostname resumable-pod-a && exec "$@"', 'sh'],
      cli,
      ...argv,
    ],
    { env, cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d
  })
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  const group = (signal: NodeJS.Signals) => process.kill(-(child.pid as number), signal)
  return { stdout: () => out, stderr: () => err, exited, group }
}

try {
  const a = startPodA()
  // A seeded instant once a few objects are done and a big object is in flight.
  const after = 5 + Math.floor(random() * 10)
  const deadline = Date.now() + 60_000
  const bigInFlight = () =>
    [...objects.keys()].some(
      (key) => key.endsWith('-big.bin') && existsSync(join(dest, `${key.slice(4)}.resumable-part`)),
    )
  while (a.stdout().split('"type":"object-done"').length - 1 < after || !bigInFlight()) {
    if (Date.now() > deadline) throw new Error(`run A never got going: ${a.stderr().slice(-400)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
  a.group('SIGSTOP')
  const doneByA = a.stdout().split('"type":"object-done"').length - 1
  c.log(`  run A (host resumable-pod-a) stopped after ${doneByA} objects, a big one in flight`)
  await checkPublished('while A is stopped')

  const b = spawnCli(command, { env })
  const guard = setTimeout(() => b.child.kill('SIGKILL'), 180_000)
  const bExit = await b.exited
  clearTimeout(guard)
  c.check(bExit.code === 0, `run B: exit ${bExit.code}: ${bExit.stderr.slice(-400)}`)
  c.check(
    /watching it up to 30 s/.test(bExit.stdout + bExit.stderr),
    "run B never said it watched run A's lock",
  )
  const afterB = await checkPublished('after run B')
  c.check(afterB === objects.size, `after run B: ${afterB} of ${objects.size} objects published`)
  c.log(`  run B took A's locks over and finished in ${(bExit.ms / 1000).toFixed(1)} s`)

  a.group('SIGCONT')
  const guardA = setTimeout(() => a.group('SIGKILL'), 60_000)
  const aCode = await a.exited
  clearTimeout(guardA)
  c.check(aCode === 75, `run A after SIGCONT: exit ${aCode}, not 75: ${a.stderr().slice(-400)}`)
  c.check(
    /took over this batch's lock/.test(a.stdout() + a.stderr()),
    'run A did not say its lock was taken over',
  )
  const afterA = await checkPublished('after run A continued')
  c.check(afterA === objects.size, `after run A: ${afterA} of ${objects.size} objects published`)
  const left = (await files()).filter(
    (f) => isOwnFile(f) && !/^\.resumable-batch\.journal$/.test(f),
  )
  c.check(left.length === 0, `left after both runs: ${left.slice(0, 5).join(', ')}`)
  const outside = (await readdir(parent)).filter((name) => name !== 'data')
  c.check(outside.length === 0, `written outside the destination: ${outside.join(', ')}`)
  c.check((await stat(dest)).isDirectory(), 'the destination exists')
  c.log(`  run A, continued: exit ${aCode}`)

  // What A did after it continued must not undo B's finished batch: the same command once more
  // finds every object done (its journal, whatever A appended) and fetches none of them again.
  const logFrom = oss.served.log.length
  const again = spawnCli(command, { env })
  const againExit = await again.exited
  c.check(againExit.code === 0, `run C: exit ${againExit.code}: ${againExit.stderr.slice(-400)}`)
  const refetched = oss.served.log.slice(logFrom).filter((entry) => objects.has(entry.key))
  c.check(
    refetched.length === 0,
    `run C requested ${refetched.length} finished objects again: ${refetched
      .slice(0, 3)
      .map((entry) => `${entry.method} ${entry.key}`)
      .join(', ')}`,
  )
  const afterC = await checkPublished('after run C')
  c.check(afterC === objects.size, `after run C: ${afterC} of ${objects.size} objects published`)
  c.log(
    `  run C, the same command again: exit ${againExit.code}, ${refetched.length} objects fetched again`,
  )
  c.verdict(
    `A stopped on another host after ${doneByA} objects; B took over after the lease (exit ${bExit.code}); A continued and stopped (exit ${aCode}); ${afterA} objects byte-identical, nothing left but the journal; a rerun fetched none again`,
  )
} finally {
  await server.close()
  await rm(parent, { recursive: true, force: true })
}
