import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { download, type Target, type TargetCommitOptions } from '@resumable/core'
import { type FakeObject, makeObject } from '@resumable/testkit'
import { setup } from './helpers/harness.ts'

const KiB = 1024

/** Downloads `object` and returns what the engine handed the target's `commit`. */
async function commitOptionsFor(
  object: FakeObject,
  extra: { range?: { start: number; end?: number } } = {},
): Promise<TargetCommitOptions | undefined> {
  const { target, options } = setup(object)
  let seen: TargetCommitOptions | undefined
  let commits = 0
  const spy: Target = {
    id: target.id,
    open: target.open.bind(target),
    read: target.read.bind(target),
    write: target.write.bind(target),
    sync: target.sync.bind(target),
    abort: target.abort.bind(target),
    commit: async (commitOptions) => {
      commits++
      seen = commitOptions
      await target.commit()
    },
  }
  await download(options({ target: spy, ...extra }))
  assert.equal(commits, 1)
  return seen
}

describe("the object's modification time at commit", () => {
  it("hands the target the store's Last-Modified in ms since the epoch, for a multi-part object", async () => {
    const object = { ...makeObject(450 * KiB), lastModified: 'Wed, 21 Oct 2015 07:28:00 GMT' }
    assert.deepEqual(await commitOptionsFor(object), {
      modifiedMs: Date.UTC(2015, 9, 21, 7, 28, 0),
    })
  })

  it('hands it for a one-request object and for a range, and takes ISO 8601 (a listing’s form) too', async () => {
    const iso = { ...makeObject(10 * KiB), lastModified: '2026-11-24T00:00:07.000Z' }
    assert.deepEqual(await commitOptionsFor(iso), { modifiedMs: Date.UTC(2026, 10, 24, 0, 0, 7) })
    const ranged = { ...makeObject(450 * KiB), lastModified: 'Tue, 24 Nov 2026 00:00:09 GMT' }
    assert.deepEqual(await commitOptionsFor(ranged, { range: { start: 100, end: 200_000 } }), {
      modifiedMs: Date.UTC(2026, 10, 24, 0, 0, 9),
    })
  })

  it('hands no time when the store gives none, or one that is not a date', async () => {
    assert.deepEqual(await commitOptionsFor({ ...makeObject(10 * KiB), lastModified: '' }), {})
    assert.deepEqual(
      await commitOptionsFor({ ...makeObject(10 * KiB), lastModified: 'yesterday' }),
      {},
    )
  })
})
