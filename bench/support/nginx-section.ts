// bench:compare's nginx section (issue 13): a real server that is not ours. Debian's nginx on a
// loopback port (sendfile on) serves a generated random file; every contender writes it to disk;
// rounds alternate; medians; ratios vs rclone and curl; user/sys CPU per GiB and peak RSS from
// GNU time. The same table over HTTPS (what OSS and S3 speak; skipped without openssl). Then the
// per-connection cap case (nginx limit_rate) against aria2c, and the same cap
// with one connection in five a straggler.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { type Contender, has, MiB, median, rounds, type Sample } from './harness.ts'
import { nginxBinary, startNginx } from './nginx.ts'

/** What the section needs from compare.ts. */
export interface NginxSectionSettings {
  /** Scratch directory for outputs. */
  readonly dir: string
  /** Rounds per contender. */
  readonly runs: number
  /** Size of the object of the loopback table, MiB. */
  readonly mib: number
  /** Bundled children: run-resumable (library, either wire) and the CLI per runtime. */
  readonly runResumable: string
  readonly cli: { readonly node: string; readonly bun: string; readonly deno: string }
  /** Per-connection cap of the cap table, bytes per second. */
  readonly capBytes: number
  /** Size of the object of the cap table, MiB. */
  readonly capMib: number
}

/**
 * `rclone copy` of `file` from the HTTP(S) server at `url` into the directory `into`, 8 streams,
 * no config file; over HTTPS trusting `ca`.
 */
export function rcloneCopyArgs(url: string, file: string, into: string, ca?: string): string[] {
  return [
    'copy',
    '--config',
    '/dev/null',
    '--http-url',
    `${url}/`,
    `:http:${file}`,
    into,
    '--multi-thread-streams',
    '8',
    ...(ca ? ['--ca-cert', ca] : []),
  ]
}

/** The rclone row's name: the ratios are taken against it. */
const RCLONE = 'rclone --multi-thread-streams 8'

const bin = (name: string) => new URL(`../../node_modules/.bin/${name}`, import.meta.url).pathname

