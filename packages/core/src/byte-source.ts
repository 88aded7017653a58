import type { ByteSource } from './ports.ts'

/** A pull interface over either kind of body, so the engine can race each read against a timer. */
export interface ChunkReader {
  /** Next chunk, or undefined at the end. */
  next(): Promise<Uint8Array | undefined>
  /** Releases the body without reading the rest (never throws). */
  cancel(reason?: unknown): Promise<void>
}

/** Wraps a ReadableStream or an async iterable in a ChunkReader. */
export function chunkReader(body: ByteSource): ChunkReader {
  if (typeof (body as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (body as ReadableStream<Uint8Array>).getReader()
    return {
      async next() {
        const { done, value } = await reader.read()
        return done ? undefined : value
      },
      async cancel(reason) {
        await reader.cancel(reason).catch(() => undefined)
      },
    }
  }
  const iterator = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
  return {
    async next() {
      const { done, value } = await iterator.next()
      return done ? undefined : value
    },
    async cancel() {
      await Promise.resolve(iterator.return?.()).catch(() => undefined)
    },
  }
}
