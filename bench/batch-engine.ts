// downloadMany's own cost per object (issue 14): small objects from an in-process bucket into
// memory targets, a memory journal, no HTTP and no files, so what is measured is the batch and the
// single-object engine every object goes through (scheduling, events, journal records, CRC-64 of
// each body). Prints CPU and wall time per object for each round; the first round includes warm-up.
// Run: node --conditions=@resumable/source --import tsx bench/batch-engine.ts [objects] [rounds]
//   (or deno run -A / bun with the same conditions)

import {
  type BatchObjectIO,
  crc64,
  downloadMany,
  type ListedObject,
  type ObjectInfo,
  type Transport,
} from '@resumable/core'
import { MemoryBatchJournalStore, MemoryTarget, MemoryVolume } from '@resumable/store-memory'

const count = Number(process.argv[2] ?? 5000)
const rounds = Number(process.argv[3] ?? 3)
const SIZE = 64 * 1024
const body = new Uint8Array(SIZE).map((_, i) => (i * 2654435761) >>> 24)
const info: ObjectInfo = {
  size: SIZE,
  etag: '"E1"',
  checksum: { algorithm: 'crc64xz', value: crc64('crc64xz', body) },
}
const listing: ListedObject[] = Array.from({ length: count }, (_, i) => ({
  key: `data/${String(i).padStart(6, '0')}.bin`,
  size: SIZE,
  etag: '"E1"',
}))

/** One object's transport: its stat and its whole body in one chunk, as a loopback store would. */
function transport(key: string): Transport {
  return {
    id: `bench://bucket/${key}`,
    stat: async () => info,
    read: async ({ start, end }) => ({
      object: info,
      range: { start, end, size: SIZE },
      body: (async function* () {
        yield body.subarray(start, end + 1)
      })(),
    }),
  }
}

for (let round = 1; round <= rounds; round++) {
  const volume = new MemoryVolume()
  const open = (location: { segments: readonly string[] }, object: ListedObject): BatchObjectIO => {
    const id = `/dest/${location.segments.join('/')}`
    return {
      transport: transport(object.key),
      target: ({ overwrite }) => new MemoryTarget(id, { volume, overwrite }),
      existing: async () => undefined,
      existingChecksum: async () => 0n,
    }
  }
  const cpu = process.cpuUsage()
  const started = performance.now()
  const summary = await downloadMany({
    id: 'bench://bucket/data/ → /dest',
    prefix: 'data/',
    objects: listing,
    open,
    journal: new MemoryBatchJournalStore(),
    concurrency: 16,
  })
  const wallMs = performance.now() - started
  const used = process.cpuUsage(cpu)
  if (summary.downloaded !== count) throw new Error(`${summary.downloaded} of ${count} downloaded`)
  const perObject = (us: number) => (us / count).toFixed(0)
  console.log(
    `round ${round}: ${count} × 64 KiB, ${perObject((used.user + used.system) / 1)} µs CPU and ${perObject(wallMs * 1000)} µs wall per object`,
  )
}
