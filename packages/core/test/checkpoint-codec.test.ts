import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type Checkpoint,
  CheckpointCodec,
  CheckpointError,
  crc64,
  looksLikeCheckpoint,
  matchCheckpoint,
  planParts,
  TransferState,
} from '@resumable/core'

const identity = {
  source: 'oss://examplebucket/exampledir/exampleobject.txt',
  destination: '/data/exampleobject.txt',
  object: {
    size: 10 * 1024 * 1024 + 5,
    etag: '"ABC-3"',
    lastModified: 'Tue, 24 Nov 2026 00:00:00 GMT',
  },
}

function sample(): Checkpoint {
  const state = new TransferState(planParts(identity.object.size, 1024 * 1024), 'crc64xz')
  state.markDone(0, crc64('crc64xz', new Uint8Array([1])))
  state.markDone(3, 0xffffffffffffffffn)
  state.markDone(10, 7n)
  state.setPartial(5, 1000, 0x1234n)
  return { identity, state, savedAt: 1_790_000_000_000 }
}

/** Seeded PRNG so a failing case can be replayed. */
function prng(seed: number): () => number {
  let x = seed
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    return x / 0x80000000
  }
}

describe('CheckpointCodec', () => {
  it('round-trips identity, done parts, their CRCs and partial offsets', () => {
    const decoded = CheckpointCodec.decode(CheckpointCodec.encode(sample()))
    assert.deepEqual(decoded.identity, identity)
    assert.equal(decoded.savedAt, 1_790_000_000_000)
    const { state } = decoded
    assert.deepEqual(
      [0, 1, 3, 5, 10].map((i) => state.isDone(i)),
      [true, false, true, false, true],
    )
    assert.equal(state.crcs[3], 0xffffffffffffffffn)
    assert.equal(state.crcs[10], 7n)
    assert.deepEqual(state.partials(), [{ index: 5, written: 1000, crc: 0x1234n }])
    assert.equal(state.bytesDone, 2 * 1024 * 1024 + 5 + 1000)
  })

  it('round-trips the CRC-32C a checkpoint of an S3 object tracks, and its 32-bit part CRCs', () => {
    const state = new TransferState(planParts(identity.object.size, 1024 * 1024), 'crc32c')
    state.markDone(2, 0xe3069283n)
    state.setPartial(4, 10, 0xffffffffn)
    const decoded = CheckpointCodec.decode(
      CheckpointCodec.encode({ identity, state, savedAt: 1_790_000_000_000 }),
    )
    assert.equal(decoded.state.algorithm, 'crc32c')
    assert.equal(decoded.state.crcs[2], 0xe3069283n)
    assert.deepEqual(decoded.state.partials(), [{ index: 4, written: 10, crc: 0xffffffffn }])
  })

  it('is readable JSON', () => {
    const text = new TextDecoder().decode(CheckpointCodec.encode(sample()))
    const parsed = JSON.parse(text)
    assert.equal(parsed.format, 'resumable-checkpoint')
    assert.equal(parsed.body.source, identity.source)
  })

  it('detects every single-byte flip (never trusted)', () => {
    const bytes = CheckpointCodec.encode(sample())
    const random = prng(7)
    for (let i = 0; i < bytes.length; i++) {
      const copy = bytes.slice()
      copy[i] = (copy[i] as number) ^ (1 + Math.floor(random() * 255))
      assert.throws(() => CheckpointCodec.decode(copy), CheckpointError, `flip at byte ${i}`)
    }
  })

  it('detects truncation at every length', () => {
    const bytes = CheckpointCodec.encode(sample())
    for (let n = 0; n < bytes.length; n++) {
      assert.throws(
        () => CheckpointCodec.decode(bytes.subarray(0, n)),
        CheckpointError,
        `truncated to ${n}`,
      )
    }
  })

  it('rejects random garbage and multi-byte corruption', () => {
    const random = prng(11)
    const bytes = CheckpointCodec.encode(sample())
    for (let round = 0; round < 300; round++) {
      const copy = bytes.slice()
      const flips = 1 + Math.floor(random() * 8)
      for (let k = 0; k < flips; k++) {
        const at = Math.floor(random() * copy.length)
        copy[at] = (copy[at] as number) ^ (1 + Math.floor(random() * 255))
      }
      assert.throws(() => CheckpointCodec.decode(copy), CheckpointError)
    }
    const garbage = new Uint8Array(500).map(() => Math.floor(random() * 256))
    assert.throws(() => CheckpointCodec.decode(garbage), CheckpointError)
  })

  it('says so when the format version is unknown', () => {
    const text = new TextDecoder()
      .decode(CheckpointCodec.encode(sample()))
      .replace('"version":1', '"version":9')
    assert.throws(
      () => CheckpointCodec.decode(new TextEncoder().encode(text)),
      (e: unknown) => e instanceof CheckpointError && e.problem === 'unsupported-version',
    )
  })

  it('rejects a well-checksummed body with an inconsistent plan', () => {
    const text = new TextDecoder().decode(CheckpointCodec.encode(sample()))
    const body = JSON.parse(text).body
    body.plan.partCount = 3
    const bodyText = JSON.stringify(body)
    const crc = crc64('crc64xz', new TextEncoder().encode(bodyText)).toString(16).padStart(16, '0')
    const forged = `{"format":"resumable-checkpoint","version":1,"crc64":"${crc}","body":${bodyText}}\n`
    assert.throws(() => CheckpointCodec.decode(new TextEncoder().encode(forged)), CheckpointError)
  })

  it('keeps a 5 TiB plan with every part done well under 1 MiB', () => {
    const size = 5 * 1024 ** 4
    const state = new TransferState(planParts(size, 8 * 1024 * 1024), 'crc64xz')
    for (let i = 0; i < state.plan.partCount; i++)
      state.markDone(i, BigInt(i) * 0x9e3779b97f4a7c15n)
    const bytes = CheckpointCodec.encode({
      identity: { ...identity, object: { size } },
      state,
      savedAt: 0,
    })
    assert.ok(bytes.length < 256 * 1024, `${bytes.length} bytes`)
    const decoded = CheckpointCodec.decode(bytes)
    assert.equal(decoded.state.doneCount, state.plan.partCount)
  })
})

