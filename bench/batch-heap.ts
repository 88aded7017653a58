// Heap a batch keeps (issue 14): `downloadMany` over generated 1-byte objects (the listing keeps
// nothing, the journal store and the targets keep nothing), heap after a forced GC at each quarter
// of the objects, with and without one object whose read is held until every other one is done
// (a huge file among small ones). What grows with the count is the batch's own per-object state.
// Commits take 1 ms, as an fsync does, so as many objects are open at once as admission allows.
// Not part of npm test.
//   node --expose-gc --conditions=@resumable/source --import tsx bench/batch-heap.ts [objects]
import {
  type BatchJournalStore,
  type BatchObjectIO,
  crc64,
  downloadMany,
  type ListedObject,
  type ObjectInfo,
  type Target,
  type Transport,
} from '@resumable/core'

const count = Number(process.argv[2] ?? 60_000)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc (see the header)')
const body = new Uint8Array([7])
const info: ObjectInfo = {
  size: 1,
  etag: '"E1"',
  checksum: { algorithm: 'crc64xz', value: crc64('crc64xz', body) },
}
const forgetful: BatchJournalStore = {
  load: async () => undefined,
  append: async () => undefined,
  save: async () => undefined,
  remove: async () => undefined,
}

/** A Target that keeps nothing; its commit takes 1 ms. */
function nothingKept(id: string): Target {
  return {
    id,
    open: async () => ({ resumed: false }),
    write: async () => undefined,
    read: async (_offset, length) => new Uint8Array(length),
    sync: async () => undefined,
    setSize: async () => undefined,
    commit: () => new Promise((resolve) => setTimeout(resolve, 1)),
    abort: async () => undefined,
  }
}

/** Heap (MiB) after GC at each quarter of the objects done. */
async function run(holdOne: boolean): Promise<string[]> {
  let release = (): void => undefined
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  const transport = (key: string): Transport => ({
    id: `bench://bucket/${key}`,
    stat: async () => info,
    read: async ({ start, end }) => {
      if (holdOne && key === 'data/held') await held
      return {
        range: { start, end },
        body: (async function* () {
          yield body
        })(),
      }
    },
  })
  async function* listing(): AsyncGenerator<ListedObject> {
    if (holdOne) yield { key: 'data/held', size: 1, etag: '"E1"' }
    for (let i = 0; i < count; i++)
      yield { key: `data/d${i % 1000}/${String(i).padStart(9, '0')}`, size: 1, etag: '"E1"' }
  }
  const marks: string[] = []
  let done = 0
  await downloadMany({
    id: `heap ${holdOne}`,
    prefix: 'data/',
    objects: listing(),
    journal: forgetful,
    concurrency: 16,
    open: (location, object): BatchObjectIO => ({
      transport: transport(object.key),
      target: () => nothingKept(`/dest/${location.segments.join('/')}`),
      existing: async () => undefined,
      existingChecksum: async () => 0n,
    }),
    onEvent(event) {
      if (event.type !== 'object-done' || event.key === 'data/held') return
      done++
      if (done % (count / 4) !== 0) return
      gc?.()
      marks.push(`${done}: ${(process.memoryUsage().heapUsed / 1048576).toFixed(1)} MiB`)
      if (done === count) release()
    },
  })
  return marks
}

for (const holdOne of [false, true])
  console.log(
    `${count} objects${holdOne ? ', one held until the rest are done' : ''}: heap after GC at ${(await run(holdOne)).join(', ')}`,
  )
