import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { DownloadProgress } from '@resumable/core'
import { progressLine } from '../src/progress-line.ts'
import { Reporter } from '../src/reporter.ts'

const busy: DownloadProgress = {
  bytesDone: 123.4 * 1024 ** 3,
  totalBytes: 987.6 * 1024 ** 3,
  resumedBytes: 55.5 * 1024 ** 3,
  bytesPerSecond: 456.7 * 1024 ** 2,
  etaSeconds: 3 * 3600 + 59 * 60,
  partsDone: 12_345,
  partsTotal: 98_765,
  partsInFlight: 64,
}

/** What a terminal would show: each \r or \n starts the line again; escape sequences take no room. */
function visibleLines(stderr: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the ANSI clear-line sequence
  return stderr.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').split(/[\r\n]/)
}

describe('progress line width', () => {
  for (const columns of [40, 60, 120]) {
    it(`never draws a line longer than ${columns - 1} columns on a ${columns}-column terminal`, () => {
      const err: string[] = []
      const reporter = new Reporter(
        { out: () => {}, err: (t) => void err.push(t), isTTY: true, columns },
        { json: false, quiet: false, humanToStderr: false },
      )
      for (const p of [busy, { ...busy, resumedBytes: 0, etaSeconds: undefined }]) {
        for (const done of [0, 0.5, 1]) {
          const bytesDone = Math.round(p.totalBytes * done)
          reporter.event({ type: 'progress', progress: { ...p, bytesDone } })
        }
      }
      const lines = visibleLines(err.join(''))
      assert.ok(lines.some((l) => l.includes('%')))
      for (const line of lines) assert.ok(line.length < columns, `${line.length}: ${line}`)
    })
  }

  it('drops the least important fields first: parts in flight before the rate, the rate before bytes', () => {
    const wide = progressLine(busy, 200)
    assert.match(wide, /\[#+\.+\].*ETA.*\/s.*in flight.*resumed/)
    const medium = progressLine(busy, 60)
    assert.match(medium, /%.*GiB \/ .*GiB.*ETA/)
    assert.doesNotMatch(medium, /in flight|resumed/)
    const narrow = progressLine(busy, 30)
    assert.match(narrow, /%/)
    assert.ok(narrow.length < 30)
  })
})
