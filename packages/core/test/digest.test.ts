import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  type DigestAlgorithm,
  type DownloadEvent,
  download,
  IntegrityError,
  OptionsError,
  type Target,
} from '@resumable/core'
import { makeObject } from '@resumable/testkit'
import { forwarding } from './helpers/forwarding-target.ts'
import { setup } from './helpers/harness.ts'

const KiB = 1024
const hex = (algorithm: DigestAlgorithm, bytes: Uint8Array) =>
  createHash(algorithm).update(bytes).digest('hex')

/** The harness's target without the optional `digest` (and `md5`): core must read back itself. */
const plainTarget = (target: Target, readable = true): Target => forwarding(target, { readable })

describe('the digest option', () => {
  for (const algorithm of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
    it(`a ${algorithm} the bytes have (either case): published, the result names it, a verifying event says so`, async () => {
      const object = makeObject(450 * KiB, 3)
      const { volume, options, events } = setup(object)
      const value = hex(algorithm, object.bytes).toUpperCase()
      const result = await download(options({ digest: { algorithm, value } }))
      assert.deepEqual(result.digest, { algorithm, value: value.toLowerCase() })
      assert.deepEqual(volume.file('/dest/file.bin'), object.bytes)
      assert.ok(
        events.some(
          (e: DownloadEvent) =>
            e.type === 'verifying' && e.method === algorithm && e.digest === true,
        ),
      )
    })
  }

  it("a mismatch's message names the digest's source when the caller gives one", async () => {
    const object = makeObject(200 * KiB, 8)
    const { options } = setup(object)
    const wrong = hex('sha1', new Uint8Array(3))
    await assert.rejects(
      download(options({ digest: { algorithm: 'sha1', value: wrong, source: 'SUMS, line 3' } })),
      (e: unknown) => e instanceof IntegrityError && /\(SUMS, line 3\)/.test(e.message),
    )
  })

  it('a sha256 the bytes do not have: IntegrityError, nothing published, no checkpoint kept', async () => {
    const object = makeObject(450 * KiB, 4)
    const { volume, store, options } = setup(object)
    const wrong = hex('sha256', object.bytes).replace(/^./, (c) => (c === '0' ? '1' : '0'))
    await assert.rejects(
      download(options({ digest: { algorithm: 'sha256', value: wrong } })),
      (e: unknown) =>
        e instanceof IntegrityError &&
        e.check === 'sha256' &&
        e.expected === wrong &&
        e.actual === hex('sha256', object.bytes),
    )
    assert.equal(volume.file('/dest/file.bin'), undefined)
    assert.equal(volume.hasTemp('/dest/file.bin'), false)
    assert.equal(await store.load('/dest/file.bin'), undefined)
  })

  it('the MD5 the store vouches for, given again as the digest, is read back once; another digest after it a second time', async () => {
    const { checksum: _, ...rest } = makeObject(300 * KiB, 6)
    const object = { ...rest, md5: hex('md5', rest.bytes) }
    for (const [digest, passes] of [
      [{ algorithm: 'md5', value: object.md5 }, ['md5']],
      [{ algorithm: 'sha256', value: hex('sha256', object.bytes) }, ['md5', 'sha256']],
    ] as const) {
      const { options, events } = setup(object)
      const result = await download(options({ digest }))
      assert.equal(result.verification.method, 'md5')
      assert.deepEqual(
        events.flatMap((e: DownloadEvent) => (e.type === 'verifying' ? [e.method] : [])),
        passes,
      )
    }
  })

  it('an MD5 is read back and hashed by core when the target has no digest of its own', async () => {
    const object = makeObject(300 * KiB, 5)
    const { target, options } = setup(object)
    const result = await download(
      options({
        target: plainTarget(target),
        digest: { algorithm: 'md5', value: hex('md5', object.bytes) },
      }),
    )
    assert.equal(result.digest?.value, hex('md5', object.bytes))
  })

  it('is refused before any request: an unknown algorithm, a value of the wrong length or not hex, a SHA a target cannot compute, a target that cannot read back', async () => {
    const object = makeObject(10 * KiB)
    const { target, transport, options } = setup(object)
    const sha = hex('sha256', object.bytes)
    const refused: [unknown, RegExp, Target?][] = [
      [{ algorithm: 'crc32', value: 'abcd1234' }, /algorithm must be one of md5, sha1/],
      [{ algorithm: 'sha256', value: sha.slice(1) }, /64 hexadecimal digits/],
      [{ algorithm: 'md5', value: 'z'.repeat(32) }, /32 hexadecimal digits/],
      [{ algorithm: 'sha256', value: sha, source: 7 }, /source must be a string, got number/],
      [{ algorithm: 'sha256', value: sha }, /cannot compute a sha256/, plainTarget(target)],
      [
        { algorithm: 'md5', value: hex('md5', object.bytes) },
        /cannot be read back/,
        plainTarget(target, false),
      ],
    ]
    for (const [digest, says, other] of refused) {
      await assert.rejects(
        download(options({ digest: digest as never, ...(other ? { target: other } : {}) })),
        (e: unknown) => e instanceof OptionsError && says.test(e.message),
      )
    }
    assert.equal(transport.stats, 0)
  })

  it("the store's SHA (S3's x-amz-checksum-sha256): read back and compared; a target that cannot compute it (naming a server's header), or cannot read back, says why it was not", async () => {
    const { checksum: _, ...rest } = makeObject(300 * KiB, 7)
    const object = {
      ...rest,
      digest: { algorithm: 'sha256' as const, value: hex('sha256', rest.bytes) },
    }
    const checked = setup(object)
    assert.deepEqual((await download(checked.options())).verification, {
      method: 'sha256',
      value: object.digest.value,
    })
    const plain = setup(object)
    const unable = await download(plain.options({ target: plainTarget(plain.target) }))
    assert.deepEqual(unable.verification, {
      method: 'size',
      reason:
        'the store vouches only for a sha256 of the whole object, which this target cannot compute',
    })
    // A server's Repr-Digest is named where the target cannot compute it.
    const repr = { ...object, digest: { ...object.digest, source: 'Repr-Digest' } }
    const named = setup(repr)
    const unnamed = await download(named.options({ target: plainTarget(named.target) }))
    assert.deepEqual(unnamed.verification, {
      method: 'size',
      reason:
        'the store vouches only for a sha256 of the whole object (Repr-Digest), which this target cannot compute',
    })
    const pipe = setup(object)
    const streamed = await download(pipe.options({ target: plainTarget(pipe.target, false) }))
    assert.match(
      streamed.verification.method === 'size' ? streamed.verification.reason : '',
      /a digest of the whole object \(an MD5 or a SHA\), and bytes already streamed/,
    )
    const wrong = setup({
      ...object,
      digest: { algorithm: 'sha256', value: hex('sha256', new Uint8Array(1)) },
    })
    await assert.rejects(
      download(wrong.options()),
      (e: unknown) => e instanceof IntegrityError && e.check === 'sha256',
    )
  })
})
