import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Reporter } from '../src/reporter.ts'

function reporter(json: boolean) {
  const out: string[] = []
  const err: string[] = []
  const io = {
    out: (t: string) => void out.push(t),
    err: (t: string) => void err.push(t),
    isTTY: false,
    columns: 80,
  }
  return { r: new Reporter(io, { json, quiet: false, humanToStderr: false }), out, err }
}

describe('the single-object reporter', () => {
  it('says when a resume found the partial file shorter than its checkpoint, in words and in JSON', () => {
    const event = {
      type: 'resume-truncated',
      length: 1_000_000,
      partsRefetched: [1, 2, 3],
    } as const
    const human = reporter(false)
    human.r.event(event)
    assert.deepEqual(human.err, [
      'the partial file holds 977 KiB, less than its checkpoint says; 3 part(s) will be fetched again\n',
    ])
    const json = reporter(true)
    json.r.event(event)
    assert.deepEqual(JSON.parse(json.out.join('')), {
      type: 'resume-truncated',
      length: 1_000_000,
      partsRefetched: [1, 2, 3],
    })
  })
})
