import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  BatchJournalCodec,
  fnv1a64,
  KeyRefusedError,
  PathClaims,
  SlotPool,
  safeRelativePath,
  shardOf,
} from '@resumable/core'

function reason(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (error) {
    assert.ok(error instanceof KeyRefusedError)
    return error.reason
  }
}

describe('safeRelativePath', () => {
  it('maps a plain key under the prefix to its segments', () => {
    assert.deepEqual(safeRelativePath('logs/2026/a b+c%20é.txt', 'logs/'), [
      '2026',
      'a b+c%20é.txt',
    ])
  })

  it('refuses each kind of hostile key with its own reason', () => {
    const cases: [string, string][] = [
      ['other/x', 'outside-prefix'],
      ['p/', 'empty'],
      ['p//abs', 'absolute'],
      ['p/C:\\x', 'backslash'],
      ['p/C:/x', 'absolute'],
      ['p/a\u0000b', 'control-character'],
      ['p/a\nb', 'control-character'],
      ['p/a\u009bb', 'control-character'],
      ['p/a//b', 'empty-segment'],
      ['p/a/', 'empty-segment'],
      ['p/..', 'dot-segment'],
      ['p/a/../../b', 'dot-segment'],
      ['p/./a', 'dot-segment'],
      [`p/${'é'.repeat(128)}`, 'segment-too-long'],
    ]
    for (const [key, expected] of cases)
      assert.equal(
        reason(() => safeRelativePath(key, 'p/')),
        expected,
        key,
      )
  })

  it('accepts a name of exactly 255 UTF-8 bytes and refuses 256', () => {
    assert.equal(safeRelativePath(`p/${'x'.repeat(255)}`, 'p/').length, 1)
    assert.equal(
      reason(() => safeRelativePath(`p/${'x'.repeat(256)}`, 'p/')),
      'segment-too-long',
    )
  })
})

describe('PathClaims', () => {
  it('refuses the second of a file/prefix pair in either order, case-only and NFC/NFD twins, and duplicates', () => {
    const claims = new PathClaims()
    const claim = (key: string) => reason(() => claims.claim(key, key.split('/')))
    assert.equal(claim('a'), undefined)
    assert.equal(claim('a/b'), 'file-prefix-conflict')
    assert.equal(claim('d/e'), undefined)
    assert.equal(claim('d'), 'file-prefix-conflict')
    assert.equal(claim('Read.ME'), undefined)
    assert.equal(claim('read.me'), 'case-collision')
    assert.equal(claim('D/f'), 'case-collision')
    assert.equal(claim('caf\u00e9'), undefined)
    assert.equal(claim('cafe\u0301'), 'case-collision')
    assert.equal(claim('d/e'), 'duplicate')
    assert.equal(claim('d/g'), undefined, 'a refused key claims nothing')
  })
})

describe('shardOf', () => {
  it('is FNV-1a 64 of the UTF-8 key (published test vectors)', () => {
    assert.equal(fnv1a64(''), 0xcbf29ce484222325n)
    assert.equal(fnv1a64('a'), 0xaf63dc4c8601ec8cn)
    assert.equal(fnv1a64('foobar'), 0x85944171f73967e8n)
  })

  it('puts every key in exactly one of N shards, about evenly', () => {
    const counts = new Array(16).fill(0) as number[]
    for (let i = 0; i < 16000; i++) {
      const s = shardOf(`datasets/2026/part-${i}.parquet`, 16)
      assert.ok(Number.isInteger(s) && s >= 0 && s < 16)
      counts[s] = (counts[s] as number) + 1
    }
    for (const n of counts) assert.ok(n > 800 && n < 1200, `shard size ${n}`)
  })
})

