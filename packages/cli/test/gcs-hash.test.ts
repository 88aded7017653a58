import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { crc } from '@resumable/core'
import { makeBytes } from '@resumable/testkit'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

// A plain https:// download from Google Cloud Storage (a public object, a signed URL) carries the
// object's CRC-32C in x-goog-hash: a loopback server answering as GCS does (two x-goog-hash
// fields, x-goog-stored-content-encoding, ranged GETs) shows the CLI checking it.
const bytes = makeBytes(3 * 1024 * 1024 + 5, 61)
const base64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64')
const CRC32C = crc('crc32c', bytes)
const crcField = (value: bigint) => `crc32c=${base64(value.toString(16).padStart(8, '0'))}`
const md5Field = `md5=${createHash('md5').update(bytes).digest('base64')}`

/** x-goog-hash and stored encoding per object name. */
const OBJECTS: Record<string, { hash: string[]; stored: string }> = {
  'right.bin': { hash: [crcField(CRC32C), md5Field], stored: 'identity' },
  'wrong.bin': { hash: [crcField(CRC32C ^ 1n), md5Field], stored: 'identity' },
  // Stored gzip-compressed (served here as is): its hash would describe other bytes.
  'stored-gzip.bin': { hash: [crcField(CRC32C ^ 1n)], stored: 'gzip' },
}

let server: Server
let url = ''
let dir = ''

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-gcs-hash-'))
  server = createServer((req, res) => {
    const object = OBJECTS[(req.url ?? '').slice(1)]
    if (!object) {
      res.writeHead(404).end()
      return
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
    const start = range ? Number(range[1]) : 0
    const end = range ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1
    res.setHeader('etag', '"0123456789abcdef0123456789abcdef"')
    res.setHeader('last-modified', 'Mon, 07 Dec 2026 00:00:00 GMT')
    res.setHeader('accept-ranges', 'bytes')
    res.setHeader('x-goog-hash', object.hash)
    res.setHeader('x-goog-stored-content-encoding', object.stored)
    res.setHeader('x-goog-stored-content-length', String(bytes.length))
    res.setHeader('content-length', String(end - start + 1))
    if (range) res.setHeader('content-range', `bytes ${start}-${end}/${bytes.length}`)
    res.writeHead(range ? 206 : 200)
    res.end(req.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

async function get(name: string, dest: string) {
  const { cli, text } = fakeEnvironment({ files: filePlaces })
  const code = await main(['get', `${url}/${name}`, dest, '--part-size', '1MiB'], cli)
  return { code, text: text() }
}

describe("https:// from Google Cloud Storage, verified by x-goog-hash's CRC-32C", () => {
  it('combines the parts\' CRC-32Cs and says "verified: crc32c <value> matches the store"', async () => {
    const dest = join(dir, 'right.bin')
    const { code, text } = await get('right.bin', dest)
    assert.equal(code, 0, text)
    assert.match(text, new RegExp(`verified: crc32c ${CRC32C} matches the store`))
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
  })

  it('a CRC-32C that is not these bytes fails (exit 1) naming crc32c, and leaves no file', async () => {
    const out = join(dir, 'wrong')
    await mkdir(out)
    const { code, text } = await get('wrong.bin', join(out, 'wrong.bin'))
    assert.equal(code, 1, text)
    assert.match(text, /failed crc32c verification/)
    assert.deepEqual(await readdir(out), [], 'no file, no temp file, no checkpoint')
  })

  it('an object stored compressed is not checked against its hash: size only, and the bytes kept', async () => {
    const dest = join(dir, 'stored-gzip.bin')
    const { code, text } = await get('stored-gzip.bin', dest)
    assert.equal(code, 0, text)
    assert.match(text, /verified: size only/)
  })
})
