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

  it('says how much of a digest was hashed as the parts arrived and how much is left to read, and --json keeps bytes as what is left', () => {
    const MiB = 1024 * 1024
    const start = {
      type: 'start',
      object: { size: 10 * MiB, etag: '"E"' },
      partSize: MiB,
      partCount: 10,
      resumedBytes: 0,
      resumedParts: 0,
    } as const
    const verifying = { type: 'verifying', method: 'sha256', digest: true, bytes: MiB / 4 } as const
    const human = reporter(false)
    human.r.event(start)
    human.r.event(verifying)
    human.r.event({ ...verifying, bytes: 10 * MiB })
    assert.deepEqual(human.err.slice(1), [
      'verifying: 10.0 MiB against the sha256 given (digest option): 9.75 MiB hashed as the parts arrived, 256 KiB left to read\n',
      'verifying: 10.0 MiB against the sha256 given (digest option)\n',
    ])
    const json = reporter(true)
    json.r.event(verifying)
    assert.deepEqual(JSON.parse(json.out.join('')), { ...verifying })
  })
})