describe('BatchJournalCodec', () => {
  const header = BatchJournalCodec.encode({ type: 'batch', version: 1, id: 'B' })
  const done = (key: string) =>
    BatchJournalCodec.encode({ type: 'done', key, size: 3, etag: '"e"' })
  const join = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]))

  it('reads back what it wrote, and ignores a torn final record', () => {
    const bytes = join(header, done('a'), done('b'))
    const whole = BatchJournalCodec.decode(bytes, 'B')
    assert.ok(whole.ok)
    assert.deepEqual(
      whole.records.map((r) => r.key),
      ['a', 'b'],
    )
    for (let cut = 1; cut < done('b').length; cut++) {
      const torn = BatchJournalCodec.decode(bytes.subarray(0, bytes.length - cut), 'B')
      assert.ok(torn.ok, `cut ${cut}`)
      assert.deepEqual(
        torn.records.map((r) => r.key),
        ['a'],
      )
    }
  })

  it('leaves out a damaged record followed by a good one and counts it; a torn final one is not damage', () => {
    const bytes = join(header, done('a'), done('b'), done('c'))
    bytes[header.length + 20] = (bytes[header.length + 20] as number) ^ 1
    const damaged = BatchJournalCodec.decode(bytes, 'B')
    assert.ok(damaged.ok)
    assert.deepEqual(
      damaged.records.map((r) => r.key),
      ['b', 'c'],
    )
    assert.equal(damaged.damagedRecords, 1)
    // A flipped newline joins two records into one bad line: both are left out, counted once.
    const joined = join(header, done('a'), done('b'), done('c'))
    joined[header.length + done('a').length - 1] = 0x20
    const merged = BatchJournalCodec.decode(joined, 'B')
    assert.ok(merged.ok)
    assert.deepEqual(
      merged.records.map((r) => r.key),
      ['c'],
    )
    assert.equal(merged.damagedRecords, 1)
    const torn = BatchJournalCodec.decode(bytes.subarray(0, bytes.length - 3), 'B')
    assert.ok(torn.ok && torn.damagedRecords === 1 && torn.records.length === 1)
    const whole = BatchJournalCodec.decode(join(header, done('a')), 'B')
    assert.ok(whole.ok && whole.damagedRecords === 0)
  })

  it('refuses a journal whose header is damaged, another batch’s, and an unknown version', () => {
    const bytes = join(header, done('a'), done('b'))
    bytes[20] = (bytes[20] as number) ^ 1
    const headless = BatchJournalCodec.decode(bytes, 'B')
    assert.ok(!headless.ok && headless.problem === 'corrupt')
    assert.match(headless.message, /header is damaged/)
    const any = BatchJournalCodec.decode(join(header, done('a')))
    assert.ok(
      any.ok && any.header.id === 'B' && any.records.length === 1,
      'read without an expected id',
    )
    const foreign = BatchJournalCodec.decode(join(header), 'C')
    assert.ok(!foreign.ok && foreign.problem === 'foreign')
    const v2 = BatchJournalCodec.decode(
      BatchJournalCodec.encode({ type: 'batch', version: 2, id: 'B' }),
      'B',
    )
    assert.ok(!v2.ok && v2.problem === 'unsupported-version')
  })
})

describe('SlotPool', () => {
  it('grants first come, first served, hands a returned slot to the next in line, and drops an aborted wait', async () => {
    const pool = new SlotPool(2)
    const order: string[] = []
    const first = await pool.acquire()
    const second = await pool.acquire()
    const wait = (name: string, signal?: AbortSignal) =>
      pool.acquire(signal).then((release) => {
        order.push(name)
        return release
      })
    const control = new AbortController()
    const gone = wait('aborted', control.signal)
    const third = wait('third')
    const fourth = wait('fourth')
    control.abort(new Error('no longer wanted'))
    await assert.rejects(gone, /no longer wanted/)
    await new Promise((resolve) => setTimeout(resolve, 5))
    assert.deepEqual(order, [], 'both slots are held')
    first()
    first() // a second call gives nothing back
    ;(await third)()
    second()
    ;(await fourth)()
    assert.deepEqual(order, ['third', 'fourth'])
    assert.equal(pool.free, 2, 'every slot is back, and none twice')
  })
})