describe('looksLikeCheckpoint', () => {
  it('tells a checkpoint (whole, damaged after its head, or cut short) from any other file', () => {
    const encoded = CheckpointCodec.encode({
      identity,
      state: new TransferState(planParts(identity.object.size, 1024 * 1024), 'crc64xz'),
      savedAt: 1,
    })
    assert.equal(looksLikeCheckpoint(encoded), true)
    const flipped = encoded.slice()
    const at = encoded.length - 5
    flipped[at] = (flipped[at] as number) ^ 1
    assert.equal(looksLikeCheckpoint(flipped), true, 'damaged past its head: still ours')
    assert.equal(looksLikeCheckpoint(encoded.subarray(0, 10)), true, 'cut short')
    const text = new TextEncoder()
    assert.equal(looksLikeCheckpoint(text.encode('my precious notes')), false)
    assert.equal(looksLikeCheckpoint(text.encode('{"format":"something-else"}')), false)
    assert.equal(looksLikeCheckpoint(new Uint8Array()), false, 'an empty file was never one')
  })
})

describe('matchCheckpoint', () => {
  const object = {
    size: identity.object.size,
    etag: '"ABC-3"',
    lastModified: identity.object.lastModified,
  }

  it('accepts the same source, destination and object version', () => {
    assert.equal(
      matchCheckpoint(sample(), identity.source, identity.destination, object, 'crc64xz'),
      undefined,
    )
  })

  it('calls a checkpoint of another source or destination foreign', () => {
    assert.equal(
      matchCheckpoint(sample(), 'oss://other/key', identity.destination, object, 'crc64xz')
        ?.problem,
      'foreign',
    )
    assert.equal(
      matchCheckpoint(sample(), identity.source, '/elsewhere', object, 'crc64xz')?.problem,
      'foreign',
    )
  })

  it('calls a checkpoint of a changed object stale', () => {
    for (const changed of [
      { ...object, etag: '"NEW"' },
      { ...object, size: object.size + 1 },
      { ...object, lastModified: 'Wed, 25 Nov 2026 00:00:00 GMT' },
      { ...object, versionId: 'v2' },
    ]) {
      assert.equal(
        matchCheckpoint(sample(), identity.source, identity.destination, changed, 'crc64xz')
          ?.problem,
        'stale',
      )
    }
  })

  it('refuses a checkpoint that tracked a different checksum than this run verifies', () => {
    assert.equal(
      matchCheckpoint(sample(), identity.source, identity.destination, object, 'crc64nvme')
        ?.problem,
      'plan-changed',
    )
  })
})
