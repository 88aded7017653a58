import assert from 'node:assert/strict'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { crc } from '@resumable/core'
import { makeBytes } from '@resumable/testkit'
import { main } from '../src/main.ts'
import { signedEnv, startSignedMock, stopSignedMock } from './helpers.ts'

// s3:// objects whose only checksum is the full-object CRC-32 or CRC-32C an AWS SDK uploaded with
// (no CRC-64/NVME, no MD5 ETag): the parts' CRCs are combined and checked before the rename.
const bytes = makeBytes(2 * 1024 * 1024 + 9, 52)
const MULTIPART_ETAG = '"0123456789abcdef0123456789abcdef-3"'
let mock: Awaited<ReturnType<typeof startSignedMock>>

before(async () => {
  mock = await startSignedMock('cli-s3-crc32-')
  for (const algorithm of ['crc32', 'crc32c'] as const) {
    mock.oss.putObject('bkt', `${algorithm}.bin`, {
      bytes,
      s3Checksum: algorithm,
      etag: MULTIPART_ETAG,
    })
  }
  // A composite checksum the mock cannot back with parts: nothing says where the parts were cut.
  mock.oss.putObject('bkt', 'composite.bin', {
    bytes,
    s3Checksum: 'crc32',
    s3ChecksumType: 'COMPOSITE',
    multipartParts: 3,
  })
  for (const [key, s3Checksum] of [
    ['batch/a.txt', 'crc32'],
    ['batch/b.txt', 'crc32c'],
  ] as const)
    mock.oss.putObject('bkt', key, { bytes: new TextEncoder().encode(key), s3Checksum })
  // Above the batch's one-request size (8 MiB), so it is stat'ed and fetched in parts.
  mock.oss.putObject('bkt', 'batch/big.bin', {
    generated: { size: 9 * 1024 * 1024 + 5, seed: 3 },
    s3Checksum: 'crc32',
    s3ChecksumType: 'COMPOSITE',
    s3PartSize: 5 * 1024 * 1024,
  })
  // Uploaded in parts of 768 KiB, as an SDK's transfer manager does with per-part CRC-32Cs.
  for (const key of [
    'multipart.bin',
    'skip/multipart.bin',
    'batch/small-multipart.bin',
    'bad/small-multipart.bin',
  ])
    mock.oss.putObject('bkt', key, {
      bytes,
      s3Checksum: 'crc32c',
      s3ChecksumType: 'COMPOSITE',
      s3PartSize: 768 * 1024,
    })
})
after(async () => {
  await stopSignedMock(mock)
})

async function get(key: string, dest: string, ...flags: string[]) {
  const { cli, text, out } = signedEnv()
  const argv = ['get', `s3://bkt/${key}`, dest, '--endpoint', mock.server.url]
  const code = await main(
    [...argv, '--region', 'us-east-1', '--part-size', '512KiB', ...flags],
    cli,
  )
  return { code, text: text(), out }
}

/**
 * A run with one part at a time whose read number `skip + 1` is refused as a 403 would be, which
 * ends it; then the same command again with --json. Returns the second run's events.
 */
async function cutShortThenResume(key: string, dest: string, skip: number) {
  const remove = mock.oss.faults.add({
    fault: { type: 'status', status: 403, code: 'AccessDenied' },
    match: { key, method: 'GET', ranged: true },
    skip,
    times: 1,
  })
  const first = await get(key, dest, '--concurrency', '1')
  remove()
  assert.notEqual(first.code, 0, first.text)
  const second = await get(key, dest, '--json')
  assert.equal(second.code, 0, second.text)
  const events = second.out.map((line) => JSON.parse(line) as Record<string, unknown>)
  const resumed = events.find((e) => e.type === 'resumed')
  const done = events.find((e) => e.type === 'done') as
    | { verification: { method: string; value: string; uploadParts?: number } }
    | undefined
  return {
    resumedBytes: (resumed?.resumedBytes as number | undefined) ?? 0,
    done,
    text: second.text,
  }
}

