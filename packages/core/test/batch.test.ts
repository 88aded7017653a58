import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type BatchEvent,
  BatchJournalCodec,
  type BatchJournalStore,
  createBatch,
  downloadMany,
  OptionsError,
  TransportError,
} from '@resumable/core'
import { MemoryBatchJournalStore } from '@resumable/store-memory'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'

/** `own`, with the journals of other batches writing the same place as its neighbours. */
function beside(
  own: MemoryBatchJournalStore,
  others: MemoryBatchJournalStore[],
): BatchJournalStore {
  return {
    load: () => own.load(),
    append: (data) => own.append(data),
    save: (data) => own.save(data),
    remove: () => own.remove(),
    loadNeighbours: async () =>
      (await Promise.all(others.map((o) => o.load()))).filter((b) => b !== undefined),
  }
}

const KiB = 1024
const MiB = 1024 * KiB

function smallBucket(n: number, size = 1 * KiB): FakeBucket {
  const bucket = new FakeBucket()
  for (let i = 0; i < n; i++) bucket.put(`data/${String(i).padStart(5, '0')}.bin`, size + (i % 7))
  return bucket
}

function assertAllDownloaded(bucket: FakeBucket, dest: MemoryDestination, prefix = 'data/'): void {
  for (const [key, o] of bucket.objects) {
    assert.deepEqual(dest.file(key.slice(prefix.length)), o.bytes, `${key} is byte-identical`)
  }
}

