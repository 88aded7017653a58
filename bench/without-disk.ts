// Where the Node wire's time goes between the socket and the disk (issue 13): one object from
// loopback nginx read by bench/support/run-stages.ts at three depths — the wire alone (bytes
// discarded), the engine into a Target that keeps nothing, and the engine into a FileTarget as
// users run it — beside rclone writing the same object to disk; rounds rotated, medians, GNU time.
//   node --conditions=@resumable/source --import tsx bench/without-disk.ts [--runs 5] [--mib 1024]
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  bundleChildren,
  type Contender,
  fileCrc,
  has,
  MiB,
  measure,
  median,
  type Sample,
} from './support/harness.ts'
import { nginxBinary, startNginx } from './support/nginx.ts'
import { rcloneCopyArgs } from './support/nginx-section.ts'

const { values: flags } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, mib: { type: 'string', default: '1024' } },
})
if (!nginxBinary) {
  console.log('nginx is not installed (Debian: apt-get install nginx-light): nothing to measure')
  process.exit(0)
}
const mib = Number(flags.mib)
const runs = Number(flags.runs)
const { runStages } = bundleChildren()
const nginx = await startNginx({ 'object.bin': mib })
const dir = await mkdtemp(join(tmpdir(), 'resumable-without-disk-'))
const url = `${nginx.url}/object.bin`

/** Contenders whose output file is checked against the object's CRC in the first round. */
const writers = new Set<string>()
const stage = (name: string, which: 'wire' | 'engine' | 'file'): Contender => {
  const output = join(dir, `${which}.bin`)
  const spec = { stage: which, url, size: mib * MiB, dest: output }
  if (which === 'file') writers.add(name)
  return { name, command: process.execPath, args: [runStages, JSON.stringify(spec)], output }
}
const contenders: Contender[] = [
  stage('wire alone, bytes discarded', 'wire'),
  stage('engine + wire, into a Target that keeps nothing', 'engine'),
  stage('engine + wire into a FileTarget (to disk)', 'file'),
]
if (has('rclone')) {
  const into = join(dir, 'rclone')
  const name = 'rclone --multi-thread-streams 8 (to disk)'
  writers.add(name)
  contenders.push({
    name,
    command: 'rclone',
    args: rcloneCopyArgs(nginx.url, 'object.bin', into),
    output: join(into, 'object.bin'),
  })
} else console.log('rclone not installed: its row is skipped')

try {
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]))
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length] as Contender
      samples.get(contender.name)?.push(await measure(contender))
      if (round > 0 || !writers.has(contender.name)) continue
      if ((await fileCrc(contender.output)).toString() !== nginx.crcs['object.bin'])
        throw new Error(`${contender.name} wrote wrong bytes`)
    }
  }
  const gib = mib / 1024
  const pick = (list: Sample[], f: (s: Sample) => number | undefined) =>
    median(list.map(f).filter((v): v is number => v !== undefined))
  console.log(`\n${mib} MiB from loopback nginx, ${runs} rounds, medians (wall: whole process)\n`)
  console.log('| reader | wall s | user s/GiB | sys s/GiB | peak RSS MiB |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const [name, list] of samples) {
    const cells = [
      (pick(list, (s) => s.wallMs) / 1000).toFixed(2),
      (pick(list, (s) => s.userSeconds) / gib).toFixed(2),
      (pick(list, (s) => s.sysSeconds) / gib).toFixed(2),
      pick(list, (s) => s.maxRssMiB).toFixed(0),
    ]
    console.log(`| ${name} | ${cells.join(' | ')} |`)
  }
} finally {
  await nginx.stop()
  await rm(dir, { recursive: true, force: true })
}
