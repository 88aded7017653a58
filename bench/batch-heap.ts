// Heap a batch keeps (issue 14): `downloadMany` over generated 1-byte objects (the listing keeps
// nothing, the journal store and the targets keep nothing), heap after a forced GC at each quarter
// of the objects, with and without one object whose read is held until every other one is done
// (a huge file among small ones). What grows with the count is the batch's own per-object state.
// Commits take 1 ms, as an fsync does, so as many objects are open at once as admission allows.
// Last, a rerun: the same batch journaled into memory, then run again with every file in place,
// heap at its first skip (the journal's entries loaded, and its bytes, which a file journal keeps
// on disk instead).
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
import { MemoryBatchJournalStore } from '@resumable/store-memory'

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

const heapMiB = (): number => {
  gc?.()
  return process.memoryUsage().heapUsed / 1048576
}
const keyOf = (i: number): string => `data/d${i % 1000}/${String(i).padStart(9, '0')}`

/** The one-byte object `key`; its read first awaits `before`, when given. */
function oneByte(key: string, before?: Promise<void>): Transport {
  return {
    id: `bench://bucket/${key}`,
    stat: async () => info,
    read: async ({ start, end }) => {
      await before
      return {
        range: { start, end },
        body: (async function* () {
          yield body
        })(),
      }
    },
  }
}

/** Heap (MiB) after GC at each quarter of the objects done. */
async function run(holdOne: boolean): Promise<string[]> {
  let release = (): void => undefined
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  async function* listing(): AsyncGenerator<ListedObject> {
    if (holdOne) yield { key: 'data/held', size: 1, etag: '"E1"' }
    for (let i = 0; i < count; i++) yield { key: keyOf(i), size: 1, etag: '"E1"' }
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
      transport: oneByte(object.key, holdOne && object.key === 'data/held' ? held : undefined),
      target: () => nothingKept(`/dest/${location.segments.join('/')}`),
      existing: async () => undefined,
      existingChecksum: async () => 0n,
    }),
    onEvent(event) {
      if (event.type !== 'object-done' || event.key === 'data/held') return
      done++
      if (done % (count / 4) !== 0) return
      marks.push(`${done}: ${heapMiB().toFixed(1)} MiB`)
      if (done === count) release()
    },
  })
  return marks
}

/** Heap above the start at a rerun's first skip (MiB), the first run journaled into memory. */
async function rerun(): Promise<number> {
  const journal = new MemoryBatchJournalStore()
  let filesInPlace = false
  async function* listing(): AsyncGenerator<ListedObject> {
    for (let i = 0; i < count; i++) yield { key: keyOf(i), size: 1, etag: '"E1"' }
  }
  let atFirstSkip: number | undefined
  const batch = (onSkip?: () => void) =>
    downloadMany({
      id: 'heap rerun',
      prefix: 'data/',
      objects: listing(),
      journal,
      keepJournal: true,
      concurrency: 16,
      open: (location, object): BatchObjectIO => ({
        transport: oneByte(object.key),
        target: () => nothingKept(`/dest/${location.segments.join('/')}`),
        existing: async () => (filesInPlace ? { size: 1, modifiedMs: 0 } : undefined),
        existingChecksum: async () => info.checksum?.value ?? 0n,
      }),
      ...(onSkip && { onEvent: (event) => event.type === 'object-skipped' && onSkip() }),
    })
  const before = heapMiB()
  await batch()
  filesInPlace = true
  const second = await batch(() => {
    atFirstSkip ??= heapMiB()
  })
  if (second.skipped.done !== count) throw new Error(`the rerun skipped ${second.skipped.done}`)
  return (atFirstSkip ?? 0) - before
}

for (const holdOne of [false, true])
  console.log(
    `${count} objects${holdOne ? ', one held until the rest are done' : ''}: heap after GC at ${(await run(holdOne)).join(', ')}`,
  )
const rerunMiB = await rerun()
console.log(
  `rerun of ${count} journaled objects: ${rerunMiB.toFixed(1)} MiB more heap at its first skip (${((rerunMiB * 1048576) / count).toFixed(0)} B per object, the memory journal's bytes included)`,
)
