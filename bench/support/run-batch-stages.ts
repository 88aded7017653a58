// Child of bench/batch-layers.ts: fetches every object of a manifest (NDJSON {source, dest}) at one
// of four depths, 16 at a time, and prints one JSON line { ms }. argv[2] is JSON (see StageSpec).
//   wire      — the Node wire alone: one GET per object, the body discarded;
//   transport — a URL transport per object and its readWhole (what a batch asks), body discarded;
//   files     — that, and the file calls a durable publish needs (create, write, fsync, close,
//               link, unlink; one directory fsync at the end), with no engine;
//   batch     — downloadMany into Targets that keep nothing, with a memory journal (the engine and
//               the batch, no disk).
import { closeSync, constants, fsync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { downloadMany } from '@resumable/core'
import { MemoryBatchJournalStore } from '@resumable/store-memory'
import { createUrlTransport } from '@resumable/transport-fetch'
import { nodeWire } from '@resumable/transport-fetch/node'
import { nowhereTarget } from './nowhere-target.ts'

interface StageSpec {
  readonly stage: 'wire' | 'transport' | 'files' | 'batch'
  readonly manifest: string
  /** Where `files` writes. */
  readonly dest: string
}

const CONCURRENCY = 16
const spec = JSON.parse(process.argv[2] ?? '{}') as StageSpec
const fsyncOnPool = promisify(fsync)
const objects = (await readFile(spec.manifest, 'utf8'))
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { source: string; dest: string })

/** Runs `fetch` over every object, CONCURRENCY at once. */
async function each(fetch: (object: { source: string; dest: string }, i: number) => Promise<void>) {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < objects.length) {
      const i = next++
      await fetch(objects[i] as { source: string; dest: string }, i)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
}

/** The whole object through a URL transport's readWhole, each chunk handed to `chunk`. */
async function readWhole(source: string, chunk: (bytes: Uint8Array) => void): Promise<void> {
  const transport = createUrlTransport({ url: source })
  const whole = await transport.readWhole?.({ signal: new AbortController().signal })
  if (!whole?.body) throw new Error(`${source}: no body`)
  for await (const bytes of whole.body) chunk(bytes)
}

const started = performance.now()
if (spec.stage === 'wire') {
  const wire = nodeWire({ maxSockets: CONCURRENCY })
  await each(async ({ source }) => {
    const response = await wire.send({ method: 'GET', url: source, headers: {} })
    if (response.status !== 200) throw new Error(`${source}: status ${response.status}`)
    for (let r = await response.body.next(); !r.done; r = await response.body.next());
  })
} else if (spec.stage === 'transport') {
  await each(({ source }) => readWhole(source, () => undefined))
} else if (spec.stage === 'files') {
  const staging = join(spec.dest, '.staging')
  await mkdir(staging, { recursive: true })
  await each(async ({ source, dest }, i) => {
    const temp = join(staging, `${i}.part`)
    const fd = openSync(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644)
    let at = 0
    await readWhole(source, (bytes) => {
      at += writeSync(fd, bytes, 0, bytes.length, at)
    })
    await fsyncOnPool(fd)
    closeSync(fd)
    linkSync(temp, join(spec.dest, dest))
    unlinkSync(temp)
  })
  const directory = openSync(spec.dest, constants.O_RDONLY)
  await fsyncOnPool(directory)
  closeSync(directory)
} else {
  const sources = new Map(objects.map((o) => [o.dest, o.source]))
  const summary = await downloadMany({
    id: 'batch-layers',
    prefix: '',
    objects: objects.map((o) => ({ key: o.dest })),
    journal: new MemoryBatchJournalStore(),
    concurrency: CONCURRENCY,
    open: async ({ key }) => ({
      transport: createUrlTransport({ url: sources.get(key) as string }),
      target: () => nowhereTarget(key),
      existing: async () => undefined,
      existingChecksum: async () => 0n,
    }),
  })
  if (!summary.ok || summary.downloaded !== objects.length)
    throw new Error(`downloaded ${summary.downloaded} of ${objects.length}`)
}
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started })}\n`)
