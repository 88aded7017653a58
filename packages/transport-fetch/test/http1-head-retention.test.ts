import assert from 'node:assert/strict'
import { it } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Http1ResponseParser } from '../src/wire/http1-response-parser.ts'

// Heap figures and a callable gc are V8's, and only Node lets a test reach them.
const onNode =
  typeof process !== 'undefined' &&
  process.release?.name === 'node' &&
  !('Bun' in globalThis) &&
  !('Deno' in globalThis)

it('keeps no response head alive through a header value kept after the response (an ETag in a batch journal)', {
  skip: onNode ? false : 'needs V8 heap statistics and gc (Node)',
}, () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const padding = 'p'.repeat(1000)
  const heads = 20_000
  const kept: string[] = []
  const measure = (): number => {
    gc()
    gc()
    return process.memoryUsage().heapUsed
  }
  const before = measure()
  for (let i = 0; i < heads; i++) {
    const wire = `HTTP/1.1 200 OK\r\nETag: "${i.toString(16).padStart(32, '0')}"\r\nX-Padding: ${padding}\r\nContent-Length: 0\r\n\r\n`
    const parser = new Http1ResponseParser('GET', {
      head(_status, headers) {
        kept.push(headers.get('etag') as string)
      },
      body() {},
      end() {},
    })
    parser.feed(Uint8Array.from(wire, (c) => c.charCodeAt(0)))
  }
  const grown = measure() - before
  assert.equal(kept.length, heads)
  assert.equal(kept[heads - 1], `"${(heads - 1).toString(16).padStart(32, '0')}"`)
  // 20,000 ETags of 34 characters are ~1.5 MB with their array; the heads they came from, ~21 MB.
  assert.ok(grown < 8 * 1024 * 1024, `the heap grew by ${(grown / 1024 / 1024).toFixed(1)} MiB`)
})