function row(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`
}

const fmt = (n: number | undefined, digits = 2) =>
  n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits)

function medianOf(samples: readonly Sample[], pick: (s: Sample) => number | undefined) {
  const values = samples.map(pick).filter((v): v is number => v !== undefined)
  return values.length ? median(values) : undefined
}

/** Median over rounds of `a / b` for the samples of the same round. */
function pairedRatio(a: readonly Sample[], b: readonly Sample[]): number | undefined {
  const ratios = a.flatMap((s, i) => (b[i] ? [(b[i] as Sample).wallMs / s.wallMs] : []))
  return ratios.length ? median(ratios) : undefined
}

/**
 * The loopback table's contenders for `url`; over HTTPS each tool trusts `ca`, the CA made for
 * the run (the runtimes through NODE_EXTRA_CA_CERTS / DENO_CERT, set by the caller).
 */
function contenders(s: NginxSectionSettings, url: string, path: string, ca?: string): Contender[] {
  const out = (name: string) => join(s.dir, `nginx-${name.replace(/\W+/g, '-')}.bin`)
  const library = (name: string, wire: 'node' | 'fetch'): Contender => {
    const output = out(name)
    const spec = {
      transport: 'fetch',
      url: '',
      key: '',
      objectUrl: `${url}${path}`,
      dest: output,
      partMiB: 8,
      concurrency: 8,
      verify: true,
      wire,
    }
    return { name, command: process.execPath, args: [s.runResumable, JSON.stringify(spec)], output }
  }
  const cli = (
    name: string,
    runtime: string[],
    bundle: string,
    extra: string[] = [],
    at = path,
  ): Contender => {
    const output = out(name)
    const [command, ...pre] = runtime as [string, ...string[]]
    return {
      name,
      command,
      args: [...pre, bundle, 'get', `${url}${at}`, output, '--force', '--quiet', ...extra],
      output,
    }
  }
  const list: Contender[] = [
    library('resumable library Node, node wire', 'node'),
    cli('resumable CLI Node (node wire, default)', [process.execPath], s.cli.node),
    // OSS sends its CRC-64 with every object; the CLI then checks every byte against it.
    cli(
      'resumable CLI Node, OSS CRC-64 verified',
      [process.execPath],
      s.cli.node,
      [],
      `/crc${path}`,
    ),
    cli('resumable CLI Node (--wire fetch)', [process.execPath], s.cli.node, ['--wire', 'fetch']),
    cli('resumable CLI Bun (fetch)', [bin('bun')], s.cli.bun),
    cli('resumable CLI Deno (fetch)', [bin('deno'), 'run', '-A'], s.cli.deno),
  ]
  if (has('curl')) {
    const output = out('curl')
    list.push({
      name: 'curl',
      command: 'curl',
      args: ['-sS', ...(ca ? ['--cacert', ca] : []), '-o', output, `${url}${path}`],
      output,
    })
  } else console.log('curl not installed: skipped')
  if (has('aria2c')) list.push(aria2(s, 'aria2c -x8 -s8 -k8M', `${url}${path}`, 8, ca))
  else console.log('aria2c not installed: skipped')
  if (has('rclone')) {
    const into = join(s.dir, 'rclone')
    list.push({
      name: RCLONE,
      command: 'rclone',
      args: rcloneCopyArgs(url, path.slice(1), into, ca),
      output: join(into, path.slice(1)),
    })
  } else console.log('rclone not installed: skipped')
  // The same durability as resumable's (the file on disk when the tool says done): rclone and
  // curl never fsync, so without these rows their wall time is the page cache's, not the disk's.
  const thenSync = (base: Contender | undefined): Contender[] =>
    base && has('sync')
      ? [
          {
            name: `${base.name} + sync`,
            command: 'sh',
            args: ['-c', '"$@" && sync -- "$0"', base.output, base.command, ...base.args],
            output: base.output,
          },
        ]
      : []
  list.push(
    ...thenSync(list.find((c) => c.name === RCLONE)),
    ...thenSync(list.find((c) => c.name === 'curl')),
  )
  return list
}

function aria2(
  s: NginxSectionSettings,
  name: string,
  url: string,
  n: number,
  ca?: string,
): Contender {
  const file = `nginx-aria2-${n}.bin`
  return {
    name,
    command: 'aria2c',
    args: [
      '-q',
      `-x${n}`,
      `-s${n}`,
      '-k8M',
      '--file-allocation=none',
      '--allow-overwrite=true',
      ...(ca ? [`--ca-certificate=${ca}`] : []),
      '-d',
      s.dir,
      '-o',
      file,
      url,
    ],
    output: join(s.dir, file),
  }
}

async function loopbackTable(
  s: NginxSectionSettings,
  url: string,
  crc: string,
  ca?: string,
): Promise<void> {
  const list = contenders(s, url, '/object.bin', ca)
  const samples = await rounds(list, s.runs, crc)
  const of = (name: string) => samples.get(name) ?? []
  const rclone = of(RCLONE)
  const curl = of('curl')
  const rcloneSynced = of(`${RCLONE} + sync`)
  const gib = s.mib / 1024
  console.log(
    `\n### nginx on loopback${ca ? ' over HTTPS (TLS, a certificate from a CA made for the run)' : ''}, ${s.mib} MiB written under ${s.dir} (median of ${s.runs})\n`,
  )
  console.log(
    row([
      'contender',
      'wall s',
      'MiB/s',
      'user s/GiB',
      'sys s/GiB',
      'peak RSS MiB',
      'speed vs rclone',
      'speed vs curl',
      'speed vs rclone + sync',
      'each round, wall s',
    ]),
  )
  console.log(row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']))
  for (const c of list) {
    const mine = of(c.name)
    const wall = median(mine.map((x) => x.wallMs)) / 1000
    const user = medianOf(mine, (x) => x.userSeconds)
    const sys = medianOf(mine, (x) => x.sysSeconds)
    console.log(
      row([
        c.name,
        fmt(wall),
        fmt(s.mib / wall, 0),
        fmt(user === undefined ? undefined : user / gib),
        fmt(sys === undefined ? undefined : sys / gib),
        fmt(
          medianOf(mine, (x) => x.maxRssMiB),
          0,
        ),
        fmt(pairedRatio(mine, rclone)),
        fmt(pairedRatio(mine, curl)),
        fmt(pairedRatio(mine, rcloneSynced)),
        mine.map((x) => fmt(x.wallMs / 1000)).join(' '),
      ]),
    )
  }
  console.log(
    '\n(speed ratios: median over rounds of other wall / this wall, same round; "+ sync" rows run `sync -- <file>` after the tool, the durability resumable gives before it renames; every run starts after a `sync`, so none pays for the previous one\'s write-back)',
  )
  console.log('\nCommands:')
  for (const c of list) console.log(`- ${c.name}: \`${[c.command, ...c.args].join(' ')}\``)
}

