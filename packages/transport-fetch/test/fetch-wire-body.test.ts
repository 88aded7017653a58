import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { collect } from '@resumable/testkit'
import { createUrlTransport, fetchWire as nodeFetchWire } from '../src/index.node.ts'
import { fetchWire, type WireResponse } from '../src/index.ts'
import { LENT_READ_BYTES } from '../src/wire/fetch-wire.ts'

const PIECE = 100 * 1024
const TOTAL = 10 * PIECE + 7

/** Byte `i` of the test body. */
const byteAt = (i: number): number => (i * 7 + (i >> 9)) & 0xff

/** A body of TOTAL bytes served in pieces of PIECE; `cancelled` turns true when it is cancelled. */
function source(type: 'bytes' | undefined) {
  const state = { cancelled: false, served: 0 }
  const pull = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    const n = Math.min(PIECE, TOTAL - state.served)
    const piece = new Uint8Array(n)
    for (let i = 0; i < n; i++) piece[i] = byteAt(state.served + i)
    state.served += n
    controller.enqueue(piece)
    if (state.served === TOTAL) controller.close()
  }
  const cancel = () => {
    state.cancelled = true
  }
  const stream =
    type === 'bytes'
      ? new ReadableStream({ type: 'bytes', pull, cancel } as UnderlyingByteSource)
      : new ReadableStream<Uint8Array>({ pull, cancel })
  return { stream, state }
}

/** A fetch whose every answer is a 206 of the whole test body (a plain object: no runtime re-wrapping). */
function answering(body: ReadableStream<Uint8Array>) {
  const headers = new Headers({
    'content-length': String(TOTAL),
    'content-range': `bytes 0-${TOTAL - 1}/${TOTAL}`,
  })
  return async () => ({ status: 206, headers, body }) as unknown as Response
}

/** The wire's answer to a GET whose fetch answers with `body`. */
function send(body: ReadableStream<Uint8Array>, wire = fetchWire): Promise<WireResponse> {
  return wire(answering(body)).send({ method: 'GET', url: 'https://e.test/x', headers: {} })
}

describe('fetchWire bodies', () => {
  it('reads a byte-stream body into one buffer it takes back on every read, and says its chunks are lent', async () => {
    const { stream } = source('bytes')
    const response = await send(stream)
    assert.equal(response.chunksLent, true)
    let at = 0
    let previous: Uint8Array | undefined
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      assert.equal(chunk.buffer.byteLength, LENT_READ_BYTES)
      // The next read took the memory back: the last chunk's view of it is gone.
      assert.equal(previous?.byteLength ?? 0, 0)
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== byteAt(at + i)) assert.fail(`byte ${at + i} differs`)
      }
      at += chunk.length
      previous = chunk
    }
    assert.equal(at, TOTAL)
  })

  it('hands a body that is not a byte stream through as it is, chunks owned by the reader', async () => {
    const { stream } = source(undefined)
    const response = await send(stream)
    assert.equal(response.chunksLent, undefined)
    assert.equal(response.body, stream)
    assert.equal((await collect(response.body)).length, TOTAL)
  })

  it('discard after one chunk of a byte-stream body cancels it, and a second discard is harmless', async () => {
    const { stream, state } = source('bytes')
    const response = await send(stream)
    const chunks = (response.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
    assert.equal((await chunks.next()).done, false)
    await response.discard()
    await response.discard()
    assert.equal(state.cancelled, true)
    assert.ok(state.served < TOTAL)
    assert.equal((await chunks.next()).done, true)
  })

  it('leaving a byte-stream body early (the iterator returned) cancels it', async () => {
    const { stream, state } = source('bytes')
    const response = await send(stream)
    for await (const _chunk of response.body as AsyncIterable<Uint8Array>) break
    assert.equal(state.cancelled, true)
  })

  it("the Node entry's fetchWire, and a Node transport given a fetch, hand a byte-stream body out as it comes unless readInto is set", async () => {
    assert.equal((await send(source('bytes').stream, nodeFetchWire)).chunksLent, undefined)
    const told = await nodeFetchWire(answering(source('bytes').stream), { readInto: true }).send({
      method: 'GET',
      url: 'https://e.test/x',
      headers: {},
    })
    assert.equal(told.chunksLent, true)
    await told.discard()
    const transport = createUrlTransport({
      url: 'https://e.test/x',
      fetch: answering(source('bytes').stream),
    })
    const object = { size: TOTAL, etag: '"E"', sizeKnown: true } as const
    const read = await transport.read({ start: 0, end: TOTAL - 1, object })
    assert.equal(read.chunksLent, undefined)
    assert.equal((await collect(read.body)).length, TOTAL)
  })
})