describe('downloadMany: many objects, one budget', () => {
  it('downloads 2,000 small objects and 2 big ones byte-identical, never more requests in flight than the budget', async () => {
    const bucket = smallBucket(2000)
    bucket.put('data/big-1.bin', 3 * MiB + 17)
    bucket.put('data/big-2.bin', 2 * MiB)
    const dest = new MemoryDestination(bucket)
    const journal = new MemoryBatchJournalStore()
    journal.appendDelayMs = 2
    const starts: number[] = []
    const summary = await downloadMany({
      id: 'fake://bucket/data/ → /dest',
      prefix: 'data/',
      objects: bucket.listing(),
      open: dest.open,
      journal,
      concurrency: 6,
      download: { partSize: 256 * KiB },
      onEvent: (e) => {
        if (e.type === 'object-start') starts.push(e.slots)
      },
    })
    assert.equal(summary.ok, true)
    assert.equal(summary.downloaded, 2002)
    assert.equal(summary.progress.objectsDone, 2002)
    assertAllDownloaded(bucket, dest)
    assert.ok(bucket.maxInFlight <= 6, `at most 6 reads at once, saw ${bucket.maxInFlight}`)
    assert.equal(Math.max(...starts), 6, 'a big object may use the whole budget')
    assert.equal(starts.filter((s) => s === 1).length, 2000, 'a small object uses one slot')
    assert.equal(journal.exists, false, 'the journal is removed after a batch with no failure')
    // Two records per object (commit, done): with a 2 ms "fsync", group commit shares appends.
    assert.ok(journal.appends < 2002, `group commit coalesces appends (${journal.appends})`)
  })

  it('a paused batch rerun with the same journal requests no completed object again and resumes the in-flight one from its checkpoint', async () => {
    const bucket = new FakeBucket()
    for (let i = 0; i < 100; i++) bucket.put(`data/a-${String(i).padStart(3, '0')}`, 16 * KiB + i)
    bucket.put('data/b-big.bin', 4 * MiB)
    for (let i = 0; i < 100; i++) bucket.put(`data/c-${String(i).padStart(3, '0')}`, 16 * KiB + i)
    bucket.readDelayMs = 2
    const dest = new MemoryDestination(bucket)
    const journal = new MemoryBatchJournalStore()
    const control = new AbortController()
    const done1 = new Set<string>()
    const options = {
      id: 'fake://bucket/data/ → /dest',
      prefix: 'data/',
      objects: bucket.listing(),
      open: dest.open,
      journal,
      concurrency: 8,
      download: { partSize: 256 * KiB, checkpointIntervalMs: 5 },
    }
    const first = createBatch({ ...options, signal: control.signal })
    first.on('object-done', (e) => done1.add(e.key))
    first.on('object-event', ({ key, event }) => {
      if (
        key === 'data/b-big.bin' &&
        event.type === 'checkpoint-saved' &&
        event.durableBytes >= MiB
      )
        control.abort()
    })
    await assert.rejects(first.start(), { kind: 'paused' })
    for (let i = 0; i < 100; i++)
      assert.ok(
        done1.has(`data/a-${String(i).padStart(3, '0')}`),
        'the objects before the big one were done',
      )
    assert.ok(!done1.has('data/b-big.bin'), 'the big one was not')
    const before = new Map(bucket.requests)
    bucket.readDelayMs = 0
    const events: BatchEvent[] = []
    const summary = await downloadMany({ ...options, onEvent: (e) => events.push(e) })
    assert.equal(summary.ok, true)
    for (const key of done1) {
      assert.equal(bucket.count(key), before.get(key), `${key} was not requested again`)
    }
    assert.equal(summary.skipped.done, done1.size)
    assert.equal(summary.downloaded, 201 - done1.size)
    assertAllDownloaded(bucket, dest)
    const big = events.find((e) => e.type === 'object-done' && e.key === 'data/b-big.bin')
    assert.ok(
      big?.type === 'object-done' && big.result.resumedBytes >= MiB,
      'resumed from its part checkpoint',
    )
  })

  it('keeps going past a deleted object (404), an archived one (403) and a hostile key, and summarises each with Code and RequestId', async () => {
    const bucket = smallBucket(20)
    bucket.put('data/cold.bin', 100, { archived: true })
    const dest = new MemoryDestination(bucket)
    const listing = [
      ...bucket.listing(),
      { key: 'data/gone.bin', size: 10, etag: '"X"' },
      { key: 'data/../escape.txt', size: 5 },
    ]
    const summary = await downloadMany({
      id: 'b',
      prefix: 'data/',
      objects: listing,
      open: dest.open,
    })
    assert.equal(summary.ok, false)
    assert.equal(summary.downloaded, 20)
    const byKey = new Map(summary.failures.map((f) => [f.key, f]))
    assert.equal(byKey.get('data/gone.bin')?.kind, 'not-found')
    assert.equal(byKey.get('data/gone.bin')?.code, 'NoSuchKey')
    assert.equal(byKey.get('data/gone.bin')?.requestId, 'R-data/gone.bin')
    assert.equal(byKey.get('data/cold.bin')?.kind, 'archived')
    assert.equal(byKey.get('data/cold.bin')?.status, 403)
    assert.equal(byKey.get('data/cold.bin')?.code, 'InvalidObjectState')
    assert.equal(byKey.get('data/../escape.txt')?.kind, 'unsafe-key')
    assert.equal(summary.progress.failures, 3)
  })

  it('failFast stops at the first failure and leaves later objects unstarted', async () => {
    const bucket = smallBucket(200)
    const dest = new MemoryDestination(bucket)
    const listing = [{ key: 'data/!missing', size: 10 }, ...bucket.listing()]
    const summary = await downloadMany({
      id: 'b',
      prefix: 'data/',
      objects: listing,
      open: dest.open,
      concurrency: 2,
      failFast: true,
    })
    assert.equal(summary.ok, false)
    assert.equal(summary.stoppedEarly, true)
    assert.equal(summary.failures.length, 1)
    assert.ok(summary.downloaded < 200, `stopped early (${summary.downloaded} downloaded)`)
  })
})