async function capTable(s: NginxSectionSettings, url: string, crc: string): Promise<void> {
  const levels = [4, 8, 16]
  const capMiBs = s.capBytes / MiB
  console.log(
    `\n### nginx limit_rate ${fmt(capMiBs, 0)} MiB/s per connection, ${s.capMib} MiB (median of ${s.runs})\n`,
  )
  console.log(
    row([
      'N',
      'ideal MiB/s',
      'resumable MiB/s',
      'of ideal',
      'aria2c MiB/s',
      'of ideal',
      'vs aria2c',
    ]),
  )
  console.log(row(['---:', '---:', '---:', '---:', '---:', '---:', '---:']))
  for (const n of levels) {
    const { mine, theirs } = await againstAria2(s, `${url}/cap/object.bin`, crc, n)
    const ideal = n * capMiBs
    console.log(
      row([
        n,
        fmt(ideal, 0),
        fmt(mine, 1),
        fmt(mine / ideal),
        fmt(theirs, 1),
        fmt(theirs === undefined ? undefined : theirs / ideal),
        theirs ? fmt(mine / theirs) : '–',
      ]),
    )
  }
}

/**
 * MiB/s of `resumable c=n` (the library on the node wire) and of `aria2c -xn` fetching `objectUrl`
 * (`s.capMib` MiB), medians of alternated rounds, both by wall clock from spawn: the same
 * start-up is in both, as a user sees it.
 */
async function againstAria2(
  s: NginxSectionSettings,
  objectUrl: string,
  crc: string,
  n: number,
): Promise<{ mine: number; theirs: number | undefined }> {
  const output = join(s.dir, `nginx-cap-${n}.bin`)
  const spec = {
    transport: 'fetch',
    url: '',
    key: '',
    objectUrl,
    dest: output,
    partMiB: 8,
    concurrency: n,
    verify: true,
    wire: 'node',
  }
  const list: Contender[] = [
    {
      name: `resumable c=${n}`,
      command: process.execPath,
      args: [s.runResumable, JSON.stringify(spec)],
      output,
    },
  ]
  if (has('aria2c')) list.push(aria2(s, `aria2c -x${n}`, objectUrl, n))
  const samples = await rounds(list, s.runs, crc)
  const rate = (name: string) => {
    const got = samples.get(name)
    return got ? s.capMib / (median(got.map((x) => x.wallMs)) / 1000) : undefined
  }
  return { mine: rate(`resumable c=${n}`) as number, theirs: rate(`aria2c -x${n}`) }
}

/**
 * The same object where one connection in five is a straggler at a tenth of the cap (nginx.ts):
 * what counts is how little of the download waits on the slow connection at the end.
 */
async function unevenTable(s: NginxSectionSettings, url: string, crc: string): Promise<void> {
  const capMiBs = s.capBytes / MiB
  console.log(
    `\n### nginx, one connection in five at ${fmt(capMiBs / 10, 0)} MiB/s and the rest at ${fmt(capMiBs, 0)} MiB/s, ${s.capMib} MiB (median of ${s.runs})\n`,
  )
  console.log(row(['N', 'resumable MiB/s', 'aria2c MiB/s', 'vs aria2c']))
  console.log(row(['---:', '---:', '---:', '---:']))
  for (const n of [8]) {
    const { mine, theirs } = await againstAria2(s, `${url}/uneven/object.bin`, crc, n)
    console.log(row([n, fmt(mine, 1), fmt(theirs, 1), theirs ? fmt(mine / theirs) : '–']))
  }
}

/** Runs `body` with every runtime's child trusting `caFile` (Node and Bun, Deno). */
async function withTrusted(caFile: string, body: () => Promise<void>): Promise<void> {
  const saved = { node: process.env.NODE_EXTRA_CA_CERTS, deno: process.env.DENO_CERT }
  process.env.NODE_EXTRA_CA_CERTS = caFile
  process.env.DENO_CERT = caFile
  try {
    await body()
  } finally {
    for (const [name, value] of [
      ['NODE_EXTRA_CA_CERTS', saved.node],
      ['DENO_CERT', saved.deno],
    ] as const) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

/** Runs the nginx tables, or says why not. */
export async function nginxSection(s: NginxSectionSettings): Promise<void> {
  if (!nginxBinary) {
    console.log(
      '\nnginx is not installed (Debian: apt-get install nginx-light): nginx section skipped',
    )
    return
  }
  console.log(`\nnginx: ${spawnSync(nginxBinary, ['-v']).stderr.toString().trim()}`)
  const loop = await startNginx({ 'object.bin': s.mib }, undefined, { tls: true })
  try {
    const crc = loop.crcs['object.bin'] as string
    await loopbackTable(s, loop.url, crc)
    // What OSS and S3 speak: the same GiB over TLS.
    if (loop.tlsUrl && loop.caFile)
      await withTrusted(loop.caFile, () =>
        loopbackTable(s, loop.tlsUrl as string, crc, loop.caFile),
      )
  } finally {
    await loop.stop()
  }
  const capped = await startNginx({ 'object.bin': s.capMib }, s.capBytes)
  try {
    await capTable(s, capped.url, capped.crcs['object.bin'] as string)
    await unevenTable(s, capped.url, capped.crcs['object.bin'] as string)
  } finally {
    await capped.stop()
  }
}
