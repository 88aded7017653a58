// CRC throughput, JavaScript path vs WebAssembly path, for all four algorithms (the CRC-32s run on
// the CRC-64 engine's register): 256 MiB fed in 1 MiB chunks (as the engine feeds part bodies),
// median of 5 runs after a warm-up; on Node also zlib's native crc32 for comparison; then the cost
// of one crcCombine, which verification calls once per part.
// Run: node --import tsx bench/crc.ts   |   deno run -A bench/crc.ts   |   bun bench/crc.ts
import type { ChecksumAlgorithm } from '../packages/core/src/crc/algorithm.ts'
import { crc64Js } from '../packages/core/src/crc/crc64-js.ts'
import { wasmCrc64 } from '../packages/core/src/crc/crc64-wasm.ts'
import { crc, crcCombine, crcOnRegister } from '../packages/core/src/crc/index.ts'

const MiB = 1024 * 1024
const TOTAL = 256 * MiB
const RUNS = 5
const ALGORITHMS: readonly ChecksumAlgorithm[] = ['crc64xz', 'crc64nvme', 'crc32', 'crc32c']

const chunk = new Uint8Array(MiB).map((_, i) => (i * 2654435761) >>> 24)

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Median MB/s of hashing TOTAL bytes in 1 MiB chunks, continuing the CRC across chunks. */
function throughput(update: (data: Uint8Array, crc: bigint) => bigint): number {
  const once = (): number => {
    const started = performance.now()
    let crc = 0n
    for (let done = 0; done < TOTAL; done += MiB) crc = update(chunk, crc)
    if (crc === 1n) console.log('') // keep the result observable
    return performance.now() - started
  }
  once()
  const times = Array.from({ length: RUNS }, once)
  return TOTAL / 1e6 / (median(times) / 1000)
}

function show(label: string, mbPerSecond: number): void {
  const gib = (mbPerSecond * 1e6) / 1024 ** 3
  console.log(
    `  ${label.padEnd(22)} ${mbPerSecond.toFixed(0).padStart(6)} MB/s  ${gib.toFixed(2)} GiB/s`,
  )
}

const runtime =
  'Deno' in globalThis ? 'deno' : 'Bun' in globalThis ? 'bun' : `node ${process.version}`
console.log(`crc (${runtime}), ${TOTAL / MiB} MiB in 1 MiB chunks, median of ${RUNS}`)
for (const algorithm of ALGORITHMS) {
  const wasm = wasmCrc64(algorithm)
  show(
    `${algorithm} js`,
    throughput((data, from) =>
      crcOnRegister((bytes, c) => crc64Js(algorithm, bytes, c), algorithm, data, from),
    ),
  )
  if (wasm)
    show(
      `${algorithm} wasm`,
      throughput((data, from) => crcOnRegister(wasm, algorithm, data, from)),
    )
  else console.log(`  ${algorithm} wasm: WebAssembly unavailable`)
  show(
    `${algorithm} crc()`,
    throughput((data, from) => crc(algorithm, data, from)),
  )
}
const zlib = 'Deno' in globalThis || 'Bun' in globalThis ? undefined : await import('node:zlib')
if (zlib && 'crc32' in zlib) {
  const native = zlib.crc32 as (data: Uint8Array, value?: number) => number
  show(
    'crc32 node:zlib',
    throughput((data, from) => BigInt(native(data, Number(from)))),
  )
}

// Combine: 10,000 parts of mixed sizes, as verifying a 10,000-part object does, plus terabytes.
const lengths = Array.from({ length: 10_000 }, (_, i) =>
  i % 100 === 99 ? 5 * 1024 ** 4 + i : 8 * MiB + ((i * 7919) % MiB),
)
for (const algorithm of ALGORITHMS) {
  const once = (): number => {
    const started = performance.now()
    let value = 0x01234567n
    for (const length of lengths) value = crcCombine(algorithm, value, 0x76543210n, length)
    if (value === 1n) console.log('')
    return performance.now() - started
  }
  once()
  const ms = median(Array.from({ length: RUNS }, once))
  console.log(
    `  ${`${algorithm} combine`.padEnd(22)} ${((ms * 1000) / lengths.length).toFixed(2)} µs each (${lengths.length} in ${ms.toFixed(1)} ms)`,
  )
}