describe('downloadMany: a Lister', () => {
  it('consumes a paged Lister while downloading, and the last progress has the final totals', async () => {
    const bucket = smallBucket(1200, 100)
    const dest = new MemoryDestination(bucket)
    const all = bucket.listing()
    let pages = 0
    const lister = {
      async *list(options?: { signal?: AbortSignal }) {
        for (let at = 0; at < all.length; at += 500) {
          pages++
          await new Promise((resolve) => setTimeout(resolve, 1))
          if (options?.signal?.aborted) return
          yield* all.slice(at, at + 500)
        }
      },
    }
    const progress: BatchEvent[] = []
    const summary = await downloadMany({
      id: 'b',
      prefix: 'data/',
      objects: lister,
      open: dest.open,
      onEvent: (e) => {
        if (e.type === 'progress') progress.push(e)
      },
    })
    assert.equal(pages, 3)
    assert.equal(summary.downloaded, 1200)
    const last = progress[progress.length - 1]
    assert.ok(last?.type === 'progress')
    assert.equal(last.progress.objectsTotal, 1200)
    assert.equal(last.progress.listingDone, true)
    assert.equal(last.progress.bytesDone, last.progress.bytesTotal)
    assert.equal(last.progress.etaSeconds, 0)
  })

  it('a listing that fails after its first page: the objects listed are downloaded, the summary names the failure and the last key listed', async () => {
    const bucket = smallBucket(10)
    const dest = new MemoryDestination(bucket)
    const failure = new TransportError('forbidden', 'list page 2 refused', {
      status: 403,
      code: 'AccessDenied',
      requestId: 'REQ-2',
    })
    const lister = {
      async *list() {
        yield* bucket.listing()
        throw failure
      },
    }
    const events: BatchEvent[] = []
    const summary = await downloadMany({
      id: 'b',
      prefix: 'data/',
      objects: lister,
      open: dest.open,
      onEvent: (e) => events.push(e),
    })
    assert.equal(summary.ok, false)
    assert.equal(summary.downloaded, 10)
    assert.equal(summary.failures.length, 0)
    const last = bucket.listing().at(-1)?.key
    assert.deepEqual(
      { ...summary.listingFailure, error: undefined },
      {
        afterKey: last,
        kind: 'forbidden',
        message: failure.message,
        status: 403,
        code: 'AccessDenied',
        requestId: 'REQ-2',
        error: undefined,
      },
    )
    assert.equal(summary.listingFailure?.error, failure)
    const said = events.find((e) => e.type === 'listing-failed')
    assert.equal(said?.type === 'listing-failed' && said.failure.afterKey, last)
  })

  it('a listing that fails after its first page with failFast stops the batch early (stoppedEarly), the failure named', async () => {
    const bucket = smallBucket(40, 64 * KiB)
    const dest = new MemoryDestination(bucket)
    const listing = bucket.listing()
    const lister = {
      async *list() {
        yield* listing.slice(0, 20)
        throw new TransportError('forbidden', 'list page 2 refused', { status: 403 })
      },
    }
    const summary = await downloadMany({
      id: 'b',
      prefix: 'data/',
      objects: lister,
      open: dest.open,
      failFast: true,
      concurrency: 2,
    })
    assert.equal(summary.ok, false)
    assert.equal(summary.stoppedEarly, true)
    assert.equal(summary.listingFailure?.afterKey, listing[19]?.key)
  })

  it('rejects with the listing’s error when it fails before naming any object', async () => {
    const dest = new MemoryDestination(smallBucket(1))
    const failure = new Error('list page 1 failed')
    const lister = {
      // biome-ignore lint/correctness/useYield: a listing whose first page fails yields nothing
      async *list() {
        throw failure
      },
    }
    await assert.rejects(
      downloadMany({ id: 'b', prefix: 'data/', objects: lister, open: dest.open }),
      failure,
    )
  })
})

describe('downloadMany: hostile keys', () => {
  it('refuses every hostile key by name and never opens a destination outside /dest/', async () => {
    const bucket = new FakeBucket()
    const hostile = [
      'p/../x',
      'p/a/../../x',
      'p//etc/passwd',
      'p/a\\b',
      'p/nul\u0000byte',
      'p/esc\u001b[31m',
      'p/./a',
      'p/a/',
      `p/${'n'.repeat(256)}`,
      'q/outside',
      'p/C:/windows',
    ]
    const fine = [
      'p/A.txt',
      'p/a.txt',
      'p/dir',
      'p/dir/file',
      'p/x/y',
      'p/X/z',
      'p/caf\u00e9',
      'p/cafe\u0301',
    ]
    for (const key of [...hostile, ...fine]) bucket.put(key, 10)
    const dest = new MemoryDestination(bucket)
    const listing = [...hostile, ...fine].map((key) => ({ key, size: 10 }))
    const summary = await downloadMany({ id: 'h', prefix: 'p/', objects: listing, open: dest.open })
    const refused = new Map(summary.failures.map((f) => [f.key, f]))
    for (const key of hostile)
      assert.equal(refused.get(key)?.kind, 'unsafe-key', `${JSON.stringify(key)} refused`)
    assert.match(refused.get('p/a.txt')?.message ?? '', /differ only in case/)
    assert.match(refused.get('p/dir/file')?.message ?? '', /already a file/)
    assert.match(refused.get('p/X/z')?.message ?? '', /differ only in case/)
    assert.match(refused.get('p/cafe\u0301')?.message ?? '', /Unicode form/)
    assert.equal(summary.downloaded, 4, 'A.txt, dir, x/y and café')
    for (const id of dest.opened) assert.ok(id.startsWith('/dest/') && !id.includes('..'), id)
  })
})

