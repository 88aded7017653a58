import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { crc } from '@resumable/core'
import { makeBytes } from '@resumable/testkit'
import { filePlaces } from '../src/file-places.ts'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'
import { type RangedFileServer, startRangedFileServer } from './ranged-file-server.ts'

// Plain https:// downloads whose server vouches for the whole object in headers of its own: Google
// Cloud Storage's x-goog-hash (public objects, signed URLs), Azure Blob Storage's Content-MD5 and
// x-ms-blob-content-md5 (SAS URLs), and HTTP's Repr-Digest (RFC 9530) and Digest (RFC 3230). A
// loopback server answers as each does, ranged GETs included; the CLI checks what they say.
const bytes = makeBytes(3 * 1024 * 1024 + 5, 61)
const CRC32C = crc('crc32c', bytes)
const crcField = (value: bigint) =>
  `crc32c=${Buffer.from(value.toString(16).padStart(8, '0'), 'hex').toString('base64')}`
const digestOf = (algorithm: string, data: Uint8Array = bytes) =>
  createHash(algorithm).update(data).digest('base64')
const SHA256_HEX = createHash('sha256').update(bytes).digest('hex')
const MD5_HEX = createHash('md5').update(bytes).digest('hex')
const OTHER_SHA256 = digestOf('sha256', bytes.subarray(1))
const OTHER_MD5 = digestOf('md5', bytes.subarray(1))

type Headers = Record<string, string | string[]>
/** Headers per object name, for a whole (HEAD, 200) or a ranged answer of bytes start..end. */
const OBJECTS: Record<string, (ranged: boolean, start: number, end: number) => Headers> = {
  'gcs.bin': () => ({
    'x-goog-hash': [crcField(CRC32C), `md5=${digestOf('md5')}`],
    'x-goog-stored-content-encoding': 'identity',
  }),
  'gcs-wrong.bin': () => ({
    'x-goog-hash': [crcField(CRC32C ^ 1n), `md5=${digestOf('md5')}`],
    'x-goog-stored-content-encoding': 'identity',
  }),
  // Stored gzip-compressed (served here as is): its hash would describe other bytes.
  'gcs-stored-gzip.bin': () => ({
    'x-goog-hash': crcField(CRC32C ^ 1n),
    'x-goog-stored-content-encoding': 'gzip',
  }),
  // Azure: the blob's MD5 as Content-MD5 on a HEAD, as x-ms-blob-content-md5 on a ranged GET,
  // where a Content-MD5 (had it been asked for) would be the range's.
  'azure.bin': (ranged, start, end): Headers => {
    if (!ranged) return { 'content-md5': digestOf('md5') }
    const range = digestOf('md5', bytes.subarray(start, end + 1))
    return { 'x-ms-blob-content-md5': digestOf('md5'), 'content-md5': range }
  },
  'azure-wrong.bin': (ranged): Headers => {
    if (ranged) return { 'x-ms-blob-content-md5': OTHER_MD5 }
    return { 'content-md5': OTHER_MD5 }
  },
  'repr.bin': () => ({ 'repr-digest': `sha-256=:${digestOf('sha256')}:` }),
  'repr-wrong.bin': () => ({ 'repr-digest': `sha-256=:${OTHER_SHA256}:` }),
  'digest.bin': () => ({ digest: `MD5=${OTHER_MD5}, SHA-256=${digestOf('sha256')}` }),
}

let server: RangedFileServer
let url = ''
let dir = ''

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-server-digests-'))
  server = await startRangedFileServer(bytes, (path, ranged, start, end) =>
    OBJECTS[path.slice(1)]?.(ranged, start, end),
  )
  url = server.url
})
after(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

async function get(name: string) {
  const out = join(dir, name.replace('.bin', ''))
  await mkdir(out)
  const dest = join(out, name)
  const { cli, text } = fakeEnvironment({ files: filePlaces })
  const code = await main(['get', `${url}/${name}`, dest, '--part-size', '1MiB'], cli)
  return { code, text: text(), dest, out }
}

/** The download succeeded with the object's bytes, and its text says `verified`. */
async function verified(name: string, verifiedText: RegExp): Promise<string> {
  const { code, text, dest } = await get(name)
  assert.equal(code, 0, text)
  assert.match(text, verifiedText)
  assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
  return text
}

/** The download failed (exit 1) with `failure`, and left nothing in its directory. */
async function refused(name: string, failure: RegExp): Promise<void> {
  const { code, text, out } = await get(name)
  assert.equal(code, 1, text)
  assert.match(text, failure)
  assert.deepEqual(await readdir(out), [], 'no file, no temp file, no checkpoint')
}

describe("Google Cloud Storage: x-goog-hash's CRC-32C", () => {
  it('combines the parts\' CRC-32Cs: "verified: crc32c <value> matches the store"', async () => {
    await verified('gcs.bin', new RegExp(`verified: crc32c ${CRC32C} matches the store`))
  })

  it('a CRC-32C that is not these bytes fails (exit 1) naming crc32c, and leaves no file', async () => {
    await refused('gcs-wrong.bin', /failed crc32c verification/)
  })

  it('an object stored compressed is not checked against its hash: size only', async () => {
    await verified('gcs-stored-gzip.bin', /verified: size only/)
  })
})

describe("Azure Blob Storage: the blob's Content-MD5", () => {
  it('taken from the HEAD (never a ranged answer\'s Content-MD5, which is the range\'s): "matches Content-MD5"', async () => {
    const text = await verified(
      'azure.bin',
      new RegExp(`verified: md5 ${MD5_HEX} matches Content-MD5`),
    )
    assert.match(text, /verifying: [\d.]+ MiB against the MD5 in Content-MD5(: [^\n]*)?\n/)
  })

  it('an MD5 that is not these bytes fails (exit 1) naming the header, and leaves no file', async () => {
    await refused('azure-wrong.bin', /failed md5 verification.*the MD5 in the object's Content-MD5/)
  })
})

describe("HTTP's Repr-Digest (RFC 9530) and Digest (RFC 3230)", () => {
  it('Repr-Digest sha-256: "verified: sha256 <hex> matches Repr-Digest"', async () => {
    const text = await verified(
      'repr.bin',
      new RegExp(`verified: sha256 ${SHA256_HEX} matches Repr-Digest`),
    )
    assert.match(text, /verifying: [\d.]+ MiB against the sha256 in Repr-Digest(: [^\n]*)?\n/)
  })

  it('a Repr-Digest that is not these bytes fails (exit 1) naming it, and leaves no file', async () => {
    await refused('repr-wrong.bin', /failed sha256 verification.*the object's Repr-Digest/)
  })

  it("Digest's SHA-256 is preferred to its MD5 (here a wrong one, never consulted)", async () => {
    await verified('digest.bin', new RegExp(`verified: sha256 ${SHA256_HEX} matches Digest`))
  })
})