describe("s3:// verified by S3's full-object CRC-32 and CRC-32C", () => {
  for (const algorithm of ['crc32', 'crc32c'] as const) {
    it(`${algorithm}: combines five parts' CRCs and says "verified: ${algorithm} <value> matches the store"`, async () => {
      const dest = join(mock.dir, `${algorithm}.bin`)
      const { code, text } = await get(`${algorithm}.bin`, dest)
      assert.equal(code, 0, text)
      const expected = crc(algorithm, bytes)
      assert.match(text, new RegExp(`verified: ${algorithm} ${expected} matches the store`))
      assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
    })
  }

  it('a CRC-32 that does not match fails (exit 1) naming crc32 and both 8-digit values, and leaves no file', async () => {
    const dir = join(mock.dir, 'wrong')
    await mkdir(dir)
    const remove = mock.oss.faults.add({
      fault: { type: 'wrong-crc' },
      match: { key: 'crc32.bin' },
    })
    try {
      const { code, text } = await get('crc32.bin', join(dir, 'crc32.bin'))
      assert.equal(code, 1, text)
      const right = crc('crc32', bytes)
      const wrong = (right ^ 1n).toString(16).padStart(8, '0')
      assert.match(
        text,
        new RegExp(
          `failed crc32 verification: expected ${wrong}, got ${right.toString(16).padStart(8, '0')}`,
        ),
      )
      assert.deepEqual(await readdir(dir), [], 'no file, no temp file, no checkpoint')
    } finally {
      remove()
    }
  })

  it('a download cut short resumes from its checkpoint and still verifies the CRC-32C over old and new parts', async () => {
    const dest = join(mock.dir, 'resumed.bin')
    const { resumedBytes, done, text } = await cutShortThenResume('crc32c.bin', dest, 2)
    assert.ok(resumedBytes >= 2 * 512 * 1024, text)
    assert.deepEqual(done?.verification, {
      method: 'crc32c',
      value: crc('crc32c', bytes).toString(),
    })
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
  })

  it("a multipart upload's composite CRC-32C is checked in the upload's own parts: three of 768 KiB, not --part-size 512KiB", async () => {
    const dest = join(mock.dir, 'multipart.bin')
    const seen = mock.oss.served.log.length
    const { code, text } = await get('multipart.bin', dest)
    assert.equal(code, 0, text)
    const requests = mock.oss.served.log.slice(seen)
    const ranges = requests.filter((r) => r.method === 'GET').map((r) => r.range)
    assert.deepEqual(ranges.sort(), [
      'bytes=0-786431',
      'bytes=1572864-2097160',
      'bytes=786432-1572863',
    ])
    assert.ok(
      requests.some((r) => r.method === 'HEAD' && r.url.includes('partNumber=1')),
      "a HEAD of part 1 learns the parts' size",
    )
    const part = (start: number, end: number) => crc('crc32c', bytes.subarray(start, end))
    const joined = new Uint8Array(12)
    const view = new DataView(joined.buffer)
    const P = 768 * 1024
    view.setUint32(0, Number(part(0, P)))
    view.setUint32(4, Number(part(P, 2 * P)))
    view.setUint32(8, Number(part(2 * P, bytes.length)))
    const composite = crc('crc32c', joined)
    assert.match(
      text,
      new RegExp(`verified: crc32c of 3 upload parts ${composite} matches the store's composite`),
    )
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
  })

  it('with the default part size the same 2 MiB object is one GET, and its composite is checked by reading the file back', async () => {
    const dest = join(mock.dir, 'multipart-one-request.bin')
    const seen = mock.oss.served.log.length
    const { cli, text } = signedEnv()
    const argv = ['get', 's3://bkt/multipart.bin', dest, '--endpoint', mock.server.url]
    const code = await main([...argv, '--region', 'us-east-1'], cli)
    assert.equal(code, 0, text())
    const gets = mock.oss.served.log.slice(seen).filter((r) => r.method === 'GET')
    assert.deepEqual(
      gets.map((r) => r.range),
      ['bytes=0-2097160'],
    )
    assert.match(text(), /verifying: reading 2\.0+ MiB back for the crc32c of each upload part\n/)
    assert.match(
      text(),
      /verified: crc32c of 3 upload parts \(read back\) \d+ matches the store's composite/,
    )
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
  })

  it('a composite CRC-32C that does not match the parts fails (exit 1), and leaves no file', async () => {
    const dir = join(mock.dir, 'wrong-composite')
    await mkdir(dir)
    const remove = mock.oss.faults.add({
      fault: { type: 'wrong-crc' },
      match: { key: 'multipart.bin', method: 'HEAD' },
    })
    try {
      const { code, text } = await get('multipart.bin', join(dir, 'multipart.bin'))
      assert.equal(code, 1, text)
      assert.match(text, /failed crc32c verification: .*composite checksum of 3 upload parts/)
      assert.deepEqual(await readdir(dir), [])
    } finally {
      remove()
    }
  })

  it('a multipart download cut short resumes in the same upload parts and verifies the composite over old and new', async () => {
    const dest = join(mock.dir, 'multipart-resumed.bin')
    const { resumedBytes, done, text } = await cutShortThenResume('multipart.bin', dest, 1)
    assert.ok(resumedBytes >= 768 * 1024, text)
    assert.equal(done?.verification.method, 'crc32c', text)
    assert.equal(done?.verification.uploadParts, 3)
    assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)
  })

  it('a composite CRC-32 whose parts cannot be learned (no multipart layout) is not taken for the whole object: size only', async () => {
    const dest = join(mock.dir, 'composite.bin')
    const { code, text } = await get('composite.bin', dest)
    assert.equal(code, 0, text)
    assert.match(text, /verified: size only \(the store published no checksum for this object\)/)
  })

  it('a --recursive batch verifies each object by the checksum it has: CRC-32, CRC-32C, and a composite over upload parts, fetched in parts or (small) in one request and read back', async () => {
    const { cli, out, text } = signedEnv()
    const argv = ['get', 's3://bkt/batch/', join(mock.dir, 'batch'), '--recursive', '--json']
    const code = await main([...argv, '--endpoint', mock.server.url, '--region', 'us-east-1'], cli)
    assert.equal(code, 0, text())
    const verified = Object.fromEntries(
      out
        .map((line) => JSON.parse(line) as { type: string; key?: string; verification?: unknown })
        .filter((e) => e.type === 'object-done')
        .map((e) => {
          const v = e.verification as { method: string; uploadParts?: number; readBack?: true }
          const parts = v.uploadParts ? ` of ${v.uploadParts} parts` : ''
          return [e.key, `${v.method}${parts}${v.readBack ? ', read back' : ''}`]
        }),
    )
    assert.deepEqual(verified, {
      'batch/a.txt': 'crc32',
      'batch/b.txt': 'crc32c',
      'batch/big.bin': 'crc32 of 2 parts',
      'batch/small-multipart.bin': 'crc32c of 3 parts, read back',
    })
    const small = mock.oss.served.log.filter((r) => r.key === 'batch/small-multipart.bin')
    assert.deepEqual(
      small.map((r) =>
        `${r.method}${r.range ? ` ${r.range}` : ''} ${new URL(r.url).searchParams.get('partNumber') ?? ''}`.trim(),
      ),
      ['GET', 'HEAD 1', 'HEAD 3', 'GET bytes=0-2097160'],
      'a GET answered as a stat (its body let go: the HEADs must not wait on its connection), two HEADs for the layout, one GET for the bytes',
    )
  })

  it('in a batch, a small multipart object whose bytes do not give the composite fails (exit 1) and leaves no file', async () => {
    const dest = join(mock.dir, 'bad')
    const remove = mock.oss.faults.add({
      fault: { type: 'wrong-crc' },
      match: { key: 'bad/small-multipart.bin', method: 'GET' },
    })
    try {
      const { cli, text } = signedEnv()
      const argv = ['get', 's3://bkt/bad/', dest, '--recursive']
      const code = await main(
        [...argv, '--endpoint', mock.server.url, '--region', 'us-east-1'],
        cli,
      )
      assert.equal(code, 1, text())
      assert.match(text(), /small-multipart\.bin.*crc32c.*composite checksum of 3 upload parts/s)
      assert.deepEqual(
        (await readdir(dest).catch(() => [])).filter((name) => !name.startsWith('.')),
        [],
      )
    } finally {
      remove()
    }
  })

  it('--skip-existing takes a file for a multipart object when its upload parts give the same composite, and not once a byte differs', async () => {
    const dest = join(mock.dir, 'skip')
    await mkdir(dest)
    const file = join(dest, 'multipart.bin')
    await writeFile(file, bytes)
    const run = async () => {
      const { cli, text } = signedEnv()
      const argv = ['get', 's3://bkt/skip/', dest, '--recursive', '--skip-existing']
      const code = await main(
        [...argv, '--endpoint', mock.server.url, '--region', 'us-east-1'],
        cli,
      )
      await rm(join(dest, '.resumable-batch.journal'), { force: true })
      return { code, text: text() }
    }
    const same = await run()
    assert.equal(same.code, 0, same.text)
    assert.match(same.text, /1 skipped \(1 same-content\)/)
    const flipped = bytes.slice()
    flipped[800 * 1024] = (flipped[800 * 1024] as number) ^ 1
    await writeFile(file, flipped)
    const changed = await run()
    assert.equal(changed.code, 1, changed.text)
    assert.match(changed.text, /of the same size but another CRC/)
    assert.deepEqual(new Uint8Array(await readFile(file)), flipped, 'the file is kept')
  })
})
