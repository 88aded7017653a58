import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BatchJournalCodec, crc64, formatCrc64Hex } from '@resumable/core'

const header = { type: 'batch', version: 1, id: 'fake://bucket/ → /dest' } as const

/** A journal line exactly as the codec frames one, around any JSON. */
function line(json: string): Uint8Array {
  const body = new TextEncoder().encode(json)
  return new TextEncoder().encode(`${formatCrc64Hex(crc64('crc64xz', body))} ${json}\n`)
}

function journal(...lines: Uint8Array[]): Uint8Array {
  return new Uint8Array(lines.flatMap((l) => [...l]))
}

describe('BatchJournalCodec: the CRC a record names', () => {
  it('keeps a CRC-32 record as `crc` with 8 hex digits, and reads it back', () => {
    const record = {
      type: 'done',
      key: 'a.bin',
      size: 9,
      crc: { algorithm: 'crc32', value: 'cbf43926' },
    } as const
    const bytes = journal(BatchJournalCodec.encode(header), BatchJournalCodec.encode(record))
    assert.match(
      new TextDecoder().decode(bytes),
      /"crc":\{"algorithm":"crc32","value":"cbf43926"\}/,
    )
    const decoded = BatchJournalCodec.decode(bytes)
    assert.ok(decoded.ok)
    assert.deepEqual(decoded.records, [record])
  })

  it('reads the `crc64` of records written by earlier builds as `crc`', () => {
    const old = line(
      '{"type":"commit","key":"b.bin","size":3,"crc64":{"algorithm":"crc64nvme","value":"ae8b14860a799888"}}',
    )
    const decoded = BatchJournalCodec.decode(journal(BatchJournalCodec.encode(header), old))
    assert.ok(decoded.ok)
    assert.deepEqual(decoded.records[0]?.crc, { algorithm: 'crc64nvme', value: 'ae8b14860a799888' })
  })

  it('leaves out a record whose value does not fit its CRC (16 digits for a CRC-32, or an unknown algorithm) as damaged', () => {
    for (const crc of [
      '{"algorithm":"crc32","value":"00000000cbf43926"}',
      '{"algorithm":"crc64xz","value":"cbf43926"}',
      '{"algorithm":"sha256","value":"cbf43926"}',
    ]) {
      const bad = line(`{"type":"done","key":"c.bin","size":1,"crc":${crc}}`)
      const good = BatchJournalCodec.encode({ type: 'done', key: 'd.bin', size: 1 })
      const decoded = BatchJournalCodec.decode(journal(BatchJournalCodec.encode(header), bad, good))
      assert.ok(decoded.ok, crc)
      assert.deepEqual(
        decoded.records.map((r) => r.key),
        ['d.bin'],
        crc,
      )
      assert.equal(decoded.damagedRecords, 1, crc)
    }
  })
})

describe('BatchJournalCodec: the batch a record belongs to', () => {
  it('keeps the `batch` of a record carried over from another batch, and leaves out one that is not a string', () => {
    const carried = { type: 'done', key: 'c.bin', size: 4, path: 'c.bin', batch: 'other' } as const
    const decoded = BatchJournalCodec.decode(
      journal(BatchJournalCodec.encode(header), BatchJournalCodec.encode(carried)),
    )
    assert.ok(decoded.ok)
    assert.deepEqual(decoded.records, [carried])
    const damaged = BatchJournalCodec.decode(
      journal(
        BatchJournalCodec.encode(header),
        line('{"type":"done","key":"d.bin","size":1,"batch":7}'),
        BatchJournalCodec.encode(carried),
      ),
    )
    assert.ok(damaged.ok)
    assert.deepEqual(damaged.records, [carried], 'a bad line before a good one is left out')
    assert.equal(damaged.damagedRecords, 1)
  })
})

describe('BatchJournalCodec: lines as strings', () => {
  it('encodeLine is encode’s line, its CRC over the JSON’s UTF-8, for long and non-ASCII keys in any order', () => {
    const keys = [
      'a.bin',
      `${'長'.repeat(3000)}.bin`,
      'é/ü/ø.bin',
      `${'x'.repeat(20_000)}.bin`,
      'z',
    ]
    const records = keys.map((key, i) => ({ type: 'done', key, size: i }) as const)
    for (const record of records) {
      const text = BatchJournalCodec.encodeLine(record)
      assert.deepEqual(new TextEncoder().encode(text), line(JSON.stringify(record)))
      assert.deepEqual(BatchJournalCodec.encode(record), line(JSON.stringify(record)))
    }
    const joined = [header, ...records].map((r) => BatchJournalCodec.encodeLine(r)).join('')
    const decoded = BatchJournalCodec.decode(new TextEncoder().encode(joined))
    assert.ok(decoded.ok)
    assert.deepEqual(decoded.records, records)
    assert.equal(decoded.tornBytes, 0)
  })
})