describe('downloadMany: shards', () => {
  it('four shards partition the keys exactly: each key downloaded by one shard', async () => {
    const bucket = smallBucket(400, 100)
    const seen = new Map<string, number>()
    for (let index = 0; index < 4; index++) {
      const dest = new MemoryDestination(bucket)
      const summary = await downloadMany({
        id: 'b',
        prefix: 'data/',
        objects: bucket.listing(),
        open: dest.open,
        shard: { index, count: 4 },
        onEvent: (e) => {
          if (e.type === 'object-done') seen.set(e.key, (seen.get(e.key) ?? 0) + 1)
        },
      })
      assert.equal(summary.ok, true)
      assert.ok(
        summary.downloaded > 50 && summary.downloaded < 150,
        `shard ${index}: ${summary.downloaded}`,
      )
      assert.equal(summary.downloaded + (summary.skipped['other-shard'] ?? 0), 400)
    }
    assert.equal(seen.size, 400)
    assert.ok([...seen.values()].every((n) => n === 1))
  })

  it('rejects a shard index outside its count before anything is listed', () => {
    assert.throws(
      () =>
        createBatch({
          id: 'b',
          objects: [],
          open: () => assert.fail(),
          shard: { index: 4, count: 4 },
        }),
      OptionsError,
    )
  })
})

