// A download checked against a digest the user knows (a SHA256SUMS line), side by side: Debian's
// nginx on loopback serves a random file; the CLI with `--checksum sha256=` and `md5=`, with the
// SHA-256 the server sends (`Repr-Digest`, no flag), the same without a digest (what the check costs), `curl` then `sha256sum` (what a user does by hand), and
// `aria2c --checksum`. Rounds rotate, `sync` before each, medians; wall, user, sys, peak RSS, and
// each row's time over the CLI's with the SHA-256 (paired by round). Every output is checked
// against the file's CRC-64 in the first round.
//   npm run bench:checksum -- [--mib 1024] [--rounds 4] [--dir /tmp] [--before <bin.mjs of earlier code>]
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  bundleCliFor,
  type Contender,
  commandLine,
  has,
  hostMemoryNote,
  median,
  rounds,
  type Sample,
} from './support/harness.ts'
import { nginxBinary, startNginx } from './support/nginx.ts'

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '4' },
    dir: { type: 'string', default: tmpdir() },
    // A CLI bundle of earlier code, run with the SHA-256 in the same rounds (A/B by hand).
    before: { type: 'string' },
  },
})
if (!nginxBinary) {
  console.log('nginx is not installed (Debian: apt-get install nginx-light): skipped')
  process.exit(0)
}

async function digestOf(path: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const hash = createHash(algorithm)
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk)
  return hash.digest('hex')
}

const mib = Number(values.mib)
const cli = bundleCliFor('node')
const nginx = await startNginx({ 'object.bin': mib }, undefined, { reprDigest: true })
const dir = await mkdtemp(join(values.dir, 'resumable-bench-checksum-'))
try {
  const source = nginx.paths['object.bin'] as string
  const sha256 = nginx.sha256s['object.bin'] as string
  const md5 = await digestOf(source, 'md5')
  const url = `${nginx.url}/object.bin`
  const out = (name: string) => join(dir, `${name.replace(/\W+/g, '-')}.bin`)
  const resumable = (name: string, bundle: string, extra: string[], from = url): Contender => {
    const output = out(name)
    return {
      name,
      command: process.execPath,
      args: [bundle, 'get', from, output, '--force', '--quiet', ...extra],
      output,
    }
  }
  const SHA_ROW = 'resumable --checksum sha256'
  const contenders: Contender[] = [
    resumable('resumable, no digest', cli, []),
    resumable(SHA_ROW, cli, ['--checksum', `sha256=${sha256}`]),
    resumable('resumable --checksum md5', cli, ['--checksum', `md5=${md5}`]),
    // The same SHA-256 sent by the server (Repr-Digest): checked with no flag.
    resumable("resumable, the server's Repr-Digest", cli, [], `${nginx.url}/repr/object.bin`),
  ]
  if (values.before)
    contenders.push(
      resumable('before: --checksum sha256', values.before, ['--checksum', `sha256=${sha256}`]),
    )
  if (has('curl') && has('sha256sum')) {
    const output = out('curl')
    // What a user types: the download, then the check; fails (and the round with it) on a mismatch.
    const script = `curl -sS -o "$1" "$2" && echo "$3  $1" | sha256sum --check --quiet`
    contenders.push({
      name: 'curl, then sha256sum --check',
      command: 'sh',
      args: ['-c', script, 'sh', output, url, sha256],
      output,
    })
  } else console.log('curl or sha256sum not installed: skipped')
  if (has('aria2c')) {
    const file = 'aria2.bin'
    contenders.push({
      name: 'aria2c -x8 -s8 -k8M --checksum=sha-256',
      command: 'aria2c',
      args: [
        '-q',
        '-x8',
        '-s8',
        '-k8M',
        '--file-allocation=none',
        '--allow-overwrite=true',
        `--checksum=sha-256=${sha256}`,
        '-d',
        dir,
        '-o',
        file,
        url,
      ],
      output: join(dir, file),
    })
  } else console.log('aria2c not installed: skipped')

  const runs = Number(values.rounds)
  console.log(
    `\n## A ${mib} MiB file from loopback nginx, checked against a known digest (medians of ${runs})\n`,
  )
  const note = hostMemoryNote()
  if (note) console.log(`${note}\n`)
  const samples = await rounds(contenders, runs, nginx.crcs['object.bin'] as string)
  const reference = samples.get(SHA_ROW) ?? []
  const ratio = (mine: readonly Sample[]) =>
    median(mine.map((s, i) => s.wallMs / ((reference[i] as Sample).wallMs || Number.NaN)))
  const pick = (mine: readonly Sample[], f: (s: Sample) => number | undefined) => {
    const v = mine.map(f).filter((x): x is number => x !== undefined)
    return v.length ? median(v).toFixed(2) : '–'
  }
  console.log(`| contender | wall s | user s | sys s | peak RSS MiB | time / ${SHA_ROW}'s |`)
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  for (const contender of contenders) {
    const mine = samples.get(contender.name) ?? []
    console.log(
      `| ${contender.name} | ${pick(mine, (s) => s.wallMs / 1000)} | ${pick(mine, (s) => s.userSeconds)} | ${pick(mine, (s) => s.sysSeconds)} | ${pick(mine, (s) => s.maxRssMiB)} | ${ratio(mine).toFixed(2)} |`,
    )
  }
  console.log('\nCommands:')
  for (const contender of contenders)
    console.log(`- ${contender.name}: \`${commandLine(contender)}\``)
} finally {
  await nginx.stop()
  await rm(dir, { recursive: true, force: true })
}
