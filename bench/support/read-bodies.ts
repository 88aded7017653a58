// Child of bench/body-reader.ts, run as it is by Node (under tsx), Deno or Bun: reads <bytes> of
// <url> in 8 MiB ranges, 8 at once, with fetch, discarding every byte, reading each body
// `as-it-comes` (the stream's own reader) or `byob` (a BYOB reader into one 256 KiB buffer, as
// fetchWire does); prints one JSON line. No imports: every runtime runs it the same way.
const [url = '', bytesArg = '0', mode = 'as-it-comes'] = (
  (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2)
).slice(-3)
const size = Number(bytesArg)
const PART = 8 * 1024 * 1024
let next = 0
let chunks = 0
let seen = 0

async function readRanges(): Promise<void> {
  let buffer = new ArrayBuffer(256 * 1024)
  while (next < size) {
    const start = next
    next += PART
    const end = Math.min(size, start + PART) - 1
    const response = await fetch(url, { headers: { range: `bytes=${start}-${end}` } })
    if (response.status !== 206 || !response.body) throw new Error(`status ${response.status}`)
    if (mode === 'byob') {
      const reader = response.body.getReader({ mode: 'byob' })
      for (;;) {
        const { done, value } = await reader.read(new Uint8Array(buffer))
        if (value) buffer = value.buffer as ArrayBuffer
        if (done || !value) break
        chunks++
        seen += value.length
      }
    } else {
      const reader = response.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        chunks++
        seen += value.length
      }
    }
  }
}

const started = performance.now()
await Promise.all(Array.from({ length: 8 }, readRanges))
if (seen !== size) throw new Error(`read ${seen} of ${size} bytes`)
console.log(JSON.stringify({ ms: performance.now() - started, chunks }))
