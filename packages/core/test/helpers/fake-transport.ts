import {
  crc64,
  type ObjectInfo,
  type ReadRequest,
  type ReadResponse,
  type Transport,
  TransportError,
} from '@resumable/core'

/** One object version served by the fake. */
export interface FakeObject {
  readonly bytes: Uint8Array
  readonly etag: string
  readonly lastModified: string
  readonly checksum?: bigint
}

/** What the fake does to one read. */
export type Fault =
  | { readonly type: 'error'; readonly error: TransportError }
  | { readonly type: 'drop'; readonly afterBytes: number }
  | { readonly type: 'stall'; readonly afterBytes: number }
  | { readonly type: 'short'; readonly afterBytes: number }
  | { readonly type: 'long'; readonly extraBytes: number }
  | { readonly type: 'whole' }
  | { readonly type: 'etag'; readonly etag: string }

/** A recorded read request. */
export interface ReadRecord {
  readonly start: number
  readonly end: number
  readonly fault: Fault['type'] | undefined
}

/** Deterministic pseudo-random bytes. */
export function makeBytes(size: number, seed = 1): Uint8Array {
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

/** Builds a FakeObject with a correct CRC-64/XZ. */
export function makeObject(size: number, seed = 1, etag = '"E1"'): FakeObject {
  const bytes = makeBytes(size, seed)
  return {
    bytes,
    etag,
    lastModified: 'Tue, 24 Nov 2026 00:00:00 GMT',
    checksum: crc64('crc64xz', bytes),
  }
}

/** An in-test Transport over an in-memory object that can fail in every way a real store does. */
export class FakeTransport implements Transport {
  readonly id = 'fake://bucket/key'
  object: FakeObject
  readonly reads: ReadRecord[] = []
  servedBytes = 0
  stats = 0
  fault: ((call: { start: number; end: number; n: number }) => Fault | undefined) | undefined
  statError: TransportError | undefined
  chunkSize: number
  /** Delay before each chunk, so timers (checkpoints, stall guards) get to run between chunks. */
  chunkDelayMs = 0
  /** Serve bodies as async iterables instead of ReadableStreams (both are valid ByteSources). */
  iterableBodies = false

  constructor(object: FakeObject, chunkSize = 16 * 1024) {
    this.object = object
    this.chunkSize = chunkSize
  }

  async stat(): Promise<ObjectInfo> {
    this.stats++
    if (this.statError) throw this.statError
    const { bytes, etag, lastModified, checksum } = this.object
    return {
      size: bytes.length,
      etag,
      lastModified,
      ...(checksum === undefined
        ? {}
        : { checksum: { algorithm: 'crc64xz' as const, value: checksum } }),
    }
  }

  async read(request: ReadRequest): Promise<ReadResponse> {
    const { start, end } = request
    const fault = this.fault?.({ start, end, n: this.reads.length })
    this.reads.push({ start, end, fault: fault?.type })
    if (fault?.type === 'error') throw fault.error
    if (request.object.etag !== undefined && request.object.etag !== this.object.etag) {
      throw new TransportError('precondition-failed', 'If-Match failed', {
        status: 412,
        code: 'PreconditionFailed',
      })
    }
    const whole = fault?.type === 'whole'
    const from = whole ? 0 : start
    const to = whole ? this.object.bytes.length - 1 : end
    let payload = this.object.bytes.subarray(from, to + 1)
    if (fault?.type === 'long') {
      const padded = new Uint8Array(payload.length + fault.extraBytes)
      padded.set(payload)
      payload = padded
    }
    const limit =
      fault && 'afterBytes' in fault ? Math.min(fault.afterBytes, payload.length) : payload.length
    const body = this.#chunks(payload, limit, fault, request.signal)
    return {
      range: { start: from, end: to },
      etag: fault?.type === 'etag' ? fault.etag : this.object.etag,
      body: this.iterableBodies ? body : toStream(body),
    }
  }

  async *#chunks(
    payload: Uint8Array,
    limit: number,
    fault: Fault | undefined,
    signal?: AbortSignal,
  ) {
    for (let at = 0; at < limit; at += this.chunkSize) {
      if (this.chunkDelayMs > 0)
        await new Promise((resolve) => setTimeout(resolve, this.chunkDelayMs))
      const chunk = payload.slice(at, Math.min(limit, at + this.chunkSize))
      this.servedBytes += chunk.length
      yield chunk
    }
    if (fault?.type === 'drop') throw new TransportError('network', 'socket reset by fake')
    if (fault?.type === 'stall') {
      await new Promise((_, reject) =>
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true }),
      )
    }
  }
}

function toStream(source: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      try {
        const { done, value } = await source.next()
        if (done) controller.close()
        else controller.enqueue(value)
      } catch (error) {
        controller.error(error)
      }
    },
    async cancel(reason) {
      await source.throw(reason).catch(() => undefined)
    },
  })
}
