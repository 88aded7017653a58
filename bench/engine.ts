// Engine throughput with an in-process transport and a target that discards bytes, so the figure
// is the engine's own cost (scheduling, buffering, CRC, checkpoints). Prints MB/s, verify on vs off.
// Run: node --conditions=@resumable/source --import tsx bench/engine.ts   (or deno run -A / bun)

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CheckpointCodec,
  crc64,
  download,
  type ObjectInfo,
  planParts,
  type ReadRequest,
  type ReadResponse,
  type Target,
  TransferState,
  type Transport,
} from '@resumable/core'
import { FileCheckpointStore } from '@resumable/store-fs'
import { MemoryCheckpointStore } from '../packages/store-memory/src/index.ts'

const MiB = 1024 * 1024
const size = Number(process.env.BENCH_SIZE_MIB ?? 1024) * MiB
const block = new Uint8Array(MiB).map((_, i) => (i * 2654435761) >>> 24)

function objectCrc(): bigint {
  let crc = 0n
  for (let at = 0; at < size; at += MiB)
    crc = crc64('crc64xz', block.subarray(0, Math.min(MiB, size - at)), crc)
  return crc
}

const info: ObjectInfo = {
  size,
  etag: '"BENCH"',
  checksum: { algorithm: 'crc64xz', value: objectCrc() },
}

const transport: Transport = {
  id: 'bench://object',
  stat: async () => info,
  async read({ start, end }: ReadRequest): Promise<ReadResponse> {
    async function* body(): AsyncGenerator<Uint8Array> {
      // 64 KiB chunks, as sockets deliver them; every chunk is a view of one 1 MiB block.
      for (let at = start; at <= end; ) {
        const inBlock = at % MiB
        const n = Math.min(64 * 1024, MiB - inBlock, end - at + 1)
        yield block.subarray(inBlock, inBlock + n)
        at += n
      }
    }
    return { range: { start, end }, etag: '"BENCH"', body: body() }
  },
}

function nullTarget(): Target {
  return {
    id: 'bench-target',
    open: async () => ({ resumed: false }),
    write: async () => {},
    read: async (_o, n) => new Uint8Array(n),
    sync: async () => {},
    commit: async () => {},
    abort: async () => {},
  }
}

async function run(verify: boolean): Promise<number> {
  const started = performance.now()
  await download({
    transport,
    target: nullTarget(),
    checkpoint: new MemoryCheckpointStore(),
    partSize: 8 * MiB,
    concurrency: 8,
    verify,
  })
  return size / 1e6 / ((performance.now() - started) / 1000)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

const runtime =
  'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : `node ${process.version}`
const on: number[] = []
const off: number[] = []
for (let i = 0; i < 3; i++) {
  on.push(await run(true))
  off.push(await run(false))
}
console.log(
  `engine (${runtime}), ${size / MiB} MiB, 8 MiB parts, concurrency 8, memory-only target`,
)
console.log(`  verify on : ${median(on).toFixed(0)} MB/s (median of 3)`)
console.log(`  verify off: ${median(off).toFixed(0)} MB/s (median of 3)`)
console.log(`  verify off / on = ${(median(off) / median(on)).toFixed(2)}`)

// Scale: a 5 TiB plan with every part done — checkpoint size and encode+decode time.
const big = new TransferState(planParts(5 * 1024 ** 4, 8 * MiB), 'crc64xz')
for (let i = 0; i < big.plan.partCount; i++) big.markDone(i, BigInt(i) * 0x9e3779b97f4a7c15n)
const encodeBig = (): Uint8Array =>
  CheckpointCodec.encode({
    identity: {
      source: 'oss://bucket/huge',
      destination: '/data/huge',
      object: { size: big.plan.size },
    },
    state: big,
    savedAt: Date.now(),
  })
const t0 = performance.now()
const bytes = encodeBig()
const t1 = performance.now()
CheckpointCodec.decode(bytes)
const t2 = performance.now()
console.log(
  `checkpoint for 5 TiB: ${big.plan.partCount} parts of ${big.plan.partSize / MiB} MiB, ${bytes.length} bytes, encode ${(t1 - t0).toFixed(1)} ms, decode ${(t2 - t1).toFixed(1)} ms`,
)

// The same checkpoint saved for real: encode + temp file + fsync + rename, as every group commit does.
const saveDir = await mkdtemp(join(tmpdir(), 'resumable-bench-ckpt-'))
try {
  const store = new FileCheckpointStore({ dir: saveDir })
  const saves: number[] = []
  for (let i = 0; i < 5; i++) {
    const started = performance.now()
    await store.save('oss://bucket/huge', encodeBig())
    saves.push(performance.now() - started)
  }
  console.log(
    `  saved with FileCheckpointStore (encode + fsync + rename): ${median(saves).toFixed(1)} ms (median of 5)`,
  )
} finally {
  await rm(saveDir, { recursive: true, force: true })
}