describe('downloadMany: the journal', () => {
  const options = (
    bucket: FakeBucket,
    dest: MemoryDestination,
    journal: MemoryBatchJournalStore,
  ) => ({
    id: 'fake://bucket/data/ → /dest',
    prefix: 'data/',
    objects: bucket.listing(),
    open: dest.open,
    journal,
    keepJournal: true,
  })

  it('a kept journal makes a rerun request nothing, also when its final append was torn', async () => {
    const bucket = smallBucket(50)
    const dest = new MemoryDestination(bucket)
    const journal = new MemoryBatchJournalStore()
    await downloadMany(options(bucket, dest, journal))
    bucket.requests.clear()
    journal.tearLastAppend(7)
    const events: BatchEvent[] = []
    const summary = await downloadMany({
      ...options(bucket, dest, journal),
      onEvent: (e) => events.push(e),
    })
    assert.equal(events.filter((e) => e.type === 'journal-discarded').length, 0)
    // The torn `done` is not trusted; the object's `commit` record and its file's CRC-64 vouch for it.
    assert.equal(summary.skipped.done, 50)
    assert.equal(
      [...bucket.requests.values()].reduce((a, b) => a + b, 0),
      0,
      'no request at all',
    )
  })

  it("takes over another batch's journal in the same directory: its finished objects count as done where key, path, ETag and size match, and its records survive for that batch's rerun", async () => {
    const bucket = smallBucket(5)
    const dest = new MemoryDestination(bucket)
    const journal = new MemoryBatchJournalStore()
    await downloadMany(options(bucket, dest, journal))
    const requests = () => [...bucket.requests.values()].reduce((a, b) => a + b, 0)
    bucket.requests.clear()
    const events: BatchEvent[] = []
    const other = await downloadMany({
      ...options(bucket, dest, journal),
      id: 'other',
      onEvent: (e) => events.push(e),
    })
    assert.deepEqual(
      events.filter((e) => e.type === 'journal-inherited' || e.type === 'journal-discarded'),
      [{ type: 'journal-inherited', batch: 'fake://bucket/data/ → /dest', records: 5 }],
    )
    assert.equal(other.skipped.done, 5, 'the first batch finished them here')
    assert.equal(other.failures.length, 0)
    assert.equal(requests(), 0, 'no request at all')
    // The first batch's own rerun finds its records kept in the second's journal.
    const again = await downloadMany(options(bucket, dest, journal))
    assert.equal(again.skipped.done, 5)
    assert.equal(requests(), 0)
  })

  it('gives a batch back its own records after another took its journal over: objects listed without an ETag, and a commit whose done was torn, count as done on its rerun', async () => {
    const bucket = smallBucket(40)
    const dest = new MemoryDestination(bucket)
    const journal = new MemoryBatchJournalStore()
    // As a manifest of URLs lists them: no ETag until each is fetched.
    const unlisted = () => bucket.listing().map(({ etag: _etag, ...object }) => object)
    const shard = (index: number) => ({
      ...options(bucket, dest, journal),
      objects: unlisted(),
      shard: { index, count: 2 },
    })
    const first = await downloadMany(shard(0))
    assert.ok(first.downloaded > 0)
    // Killed between the last object's rename and its done record: only its commit is left.
    journal.tearLastAppend(7)
    const second = await downloadMany(shard(1))
    assert.equal(second.failures.length, 0)
    bucket.requests.clear()
    const rerun = await downloadMany(shard(0))
    assert.deepEqual(
      rerun.failures.map((f) => `${f.key}: ${f.kind}`),
      [],
      "no object of the first shard refused as someone else's file",
    )
    assert.equal(rerun.skipped.done, first.downloaded)
    assert.equal(
      [...bucket.requests.values()].reduce((a, b) => a + b, 0),
      0,
      'no request at all',
    )
    assertAllDownloaded(bucket, dest)
  })

  it('reads the journals of the other shards beside its own (loadNeighbours): the whole batch then requests nothing and copies none of their records, and a sibling shard is not reported as taken over', async () => {
    const bucket = smallBucket(30)
    const dest = new MemoryDestination(bucket)
    const j0 = new MemoryBatchJournalStore()
    const j1 = new MemoryBatchJournalStore()
    const whole = new MemoryBatchJournalStore()
    const shardRun = async (
      index: number,
      own: MemoryBatchJournalStore,
      other: MemoryBatchJournalStore,
    ) => {
      const events: BatchEvent[] = []
      const summary = await downloadMany({
        ...options(bucket, dest, j0),
        journal: beside(own, [other]),
        shard: { index, count: 2 },
        onEvent: (e) => events.push(e),
      })
      return { summary, inherited: events.filter((e) => e.type === 'journal-inherited') }
    }
    const first = await shardRun(0, j0, j1)
    const second = await shardRun(1, j1, j0)
    assert.equal(first.summary.downloaded + second.summary.downloaded, 30)
    assert.deepEqual(second.inherited, [], "shard 1/2 beside shard 0/2's journal: no takeover")
    bucket.requests.clear()
    const events: BatchEvent[] = []
    const summary = await downloadMany({
      ...options(bucket, dest, whole),
      journal: beside(whole, [j0, j1]),
      onEvent: (e) => events.push(e),
    })
    assert.equal(summary.skipped.done, 30)
    assert.equal(
      [...bucket.requests.values()].reduce((a, b) => a + b, 0),
      0,
      'no request at all',
    )
    assert.deepEqual(
      events
        .filter((e) => e.type === 'journal-inherited')
        .map((e) => (e as { records: number }).records),
      [first.summary.downloaded, second.summary.downloaded],
    )
    const own = BatchJournalCodec.decode((await whole.load()) as Uint8Array)
    assert.ok(own.ok)
    assert.equal(own.records.length, 0, "the shards' records stay in their own journals")
  })

  it("takes back a shard's own records from the journal shards shared before each had its own (headed by the last shard, carrying the others'): objects listed without an ETag count as done", async () => {
    const bucket = smallBucket(20)
    const dest = new MemoryDestination(bucket)
    const unlisted = () => bucket.listing().map(({ etag: _etag, ...object }) => object)
    const shared = new MemoryBatchJournalStore()
    const run = (index: number, journal: BatchJournalStore) =>
      downloadMany({
        ...options(bucket, dest, shared),
        objects: unlisted(),
        shard: { index, count: 2 },
        journal,
      })
    // As before this change: both shards in turn through one journal, the second taking it over.
    const before = await run(0, shared)
    await run(1, shared)
    assert.ok(before.downloaded > 0)
    const decoded = BatchJournalCodec.decode((await shared.load()) as Uint8Array)
    assert.ok(decoded.ok && decoded.header.id.endsWith('#shard=1/2'), 'headed by shard 1/2')
    bucket.requests.clear()
    const ownNow = new MemoryBatchJournalStore()
    const after = await run(0, beside(ownNow, [shared]))
    assert.deepEqual(after.failures, [])
    assert.equal(after.skipped.done, before.downloaded)
    assert.equal(
      [...bucket.requests.values()].reduce((a, b) => a + b, 0),
      0,
      'no request at all',
    )
  })

  it("leaves out a sibling shard's records (they can only name its own shard's keys): here, forged to name this shard's, they are not taken as done", async () => {
    const bucket = smallBucket(8)
    const dest = new MemoryDestination(bucket)
    const sibling = new MemoryBatchJournalStore()
    const base = options(bucket, dest, sibling)
    // Every key journaled under shard 1/2's name, as no real shard 1/2 would write.
    await downloadMany({ ...base, id: `${base.id}#shard=1/2` })
    bucket.requests.clear()
    const own = new MemoryBatchJournalStore()
    const summary = await downloadMany({
      ...options(bucket, dest, own),
      shard: { index: 0, count: 2 },
      journal: beside(own, [sibling]),
      overwrite: true,
    })
    assert.equal(summary.skipped.done ?? 0, 0)
    assert.ok(summary.downloaded > 0, 'shard 0/2 fetched its own keys')
  })

  it("reads a neighbour's last record for each key: a commit written after a done (an update in flight) voids that done", async () => {
    const bucket = smallBucket(3)
    const dest = new MemoryDestination(bucket)
    const other = new MemoryBatchJournalStore()
    await downloadMany({ ...options(bucket, dest, other), id: 'other' })
    const decoded = BatchJournalCodec.decode((await other.load()) as Uint8Array)
    assert.ok(decoded.ok)
    const done = decoded.records.find((r) => r.key === 'data/00001.bin' && r.type === 'done')
    assert.ok(done)
    await other.append(BatchJournalCodec.encode({ ...done, type: 'commit' }))
    const own = new MemoryBatchJournalStore()
    const summary = await downloadMany({
      ...options(bucket, dest, own),
      journal: beside(own, [other]),
    })
    assert.equal(summary.skipped.done, 2, 'the two objects whose last record is done')
  })

  it("never takes another batch's record for its own on a rerun: a file the store has replaced since stays refused, not reported done", async () => {
    const bucket = smallBucket(3)
    const dest = new MemoryDestination(bucket)
    const journal = new MemoryBatchJournalStore()
    await downloadMany(options(bucket, dest, journal))
    const before = dest.file('00001.bin')
    // Replaced in the store since, with the same size: another ETag.
    bucket.put('data/00001.bin', 1 * KiB + 1)
    const other = { ...options(bucket, dest, journal), id: 'other' }
    const taken = await downloadMany(other)
    assert.deepEqual(
      taken.failures.map((f) => `${f.key}: ${f.kind}`),
      ['data/00001.bin: exists'],
    )
    const rerun = await downloadMany(other)
    assert.deepEqual(
      rerun.failures.map((f) => `${f.key}: ${f.kind}`),
      ['data/00001.bin: exists'],
      "still not this batch's object",
    )
    assert.equal(rerun.skipped.done, 2)
    assert.deepEqual(dest.file('00001.bin'), before, 'the file was not touched')
  })

  it('trusts an inherited record for nothing else: another ETag or another path is decided afresh', async () => {
    const bucket = smallBucket(3)
    const dest = new MemoryDestination(bucket)
    const journal = new MemoryBatchJournalStore()
    await downloadMany(options(bucket, dest, journal))
    // Replaced in the store since: same key and path, another ETag.
    bucket.put('data/00001.bin', 1 * KiB + 1)
    const replaced = await downloadMany({
      ...options(bucket, dest, journal),
      id: 'other',
      overwrite: true,
    })
    assert.equal(replaced.skipped.done, 2)
    assert.equal(replaced.downloaded, 1)
    assertAllDownloaded(bucket, dest)
    // The same keys under another prefix map to other paths: nothing there is done.
    const elsewhere = await downloadMany({
      ...options(bucket, dest, journal),
      id: 'third',
      prefix: '',
    })
    assert.equal(elsewhere.skipped.done ?? 0, 0)
    assert.equal(elsewhere.downloaded, 3)
    assert.deepEqual(dest.file('data/00000.bin'), bucket.objects.get('data/00000.bin')?.bytes)
  })

  it('discards a damaged journal with an event and trusts nothing in it', async () => {
    const bucket = smallBucket(5)
    const journal = new MemoryBatchJournalStore()
    await downloadMany(options(bucket, new MemoryDestination(bucket), journal))
    journal.flipByte(40)
    const events: BatchEvent[] = []
    const dest = new MemoryDestination(bucket)
    const summary = await downloadMany({
      ...options(bucket, dest, journal),
      id: 'other',
      onEvent: (e) => events.push(e),
    })
    assert.ok(events.some((e) => e.type === 'journal-discarded' && e.problem === 'corrupt'))
    assert.equal(summary.downloaded, 5, 'nothing trusted from the damaged journal')
  })

  it('keeps the records around a damaged one: only that object is decided afresh, reported by a journal-damaged event', async () => {
    const bucket = smallBucket(5)
    const journal = new MemoryBatchJournalStore()
    const dest = new MemoryDestination(bucket)
    await downloadMany(options(bucket, dest, journal))
    // A rerun compacts the journal: the header, then one done record per object.
    await downloadMany(options(bucket, dest, journal))
    const text = new TextDecoder().decode(await journal.load())
    const lines = text.split('\n')
    assert.equal(lines.length, 7)
    // Flip a byte inside the third record's JSON.
    const third = lines.slice(0, 3).join('\n').length + 1
    assert.match(lines[3] as string, /"type":"done"/)
    journal.flipByte(third + 30)
    const events: BatchEvent[] = []
    const strict = await downloadMany({
      ...options(bucket, dest, journal),
      onEvent: (e) => events.push(e),
    })
    assert.deepEqual(
      events.filter((e) => e.type === 'journal-damaged' || e.type === 'journal-discarded'),
      [{ type: 'journal-damaged', records: 1 }],
    )
    assert.equal(strict.skipped.done, 4, 'the four intact records still skip their objects')
    assert.deepEqual(
      strict.failures.map((f) => f.kind),
      ['exists'],
      'the damaged record’s file is in the way',
    )
    const again = await downloadMany({ ...options(bucket, dest, journal), skipExisting: true })
    assert.equal(again.skipped.done, 4)
    assert.equal(again.skipped['same-content'], 1, 'recognised by its CRC and recorded anew')
    assert.equal(again.downloaded, 0)
    const last = await downloadMany(options(bucket, dest, journal))
    assert.equal(last.skipped.done, 5, 'the rewritten journal holds all five again')
    assertAllDownloaded(bucket, dest)
  })

  it('after a crash between commit and done, the file at the final name is recognised by its CRC-64 with no request, and the dead run’s leftovers are removed', async () => {
    const bucket = smallBucket(1)
    const [key, object] = [...bucket.objects][0] as [string, { bytes: Uint8Array; etag: string }]
    const dest = new MemoryDestination(bucket)
    dest.put(key.slice('data/'.length), object.bytes)
    const journal = new MemoryBatchJournalStore()
    const { crc64 } = await import('@resumable/core')
    await journal.save(
      new Uint8Array([
        ...BatchJournalCodec.encode({
          type: 'batch',
          version: 1,
          id: 'fake://bucket/data/ → /dest',
        }),
        ...BatchJournalCodec.encode({
          type: 'commit',
          key,
          size: object.bytes.length,
          etag: object.etag,
          crc: {
            algorithm: 'crc64xz',
            value: crc64('crc64xz', object.bytes).toString(16).padStart(16, '0'),
          },
        }),
      ]),
    )
    const leftover = dest.path(key.slice('data/'.length))
    await dest.checkpoints.save(leftover, new Uint8Array([1]))
    const summary = await downloadMany(options(bucket, dest, journal))
    assert.equal(summary.skipped.done, 1)
    assert.equal(bucket.count(key), 0)
    assert.deepEqual(dest.checkpoints.keys(), [], 'the dead run’s part checkpoint is removed')
  })
})

