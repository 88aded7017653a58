import type { ByteSource } from '@resumable/core'

/** Deterministic pseudo-random bytes (xorshift32), the same for a given size and seed on every runtime. */
export function makeBytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/**
 * Reads a whole body (a ReadableStream or an async iterable of chunks) into one array, copying
 * each chunk before asking for the next: a wire may lend chunk memory (`chunksLent`).
 */
export async function collect(body: ByteSource): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  if (typeof (body as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (body as ReadableStream<Uint8Array>).getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      parts.push(value.slice())
    }
  } else {
    for await (const chunk of body as AsyncIterable<Uint8Array>) parts.push(chunk.slice())
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * Runs `body` with the global `Date` (so `Date.now()` and `new Date()`) moved `ms` ahead, as if
 * that much time had passed, and puts the real one back after, whatever happens. For renewals and
 * expiries; timers are not moved.
 *
 * @example
 * ```ts
 * await withClockAhead(46 * 60_000, () => provider()) // 46 minutes later
 * ```
 */
export async function withClockAhead<T>(ms: number, body: () => T | Promise<T>): Promise<T> {
  const RealDate = Date
  globalThis.Date = class extends RealDate {
    constructor(...args: []) {
      if (args.length === 0) super(RealDate.now() + ms)
      else super(...(args as unknown as [number]))
    }
    static override now(): number {
      return RealDate.now() + ms
    }
  } as DateConstructor
  try {
    return await body()
  } finally {
    globalThis.Date = RealDate
  }
}
