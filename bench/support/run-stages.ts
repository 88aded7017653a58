// Child of bench/without-disk.ts: reads one object from a URL through the Node wire at one of
// three depths and prints one JSON line { ms }. argv[2] is JSON (see StageSpec).
//   wire   — the wire alone: 8 MiB ranges, 8 at once, every byte discarded (no engine, no disk);
//   engine — download() into a Target that keeps nothing (the engine and the wire, no disk);
//   file   — download() into a FileTarget with its checkpoint, as users run it.
import { download } from '@resumable/core'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { MemoryCheckpointStore } from '@resumable/store-memory'
import { createUrlTransport } from '@resumable/transport-fetch'
import { defaultNodeWire, nodeWire } from '@resumable/transport-fetch/node'
import { nowhereTarget } from './nowhere-target.ts'

interface StageSpec {
  readonly stage: 'wire' | 'engine' | 'file'
  readonly url: string
  readonly size: number
  /** Where `file` writes. */
  readonly dest: string
}

const spec = JSON.parse(process.argv[2] ?? '{}') as StageSpec
const PART = 8 * 1024 * 1024
const CONCURRENCY = 8

/** The wire alone, ranges handed out in order to 8 readers. */
async function readWithWire(): Promise<void> {
  const wire = nodeWire({ maxSockets: CONCURRENCY })
  let next = 0
  let seen = 0
  const reader = async (): Promise<void> => {
    while (next < spec.size) {
      const start = next
      next += PART
      const end = Math.min(spec.size, start + PART) - 1
      const response = await wire.send({
        method: 'GET',
        url: spec.url,
        headers: { range: `bytes=${start}-${end}` },
      })
      if (response.status !== 206) throw new Error(`status ${response.status}`)
      for (let r = await response.body.next(); !r.done; r = await response.body.next())
        seen += r.value.length
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, reader))
  if (seen !== spec.size) throw new Error(`read ${seen} of ${spec.size} bytes`)
}

const started = performance.now()
if (spec.stage === 'wire') await readWithWire()
else {
  await download({
    transport: createUrlTransport({ url: spec.url, wire: defaultNodeWire() }),
    target:
      spec.stage === 'file' ? new FileTarget(spec.dest, { overwrite: true }) : nowhereTarget(),
    checkpoint: spec.stage === 'file' ? new FileCheckpointStore() : new MemoryCheckpointStore(),
    partSize: PART,
    concurrency: CONCURRENCY,
  })
}
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started })}\n`)