describe('downloadMany: a finished batch run again', () => {
  it('fetches again an object the journal has done whose file was deleted, lists it as restored, and skips the ones still in place', async () => {
    const bucket = smallBucket(3)
    const dest = new MemoryDestination(bucket)
    const journal = new MemoryBatchJournalStore()
    const options = { ...dest.batchOptions(), journal, keepJournal: true }
    await downloadMany(options)
    const [gone, kept] = [...bucket.objects.keys()] as [string, string]
    assert.ok(dest.volume.deleteFile(dest.path(gone.slice('data/'.length))))
    bucket.requests.clear()
    const summary = await downloadMany(options)
    assert.deepEqual(summary.restored, [gone])
    assert.equal(summary.downloaded, 1)
    assert.equal(summary.skipped.done, 2)
    assert.equal(bucket.count(kept), 0, 'a file still in place costs no request')
    assertAllDownloaded(bucket, dest)
  })

  it('a done object whose file now has another size is an existing file again: kept without overwrite, replaced with it', async () => {
    const bucket = smallBucket(1)
    const dest = new MemoryDestination(bucket)
    const journal = new MemoryBatchJournalStore()
    const options = { ...dest.batchOptions(), journal, keepJournal: true }
    await downloadMany(options)
    const [key] = [...bucket.objects.keys()] as [string]
    dest.put(key.slice('data/'.length), new TextEncoder().encode('edited by hand'))
    const kept = await downloadMany(options)
    assert.deepEqual(
      kept.failures.map((f) => f.kind),
      ['exists'],
    )
    assert.equal(new TextDecoder().decode(dest.file(key.slice('data/'.length))), 'edited by hand')
    const replaced = await downloadMany({ ...options, overwrite: true })
    assert.equal(replaced.downloaded, 1)
    assertAllDownloaded(bucket, dest)
  })
})

