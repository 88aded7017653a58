import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_PART_SIZE, MIN_PART_SIZE } from '@resumable/core'
import { HELP } from '../src/help.ts'
import { formatBytes, formatDuration, parseRate, parseSize } from '../src/units.ts'

describe('parseSize', () => {
  for (const [text, bytes] of [
    ['4096', 4096],
    ['8MiB', 8 * 1024 ** 2],
    ['8M', 8 * 1024 ** 2],
    ['8mb', 8_000_000],
    ['100KB', 100_000],
    ['100k', 102_400],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['5 GiB', 5 * 1024 ** 3],
    ['2T', 2 * 1024 ** 4],
  ] as const) {
    it(`reads ${text} as ${bytes} bytes`, () => assert.equal(parseSize(text), bytes))
  }
  for (const text of ['', 'MiB', '8 XB', '-1', '1e3', 'eight', '8MiBs']) {
    it(`rejects "${text}"`, () => assert.equal(parseSize(text), undefined))
  }
})

describe('--help', () => {
  it('states a --part-size range whose ends are accepted (100KB was 100 000 bytes, refused)', () => {
    const range = /--part-size <size> .*?(\S+)–(\S+) \(default/.exec(HELP)
    assert.ok(range, 'the help states the range')
    assert.equal(parseSize(range[1] as string), MIN_PART_SIZE)
    assert.equal(parseSize(range[2] as string), MAX_PART_SIZE)
  })
})

describe('parseRate', () => {
  it('accepts an optional /s', () => {
    assert.equal(parseRate('50MiB/s'), 50 * 1024 ** 2)
    assert.equal(parseRate('50M'), 50 * 1024 ** 2)
  })
})

describe('formatting', () => {
  it('formats bytes in binary units', () => {
    assert.equal(formatBytes(512), '512 B')
    assert.equal(formatBytes(1536), '1.50 KiB')
    assert.equal(formatBytes(5 * 1024 ** 3), '5.00 GiB')
  })
  it('formats durations', () => {
    assert.equal(formatDuration(42), '42s')
    assert.equal(formatDuration(185), '3m05s')
    assert.equal(formatDuration(3720), '1h02m')
    assert.equal(formatDuration(Number.POSITIVE_INFINITY), '--')
  })
})
