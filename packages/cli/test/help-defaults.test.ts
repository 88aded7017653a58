import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_RETRY_AFTER_MS, OPTION_TABLE } from '@resumable/core'
import { HELP } from '../src/help.ts'
import { parseSize } from '../src/units.ts'

/** The `(default …)` and range a --help line states for a flag. */
function helpLine(flag: string): { range?: [string, string]; defaultText: string } {
  const line = HELP.split('\n').find((l) => l.trimStart().startsWith(`${flag} `))
  assert.ok(line, `--help has no line for ${flag}`)
  const defaultText = /\(default ([^)]+)\)/.exec(line)?.[1]
  assert.ok(defaultText, `--help line for ${flag} states no default: ${line}`)
  const range = /(\S+)–(\S+) \(default/.exec(line)
  return range ? { range: [range[1] as string, range[2] as string], defaultText } : { defaultText }
}

describe('--help quotes the defaults of core OPTION_TABLE', () => {
  it('--part-size states the table default and limits', () => {
    const { range, defaultText } = helpLine('--part-size')
    assert.equal(parseSize(defaultText), OPTION_TABLE.partSize.default)
    assert.deepEqual(range?.map(parseSize), [OPTION_TABLE.partSize.min, OPTION_TABLE.partSize.max])
  })

  it('--concurrency and --retries state the table defaults', () => {
    assert.equal(Number(helpLine('--concurrency').defaultText), OPTION_TABLE.concurrency.default)
    assert.equal(Number(helpLine('--retries').defaultText), OPTION_TABLE.retries.default)
  })

  it("--retries states core's Retry-After cap and the longest a server answering 503 can hold a part", () => {
    const at = HELP.indexOf('  --retries ')
    const block = HELP.slice(at, HELP.indexOf('  --stall-timeout ', at))
    const minutes = MAX_RETRY_AFTER_MS / 60_000
    assert.match(block, new RegExp(`Retry-After is honoured up to ${minutes} minutes`))
    assert.match(
      block,
      new RegExp(`\\(${OPTION_TABLE.retries.default * minutes} min by default\\)`),
    )
  })

  it('--stall-timeout states the table default in seconds', () => {
    assert.equal(
      Number(helpLine('--stall-timeout').defaultText) * 1000,
      OPTION_TABLE.stallTimeoutMs.default,
    )
  })
})
