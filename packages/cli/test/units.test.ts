import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_PART_SIZE, MIN_PART_SIZE } from '@resumable/core'
import { HELP } from '../src/help.ts'
import {
  formatBytes,
  formatDuration,
  parseRate,
  parseSize,
  quoteForTerminal,
  terminalText,
} from '../src/units.ts'

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
  it('rounds a fraction of a byte (a rate): 509 B, never 508.7719298245614 B', () => {
    assert.equal(formatBytes(508.7719298245614), '509 B')
    assert.equal(formatBytes(0.4), '0 B')
    // Rounded up to 1024 B: shown in the next unit.
    assert.equal(formatBytes(1023.6), '1.00 KiB')
    assert.equal(formatBytes(1023.4), '1023 B')
  })
  it('formats durations', () => {
    assert.equal(formatDuration(42), '42s')
    assert.equal(formatDuration(185), '3m05s')
    assert.equal(formatDuration(3720), '1h02m')
    assert.equal(formatDuration(Number.POSITIVE_INFINITY), '--')
  })
})

describe('text for a terminal', () => {
  it('escapes C0, DEL, C1 and bidi controls as \\u escapes, and nothing else', () => {
    assert.equal(terminalText('k/del\u007f'), 'k/del\\u007f')
    assert.equal(terminalText('a\u0085b\u009b31m'), 'a\\u0085b\\u009b31m')
    assert.equal(terminalText('x\u202ey\u2066z\u2069'), 'x\\u202ey\\u2066z\\u2069')
    assert.equal(terminalText('tab\there'), 'tab\\u0009here')
    assert.equal(terminalText('plain — é 😀 → ok'), 'plain — é 😀 → ok')
  })
  it('quotes as JSON does, so the quoted text reads back as the same string', () => {
    const key = 'k/\u0000\n\u007f\u0085\u202e"\\'
    const quoted = quoteForTerminal(key)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    assert.doesNotMatch(quoted, /[\u0000-\u001f\u007f-\u009f\u202e]/)
    assert.equal(JSON.parse(quoted), key)
  })
})
