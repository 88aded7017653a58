// Loopback object server for the benchmark: one in-memory object, Range and HEAD, ETag.
// Runs as its own process so the tools under test do not share an event loop with it.
import { createServer } from 'node:http'

const size = Number(process.argv[2] ?? 256 * 1024 * 1024)
const bytes = Buffer.alloc(size)
for (let i = 0; i < size; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i)
const etag = '"BENCH-OBJECT"'

const server = createServer((req, res) => {
  const base = { etag, 'accept-ranges': 'bytes', 'last-modified': 'Tue, 24 Nov 2026 00:00:00 GMT' }
  if (req.method === 'HEAD') {
    res.writeHead(200, { ...base, 'content-length': String(size) }).end()
    return
  }
  const m = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''))
  if (!m) {
    res.writeHead(200, { ...base, 'content-length': String(size) }).end(bytes)
    return
  }
  const start = Number(m[1])
  const end = Math.min(m[2] ? Number(m[2]) : size - 1, size - 1)
  if (start >= size) {
    res.writeHead(416, { 'content-range': `bytes */${size}` }).end()
    return
  }
  res.writeHead(206, {
    ...base,
    'content-range': `bytes ${start}-${end}/${size}`,
    'content-length': String(end - start + 1),
  })
  res.end(bytes.subarray(start, end + 1))
})
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`)
})