describe('downloadMany: objects of unknown size (a manifest)', () => {
  it('a key ending in / whose size is unknown is refused by name, not skipped as a folder marker', async () => {
    const bucket = smallBucket(1)
    const dest = new MemoryDestination(bucket)
    const summary = await downloadMany({
      ...dest.batchOptions(),
      prefix: '',
      objects: [{ key: 'sub/' }],
    })
    assert.equal(summary.skipped['directory-marker'], undefined)
    assert.deepEqual(
      summary.failures.map((f) => [f.key, f.kind]),
      [['sub/', 'unsafe-key']],
    )
    assert.equal(summary.ok, false)
  })

  it('update asks the store for size and date when the listing gave neither: a newer file of the same size is kept', async () => {
    const bucket = smallBucket(2)
    const dest = new MemoryDestination(bucket)
    const [newer, older] = [...bucket.objects.keys()] as [string, string]
    const bytes = (key: string) => bucket.objects.get(key)?.bytes as Uint8Array
    dest.put(newer.slice('data/'.length), bytes(newer), Date.UTC(2030, 0, 1))
    dest.put(older.slice('data/'.length), bytes(older), Date.UTC(2020, 0, 1))
    const summary = await downloadMany({
      ...dest.batchOptions(),
      objects: [{ key: newer }, { key: older }],
      update: true,
    })
    assert.equal(summary.skipped['up-to-date'], 1)
    assert.equal(summary.downloaded, 1, 'only the file older than the object')
    assert.equal(summary.progress.sizesUnknown, 2)
    assert.equal(summary.progress.bytesTotal, 0)
  })

  it('folder markers count in neither objectsTotal nor objectsDone', async () => {
    const bucket = smallBucket(2)
    bucket.put('data/folder/', 0)
    const dest = new MemoryDestination(bucket)
    const summary = await downloadMany(dest.batchOptions())
    assert.equal(summary.skipped['directory-marker'], 1)
    assert.equal(summary.progress.objectsTotal, 2)
    assert.equal(summary.progress.objectsDone, 2)
    assert.equal(summary.progress.objectsSkipped, 0)
  })
})

