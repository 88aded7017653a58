import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type BatchEvent,
  type BatchSummary,
  downloadMany,
  type ListedObject,
} from '@resumable/core'
import { FakeBucket, MemoryDestination } from './helpers/fake-bucket.ts'

// Listing order (UTF-8 byte order, as S3 and OSS list): `Report.csv` before `report.csv`, `dir`
// before `dir/file`. Without a filter the first of each pair wins and the second is refused.
const KEYS = ['p/Report.csv', 'p/dir', 'p/dir/file', 'p/other.txt', 'p/report.csv']

async function run(
  filter?: (object: ListedObject) => boolean,
): Promise<{ summary: BatchSummary; dest: MemoryDestination; events: BatchEvent[] }> {
  const bucket = new FakeBucket()
  for (const key of KEYS) bucket.put(key, 10)
  const dest = new MemoryDestination(bucket)
  const events: BatchEvent[] = []
  const summary = await downloadMany({
    id: 'fake://bucket/p/ → /dest',
    prefix: 'p/',
    objects: bucket.listing(),
    open: dest.open,
    ...(filter === undefined ? {} : { filter }),
    onEvent: (event) => events.push(event),
  })
  return { summary, dest, events }
}

const refusals = (summary: BatchSummary) =>
  new Map(summary.failures.map((f) => [f.key, (f.error as { reason?: string }).reason]))

describe('downloadMany: filter and collisions', () => {
  it('without a filter, the later key of a case pair and of a file/prefix pair is refused', async () => {
    const { summary, dest } = await run()
    const refused = refusals(summary)
    assert.equal(refused.get('p/report.csv'), 'case-collision')
    assert.equal(refused.get('p/dir/file'), 'file-prefix-conflict')
    assert.ok(dest.file('Report.csv') && dest.file('dir'))
  })

  it('a filter keeping only the refused side of each pair still refuses it: the left-out side claims its path', async () => {
    const { summary, dest, events } = await run(
      (o) => o.key === 'p/report.csv' || o.key === 'p/dir/file',
    )
    const refused = refusals(summary)
    assert.equal(refused.get('p/report.csv'), 'case-collision')
    assert.equal(refused.get('p/dir/file'), 'file-prefix-conflict')
    assert.equal(summary.downloaded, 0)
    assert.equal(dest.file('report.csv'), undefined)
    assert.equal(dest.file('dir/file'), undefined)
    assert.equal(summary.listed, 5, 'every listed key is counted')
    assert.equal(summary.skipped.filtered, 3)
    assert.equal(summary.progress.objectsTotal, 2, 'left-out keys are not among the objects')
    assert.equal(summary.progress.objectsSkipped, 0)
    assert.equal(
      events.filter((e) => e.type === 'object-skipped').length,
      0,
      'left-out keys are counted, not reported one by one',
    )
  })

  it('a filter keeping only the winning side of each pair downloads it, mapped as without the filter', async () => {
    const { summary, dest } = await run((o) => o.key === 'p/Report.csv' || o.key === 'p/dir')
    assert.equal(summary.ok, true)
    assert.equal(summary.downloaded, 2)
    assert.ok(dest.file('Report.csv'))
    assert.ok(dest.file('dir'))
    assert.equal(summary.skipped.filtered, 3)
  })

  it('two runs with complementary filters never put both sides of a pair on disk', async () => {
    const bucket = new FakeBucket()
    for (const key of KEYS) bucket.put(key, 10)
    const dest = new MemoryDestination(bucket)
    const options = { id: 'b', prefix: 'p/', open: dest.open }
    await downloadMany({ ...options, objects: bucket.listing(), filter: (o) => o.key < 'p/e' })
    const second = await downloadMany({
      ...options,
      objects: bucket.listing(),
      filter: (o) => o.key >= 'p/e',
    })
    assert.ok(dest.file('Report.csv'))
    assert.equal(dest.file('report.csv'), undefined)
    assert.equal(refusals(second).get('p/report.csv'), 'case-collision')
  })
})
