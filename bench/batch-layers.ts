// Where a small object's time goes, layer by layer (issue 14): the same manifest of small files
// from loopback nginx read by bench/support/run-batch-stages.ts at four depths — the Node wire
// alone, a URL transport per object, that transport with the file calls of a durable publish and
// no engine, and the engine's batch into Targets that keep nothing — beside the CLI as users run
// it and `rclone copy`, all 16 requests at a time; rounds rotated, medians, GNU time. Each row
// adds one layer, so the differences between rows are what each layer costs per object.
//   npm run bench:batch-layers -- [--runs 3] [--objects 3000] [--kib 64]
import { randomFillSync } from 'node:crypto'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { crc64 } from '@resumable/core'
import {
  bundleChildren,
  bundleCliFor,
  type Contender,
  fileCrc,
  has,
  measure,
  median,
  type Sample,
} from './support/harness.ts'
import { nginxBinary, startNginx } from './support/nginx.ts'

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    objects: { type: 'string', default: '3000' },
    kib: { type: 'string', default: '64' },
  },
})
if (!nginxBinary) {
  console.log('nginx is not installed (Debian: apt-get install nginx-light): nothing to measure')
  process.exit(0)
}
const runs = Number(flags.runs)
const count = Number(flags.objects)
const size = Number(flags.kib) * 1024

const dir = await mkdtemp(join(tmpdir(), 'resumable-batch-layers-'))
const tree = join(dir, 'tree')
await mkdir(join(tree, 'set'), { recursive: true })
const crcs = new Map<string, bigint>()
const block = new Uint8Array(size)
const names: string[] = []
for (let i = 0; i < count; i++) {
  const name = `${String(i).padStart(6, '0')}.bin`
  randomFillSync(block)
  await writeFile(join(tree, 'set', name), block)
  crcs.set(name, crc64('crc64xz', block))
  names.push(name)
}
const nginx = await startNginx({}, undefined, { tree })
const manifest = join(dir, 'objects.ndjson')
await writeFile(
  manifest,
  `${names.map((name) => JSON.stringify({ source: `${nginx.url}/tree/set/${name}`, dest: name })).join('\n')}\n`,
)

const { runBatchStages } = bundleChildren()
const cli = bundleCliFor('node')
const destination = join(dir, 'dest')
/** Contenders that write the files, checked in the first round. */
const writers = new Set<string>()
// `measure` removes `output` before each run: a name no contender writes; the directory is
// emptied here instead.
const output = join(dir, 'unused')
const stage = (name: string, which: 'wire' | 'transport' | 'files' | 'batch'): Contender => {
  if (which === 'files') writers.add(name)
  const spec = { stage: which, manifest, dest: destination }
  return { name, command: process.execPath, args: [runBatchStages, JSON.stringify(spec)], output }
}
const contenders: Contender[] = [
  stage('Node wire alone, bodies discarded', 'wire'),
  stage('+ a URL transport per object (readWhole)', 'transport'),
  stage('+ the file calls of a durable publish, no engine', 'files'),
  stage('engine batch (downloadMany), Targets that keep nothing', 'batch'),
]
const cliName = 'resumable get --manifest (the CLI, to disk)'
writers.add(cliName)
contenders.push({
  name: cliName,
  command: process.execPath,
  args: [cli, 'get', '--manifest', manifest, destination, '--quiet'],
  output,
})
if (has('rclone')) {
  const name = 'rclone copy --transfers 16 --checkers 16 (to disk, never fsyncs)'
  writers.add(name)
  contenders.push({
    name,
    command: 'rclone',
    args: [
      'copy',
      '--config',
      '/dev/null',
      '--http-url',
      `${nginx.url}/tree/set/`,
      ':http:',
      destination,
      '--transfers',
      '16',
      '--checkers',
      '16',
    ],
    output,
  })
} else console.log('rclone not installed: its row is skipped')

/** Every file of the set is in `destination` with its bytes. */
async function checkFiles(name: string): Promise<void> {
  const found = (await readdir(destination)).filter((f) => !f.startsWith('.'))
  if (found.length !== count) throw new Error(`${name} wrote ${found.length} of ${count} files`)
  for (const [file, crc] of crcs)
    if ((await fileCrc(join(destination, file))) !== crc)
      throw new Error(`${name}: ${file} differs`)
}

try {
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]))
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length] as Contender
      await rm(destination, { recursive: true, force: true })
      await mkdir(destination)
      samples.get(contender.name)?.push(await measure(contender))
      if (round === 0 && writers.has(contender.name)) await checkFiles(contender.name)
    }
  }
  const pick = (list: Sample[], f: (s: Sample) => number | undefined) =>
    median(list.map(f).filter((v): v is number => v !== undefined))
  console.log(
    `\n${count} objects of ${flags.kib} KiB from loopback nginx, 16 at a time, ${runs} rounds, medians (wall: whole process)\n`,
  )
  console.log('| layers | wall s | user s | sys s | CPU ms/object | peak RSS MiB |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  for (const [name, list] of samples) {
    const cells = [
      (pick(list, (s) => s.wallMs) / 1000).toFixed(2),
      pick(list, (s) => s.userSeconds).toFixed(2),
      pick(list, (s) => s.sysSeconds).toFixed(2),
      ((pick(list, (s) => s.cpuSeconds) * 1000) / count).toFixed(2),
      pick(list, (s) => s.maxRssMiB).toFixed(0),
    ]
    console.log(`| ${name} | ${cells.join(' | ')} |`)
  }
} finally {
  await nginx.stop()
  await rm(dir, { recursive: true, force: true })
}
