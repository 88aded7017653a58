import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  AbortedError,
  createDownload,
  type DigestAlgorithm,
  type DownloadOptions,
  download,
  type Target,
  type TargetHashAheadOptions,
} from '@resumable/core'
import { type FakeObject, makeObject } from '@resumable/testkit'
import { forwarding } from './helpers/forwarding-target.ts'
import { setup } from './helpers/harness.ts'

const KiB = 1024
const hex = (algorithm: DigestAlgorithm, bytes: Uint8Array) =>
  createHash(algorithm).update(bytes).digest('hex')

interface Told {
  readonly algorithms: readonly DigestAlgorithm[]
  readonly options: TargetHashAheadOptions | undefined
}

/** The harness's target with `digest` and `md5` kept and a `hashAhead` that records what it is told. */
function listening(made: Target, told: Told[], readable = true): Target {
  return forwarding(made, {
    readable,
    ...(made.digest && { digest: made.digest.bind(made) }),
    ...(made.md5 && { md5: made.md5.bind(made) }),
    hashAhead: (algorithms, options) => {
      told.push({ algorithms: [...algorithms], options })
    },
  })
}

/** What the engine tells the Target to hash ahead in one download of `object` with `extra`. */
async function toldFor(
  object: FakeObject,
  extra: Partial<DownloadOptions> = {},
  readable = true,
): Promise<Told[]> {
  const { options, target } = setup(object)
  const told: Told[] = []
  await download(options({ ...extra, target: listening(target, told, readable) }))
  return told
}

describe('the digests a Target is told to hash ahead', () => {
  const { checksum: _, ...noCrc } = makeObject(450 * KiB, 21)
  const withMd5 = { ...noCrc, md5: hex('md5', noCrc.bytes) }
  const withSha = {
    ...noCrc,
    digest: { algorithm: 'sha256' as const, value: hex('sha256', noCrc.bytes) },
  }
  const withCrc = makeObject(450 * KiB, 22)

  it("the caller's digest, and the store's MD5 or SHA when no CRC proves the object", async () => {
    const sha512 = { algorithm: 'sha512' as const, value: hex('sha512', noCrc.bytes) }
    assert.deepEqual(await toldFor(withMd5), [{ algorithms: ['md5'], options: {} }])
    assert.deepEqual(await toldFor(withSha), [{ algorithms: ['sha256'], options: {} }])
    assert.deepEqual(await toldFor(withMd5, { digest: sha512 }), [
      { algorithms: ['sha512', 'md5'], options: {} },
    ])
    assert.deepEqual(
      await toldFor(withCrc, {
        digest: { algorithm: 'sha1', value: hex('sha1', withCrc.bytes) },
      }),
      [{ algorithms: ['sha1'], options: {} }],
    )
  })

  it('nothing when nothing will be read back: a CRC proves it, verification off, a range, a target that cannot read back', async () => {
    assert.deepEqual(await toldFor(withCrc), [])
    assert.deepEqual(await toldFor(withMd5, { verify: false }), [])
    assert.deepEqual(await toldFor(withMd5, { range: { start: 10, end: 1000 } }), [])
    assert.deepEqual(await toldFor(withMd5, {}, false), [])
  })

  it('a resumed download names the spans already in place: the bytes it does not fetch again', async () => {
    const { options, target, transport } = setup(withMd5)
    const handle = createDownload(options({ concurrency: 2 }))
    let parts = 0
    handle.on('part-done', () => {
      if (++parts === 2) handle.pause()
    })
    await assert.rejects(handle.start(), AbortedError)
    const told: Told[] = []
    transport.servedBytes = 0
    const result = await download(options({ concurrency: 2, target: listening(target, told) }))
    assert.equal(told.length, 1)
    const present = told[0]?.options?.present ?? []
    assert.ok(result.resumedBytes > 0)
    assert.equal(
      present.reduce((sum, span) => sum + span.end - span.start, 0),
      result.resumedBytes,
    )
    for (const span of present) assert.equal(span.start % (100 * KiB), 0)
    assert.equal(transport.servedBytes, withMd5.bytes.length - result.resumedBytes)
  })
})
