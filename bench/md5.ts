// The MD5 check of S3 objects that publish no CRC-64 (their single-part ETag is the MD5):
// 1. throughput of core's JavaScript Md5 against node:crypto, 64 MiB in 1 MiB pieces, 3 runs;
// 2. its cost in a real download: the same 1 GiB from the loopback mock over s3://, once with a
//    CRC-64/NVME (no second pass) and once with only an MD5 ETag (hashed before the rename),
//    through the CLI, rounds alternated, `sync` before each. Wall, user, sys and peak RSS.
// Run: node --conditions=@resumable/source --import tsx bench/md5.ts [rounds, default 3]
import { execFileSync, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Md5 } from '../packages/core/src/index.ts'
import { generatedSource, MockOss } from '../packages/testkit/src/index.ts'
import { startMockOss } from '../packages/testkit/src/node.ts'

const MiB = 1024 * 1024
const ROUNDS = Number(process.argv[2] ?? 3)

const data = randomBytes(64 * MiB)
for (let run = 0; run < 3; run++) {
  let started = performance.now()
  const js = new Md5()
  for (let at = 0; at < data.length; at += MiB) js.update(data.subarray(at, at + MiB))
  const jsHex = js.hex()
  const jsMs = performance.now() - started
  started = performance.now()
  const nodeHex = createHash('md5').update(data).digest('hex')
  const nodeMs = performance.now() - started
  if (jsHex !== nodeHex) throw new Error('core Md5 disagrees with node:crypto')
  console.log(
    `Md5 (JavaScript) ${(64 / (jsMs / 1000)).toFixed(0)} MiB/s, node:crypto ${(64 / (nodeMs / 1000)).toFixed(0)} MiB/s`,
  )
}

const SIZE = 1024 * MiB
const keys = { accessKeyId: 'AKIDBENCHMD5', secretAccessKey: 'bench-md5-secret' }
const oss = new MockOss({ credentials: keys })
const server = await startMockOss({ oss })
const md5 = createHash('md5')
for (const chunk of generatedSource(SIZE, 5).chunks(0, SIZE - 1, 8 * MiB)) md5.update(chunk)
oss.putObject('bkt', 'crc.bin', { generated: { size: SIZE, seed: 5 } })
oss.putObject('bkt', 'md5.bin', {
  generated: { size: SIZE, seed: 5 },
  crc64: false,
  etag: `"${md5.digest('hex')}"`,
})
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: keys.accessKeyId,
  AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
}
const dest = join(tmpdir(), 'bench-md5.bin')
const cli = ['--conditions=@resumable/source', '--import', 'tsx', 'packages/cli/src/bin.ts']

/** One CLI run under /usr/bin/time: its figures and the verification it reported. */
function download(kind: string): Promise<string> {
  const argv = [...cli, 'get', `s3://bkt/${kind}.bin`, dest, '--endpoint', server.url]
  const child = spawn(
    '/usr/bin/time',
    [
      '-f',
      '%e s, user %U s, sys %S s, %M KiB',
      process.execPath,
      ...argv,
      '--region',
      'us-east-1',
      '--force',
    ],
    { env },
  )
  let out = ''
  child.stdout.on('data', (d) => {
    out += d
  })
  child.stderr.on('data', (d) => {
    out += d
  })
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const verified = /verified: (\S+)/.exec(out)?.[1] ?? 'none'
      resolve(`${out.trim().split('\n').at(-1)} — verified ${verified}, exit ${code}`)
    }),
  )
}

try {
  for (let round = 0; round < ROUNDS; round++)
    for (const kind of round % 2 ? ['md5', 'crc'] : ['crc', 'md5']) {
      rmSync(dest, { force: true })
      execFileSync('sync')
      console.log(
        `round ${round + 1}, ${kind === 'crc' ? 'CRC-64/NVME' : 'MD5 ETag only'}: ${await download(kind)}`,
      )
    }
} finally {
  rmSync(dest, { force: true })
  await server.close()
}
