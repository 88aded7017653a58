// Child of bench/body-reader.ts, run by Node (under tsx), Deno or Bun with the
// `@resumable/source` condition: reads <bytes> of <url> in 8 MiB ranges, 8 at once, through
// `fetchWire` with `readInto` off (`as-it-comes`: the stream's own reader) or on (`byob`),
// discarding every byte as the engine would read it, and prints one JSON line.
import { fetchWire } from '@resumable/transport-fetch'

const [url = '', bytesArg = '0', mode = 'as-it-comes'] = (
  (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2)
).slice(-3)
const size = Number(bytesArg)
const PART = 8 * 1024 * 1024
const wire = fetchWire(undefined, { readInto: mode === 'byob' })
let next = 0
let chunks = 0
let seen = 0

/** Every chunk of a body, pulled as core's engine pulls it (a stream's reader, or the iterator). */
async function drain(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
  if ('getReader' in body) {
    const reader = body.getReader()
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks++
      seen += r.value.length
    }
    return
  }
  for await (const chunk of body) {
    chunks++
    seen += chunk.length
  }
}

async function readRanges(): Promise<void> {
  while (next < size) {
    const start = next
    next += PART
    const end = Math.min(size, start + PART) - 1
    const headers = { range: `bytes=${start}-${end}` }
    const response = await wire.send({ method: 'GET', url, headers })
    if (response.status !== 206) throw new Error(`status ${response.status}`)
    await drain(response.body)
  }
}

const started = performance.now()
await Promise.all(Array.from({ length: 8 }, readRanges))
if (seen !== size) throw new Error(`read ${seen} of ${size} bytes`)
console.log(JSON.stringify({ ms: performance.now() - started, chunks }))
