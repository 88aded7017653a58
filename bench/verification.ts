// What each way of verifying an S3 object costs:
// 1. throughput of core's JavaScript Md5 against node:crypto, 64 MiB in 1 MiB pieces, 3 runs;
// 2. the same 1 GiB from the loopback mock over s3://, through the CLI, with each checksum S3 may
//    keep: a full-object CRC-64/NVME, CRC-32 or CRC-32C (combined from the parts, no second pass),
//    a multipart upload's composite CRC-32C (one more HEAD, the CRC of the parts' CRCs), or only
//    an MD5 ETag (the file hashed before the rename). Rounds rotate the order, `sync`
//    before each. Wall, user, sys and peak RSS.
//    Also a multipart upload without checksums, as rclone leaves it (the whole object's MD5 in
//    x-amz-meta-md5chksum, hashed before the rename) and without that record (size only).
// Run: node --conditions=@resumable/source --import tsx bench/verification.ts [rounds, default 3]
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
oss.putObject('bkt', 'crc64nvme.bin', { generated: { size: SIZE, seed: 5 } })
for (const s3Checksum of ['crc32', 'crc32c'] as const)
  oss.putObject('bkt', `${s3Checksum}.bin`, { generated: { size: SIZE, seed: 5 }, s3Checksum })
// A multipart upload of 8 MiB parts with per-part CRC-32Cs, as the SDKs' transfer managers leave.
oss.putObject('bkt', 'composite.bin', {
  generated: { size: SIZE, seed: 5 },
  s3Checksum: 'crc32c',
  s3ChecksumType: 'COMPOSITE',
  s3PartSize: 8 * MiB,
})
oss.putObject('bkt', 'md5.bin', {
  generated: { size: SIZE, seed: 5 },
  crc64: false,
  etag: `"${md5.copy().digest('hex')}"`,
})
// Multipart uploads without checksums (an ETag that is no MD5): as rclone leaves them, with the
// whole object's MD5 recorded in x-amz-meta-md5chksum (hashed before the rename), and without
// one (size only).
const multipart = { generated: { size: SIZE, seed: 5 }, crc64: false, s3PartSize: 16 * MiB }
const md5chksum = Buffer.from(md5.copy().digest()).toString('base64')
oss.putObject('bkt', 'recorded.bin', { ...multipart, metadata: { md5chksum } })
oss.putObject('bkt', 'unrecorded.bin', multipart)
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: keys.accessKeyId,
  AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
}
const dest = join(tmpdir(), 'bench-verification.bin')
const KINDS = ['crc64nvme', 'crc32', 'crc32c', 'composite', 'md5', 'recorded', 'unrecorded']
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
      const method = /verified: (size only|\S+(?: of \d+ upload parts)?)/.exec(out)?.[1] ?? 'none'
      const verified = /matches x-amz-meta-/.test(out) ? `${method} (recorded)` : method
      resolve(`${out.trim().split('\n').at(-1)} — verified ${verified}, exit ${code}`)
    }),
  )
}

try {
  for (let round = 0; round < ROUNDS; round++)
    for (const kind of [
      ...KINDS.slice(round % KINDS.length),
      ...KINDS.slice(0, round % KINDS.length),
    ]) {
      rmSync(dest, { force: true })
      execFileSync('sync')
      console.log(
        `round ${round + 1}, ${kind === 'md5' ? 'MD5 ETag only' : kind}: ${await download(kind)}`,
      )
    }
} finally {
  rmSync(dest, { force: true })
  await server.close()
}
