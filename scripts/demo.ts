// The newcomer's demo: a loopback mock OSS serving a large generated object, `resumable get`
// interrupted part-way (SIGINT, as Ctrl-C), then run again: it resumes and verifies the CRC-64.
// No network, no credentials. Run: npm run demo   (DEMO_SIZE_MIB=4096 for a bigger object)
import { spawn } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { startMockOss } from '@resumable/testkit/node'

const MiB = 1024 * 1024
const size = Number(process.env.DEMO_SIZE_MIB ?? 1024) * MiB
const bin = join(import.meta.dirname, '..', 'packages', 'cli', 'src', 'bin.ts')

function say(text: string): void {
  process.stdout.write(`\n\u001b[1m▶ ${text}\u001b[0m\n`)
}

/** Runs `resumable` as a real child process; SIGINT (as Ctrl-C) once `interruptWhen()` is true. */
function resumable(
  args: string[],
  interruptWhen?: () => boolean,
): Promise<{ code: number | null; ms: number }> {
  const started = Date.now()
  const child = spawn(
    process.execPath,
    ['--conditions=@resumable/source', '--import', 'tsx', bin, ...args],
    {
      stdio: 'inherit',
    },
  )
  // Polled, not timed: on a cold start (tsx compiling the sources) a fixed delay could end the
  // first run before its first byte, and the second run would have nothing to resume.
  const timer =
    interruptWhen === undefined
      ? undefined
      : setInterval(() => {
          if (!interruptWhen()) return
          clearInterval(timer)
          child.kill('SIGINT')
        }, 50)
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearInterval(timer)
      resolve({ code, ms: Date.now() - started })
    }),
  )
}

say(
  `Starting a mock OSS on loopback with a ${size / MiB} MiB generated object (no network, no credentials)`,
)
const server = await startMockOss()
const object = server.oss.putObject('examplebucket', 'exampledir/big.bin', {
  generated: { size, seed: 2026 },
})
const url = `${server.url}/examplebucket/exampledir/big.bin`
const dir = await mkdtemp(join(tmpdir(), 'resumable-demo-'))
const dest = join(dir, 'big.bin')
console.log(`  object: ${url}\n  ETag ${object.etag}, x-oss-hash-crc64ecma ${object.crc64}`)
console.log(`  destination: ${dest}`)

try {
  say('resumable get — interrupted a fifth of the way (SIGINT, as if you pressed Ctrl-C)')
  const first = await resumable(
    ['get', url, dest, '--limit-rate', `${Math.max(64, size / MiB / 8)}MiB/s`],
    () => server.oss.served.bodyBytes >= size / 5,
  )
  console.log(`  exit code ${first.code} (130 = interrupted, progress saved)`)
  const partial = await stat(`${dest}.resumable-part`).catch(() => undefined)
  console.log(
    `  on disk: ${dest}.resumable-part (${partial?.size ?? 0} bytes written), no ${dest} yet`,
  )

  say('resumable status — what the checkpoint says')
  await resumable(['status', dest])

  say(
    'resumable get — the same command again: it resumes, then verifies the CRC-64 against the store',
  )
  const servedBefore = server.oss.served.bodyBytes
  const second = await resumable(['get', url, dest])
  const fetched = server.oss.served.bodyBytes - servedBefore
  const final = await stat(dest)

  say('Summary')
  console.log(`  second run: exit code ${second.code}, ${(second.ms / 1000).toFixed(1)} s`)
  console.log(
    `  fetched by the second run: ${(fetched / MiB).toFixed(0)} MiB of ${size / MiB} MiB (the rest came from the checkpoint)`,
  )
  console.log(`  total served by the mock: ${(server.oss.served.bodyBytes / MiB).toFixed(0)} MiB`)
  console.log(
    `  destination: ${final.size} bytes; the CRC-64 was checked before the rename made it appear`,
  )
  if (second.code !== 0 || final.size !== size) process.exitCode = 1
} finally {
  await server.close()
  await rm(dir, { recursive: true, force: true })
}