describe('downloadMany: files already there', () => {
  it('never overwrites an existing file unless asked; skipExisting skips same size and CRC; update replaces only a changed one', async () => {
    const bucket = smallBucket(3)
    const keys = [...bucket.objects.keys()]
    const [same, other, old] = keys.map((k) => k.slice('data/'.length)) as [string, string, string]
    const dest = new MemoryDestination(bucket)
    dest.put(same, bucket.objects.get(keys[0] as string)?.bytes as Uint8Array)
    dest.put(other, new Uint8Array(5))
    dest.put(old, new Uint8Array(3), 0)
    const base = { id: 'b', prefix: 'data/', objects: bucket.listing(), open: dest.open }
    const plain = await downloadMany(base)
    assert.deepEqual(
      plain.failures.map((f) => f.kind),
      ['exists', 'exists', 'exists'],
    )
    assert.deepEqual(dest.file(other), new Uint8Array(5), 'untouched')

    const skip = await downloadMany({ ...base, skipExisting: true })
    assert.equal(skip.skipped['same-content'], 1)
    assert.equal(skip.failures.length, 2, 'different files are still not overwritten')

    const update = await downloadMany({ ...base, update: true })
    assert.equal(update.downloaded, 2, 'the file of another size and the older one')
    assert.equal(
      update.skipped['up-to-date'],
      1,
      'the file of the same size, newer than the object',
    )
    assertAllDownloaded(bucket, dest)
  })
})
