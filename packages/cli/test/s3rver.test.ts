import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { crc64 } from '@resumable/core'
import { type S3rverHandle, startS3rver } from '@resumable/testkit/node'
import { aliOssFactory } from '../src/ali-oss-factory.ts'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

// `resumable get s3://…` against s3rver, a real S3 implementation. s3rver checks the access key
// id but not signatures: protocol-flags.test.ts and sources.test.ts prove signing against the
// testkit mock, which stays the signature oracle.

const BIG = 32 * 1024 * 1024 + 7
const ODD_KEYS = [
  'with space.bin',
  'ünï/cødé ✓.bin',
  'a+b.bin',
  '100%.bin',
  'what?.bin',
  'hash#tag.bin',
]

function bytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size)
  let x = seed
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

const big = bytes(BIG, 1)
const small = bytes(50_001, 2)
let s3: S3rverHandle
let dir = ''
let n = 0

before(async () => {
  s3 = await startS3rver(['bkt'])
  await s3.put('bkt', 'big.bin', big)
  await s3.put('bkt', 'empty.bin', new Uint8Array(0))
  for (const key of ODD_KEYS) await s3.put('bkt', key, small)
  dir = await mkdtemp(join(tmpdir(), 'cli-s3rver-'))
})
after(async () => {
  await s3.close()
  await rm(dir, { recursive: true, force: true })
})

async function get(key: string, extra: string[] = [], pauseAfterMs?: number) {
  const env = {
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    HOME: '/nonexistent',
  }
  const { cli, text } = fakeEnvironment({
    env,
    files: filePlaces,
    aliOss: aliOssFactory(env),
    onInterrupt: (pause) => {
      const timer = pauseAfterMs === undefined ? undefined : setTimeout(pause, pauseAfterMs)
      return () => clearTimeout(timer)
    },
  })
  const dest = extra.includes('--dest-reuse')
    ? join(dir, 'reused.bin')
    : join(dir, `s3rver-${++n}.bin`)
  const args = [
    'get',
    `s3://bkt/${key}`,
    dest,
    '--endpoint',
    s3.endpoint,
    ...extra.filter((a) => a !== '--dest-reuse'),
  ]
  const code = await main(args, cli)
  return { code, text: text(), dest }
}

const crcOf = async (file: string): Promise<bigint> =>
  crc64('crc64xz', new Uint8Array(await readFile(file)))

describe('resumable get s3:// against s3rver', () => {
  it('downloads 32 MiB byte-identical (path-style chosen for the IP endpoint)', async () => {
    const r = await get('big.bin')
    assert.equal(r.code, 0, r.text)
    assert.equal(await crcOf(r.dest), crc64('crc64xz', big))
  })

  it('downloads an empty object', async () => {
    const r = await get('empty.bin')
    assert.equal(r.code, 0, r.text)
    assert.equal((await readFile(r.dest)).length, 0)
  })

  it('downloads keys with spaces, non-ASCII, +, %, ? and # byte-identical', async () => {
    for (const key of ODD_KEYS) {
      const r = await get(key)
      assert.equal(r.code, 0, `${key}: ${r.text}`)
      assert.deepEqual(new Uint8Array(await readFile(r.dest)), small, key)
    }
  })

  it('exits 1 with the store error for a missing key', async () => {
    const r = await get('missing.bin')
    assert.equal(r.code, 1, r.text)
    assert.match(r.text, /NoSuchKey|not found|404/i)
  })

  it('an object overwritten between runs: the checkpoint is discarded, nothing mixed, the new object whole', async () => {
    const first = bytes(6 * 1024 * 1024, 3)
    const second = bytes(6 * 1024 * 1024, 4)
    await s3.put('bkt', 'changing.bin', first)
    const slow = [
      '--dest-reuse',
      '--part-size',
      '1MiB',
      '--concurrency',
      '1',
      '--limit-rate',
      '4MiB/s',
    ]
    const paused = await get('changing.bin', slow, 600)
    assert.equal(paused.code, 130, paused.text)
    await s3.put('bkt', 'changing.bin', second)
    const again = await get('changing.bin', ['--dest-reuse'])
    assert.equal(again.code, 0, again.text)
    assert.match(again.text, /checkpoint discarded \(stale\).*changed/)
    assert.equal(await crcOf(again.dest), crc64('crc64xz', second))
  })
})
