import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  AbortedError,
  createDownload,
  type DownloadEvent,
  download,
  type Target,
} from '@resumable/core'
import { makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024

/** The harness's target, except that it never reopens its temporary data, saying `reason` if given. */
function refusingTarget(target: Target, reason: string | undefined): Target {
  return {
    id: target.id,
    read: target.read.bind(target),
    write: target.write.bind(target),
    sync: target.sync.bind(target),
    commit: target.commit.bind(target),
    abort: target.abort.bind(target),
    open: async (options) => {
      await target.open({ ...options, resume: false })
      return reason === undefined
        ? { resumed: false }
        : { resumed: false, notResumedReason: reason }
    },
  }
}

describe('a valid checkpoint whose partial download the target does not reopen', () => {
  for (const [reason, problem, message] of [
    [undefined, 'temp-missing', 'the partial download it describes is gone'],
    [
      'part.tmp holds 9 bytes, more than the object’s 4',
      'temp-unusable',
      'part.tmp holds 9 bytes, more than the object’s 4',
    ],
  ] as const) {
    it(`is discarded as ${problem} with ${reason === undefined ? 'the engine’s words' : 'the target’s reason'}, and the download starts over`, async () => {
      const object = makeObject(300 * KiB)
      const { target, options, events } = setup(object)
      const first = createDownload(options({ concurrency: 1 }))
      first.on('part-done', () => first.pause())
      await assert.rejects(first.start(), AbortedError)
      events.length = 0
      const result = await download(options({ target: refusingTarget(target, reason) }))
      const discarded = events.filter((e: DownloadEvent) => e.type === 'checkpoint-discarded')
      assert.deepEqual(discarded, [{ type: 'checkpoint-discarded', problem, message }])
      assert.equal(result.resumedBytes, 0)
      assert.deepEqual(target.committed, object.bytes)
    })
  }
})
