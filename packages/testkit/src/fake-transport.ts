import {
  crc64,
  type ExpectedDigest,
  type ObjectInfo,
  type ReadRequest,
  type ReadResponse,
  type Transport,
  TransportError,
} from '@resumable/core'
import { makeBytes } from './helpers.ts'

/** One object version served by the fake. */
export interface FakeObject {
  readonly bytes: Uint8Array
  readonly etag: string
  readonly lastModified: string
  readonly checksum?: bigint
  /** The MD5 the store vouches for (hex), as an S3 single-part ETag stands for one. */
  readonly md5?: string
  /** The metadata header `md5` came from, when an uploader recorded it there (`ObjectInfo.md5Source`). */
  readonly md5Source?: string
  /** A SHA the store vouches for, as S3's full-object `x-amz-checksum-sha256`. */
  readonly digest?: ExpectedDigest
}

/**
 * What the fake does to one read: the testkit's fault names (`Fault` in faults.ts) for the faults
 * that exist above HTTP. `error` carries the TransportError a transport would have mapped the
 * answer to; `replace` swaps the object before answering.
 */
export type TransportFault =
  | { readonly type: 'error'; readonly error: TransportError }
  | { readonly type: 'reset'; readonly afterBytes: number }
  | { readonly type: 'stall'; readonly afterBytes: number }
  | { readonly type: 'short'; readonly afterBytes: number }
  | { readonly type: 'long'; readonly extraBytes: number }
  | { readonly type: 'ignore-range' }
  | { readonly type: 'wrong-range' }
  | { readonly type: 'delay-headers'; readonly ms: number }
  | { readonly type: 'replace'; readonly object: FakeObject }

/** A recorded read request. */
export interface ReadRecord {
  readonly start: number
  readonly end: number
  readonly fault: TransportFault['type'] | undefined
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

/**
 * An in-process Transport over an in-memory object that fails the way a transport reports a real
 * store failing. Engine tests use it where timing must be exact; the mock OSS (`MockOss`) is the
 * fake for anything that speaks HTTP.
 */
export class FakeTransport implements Transport {
  readonly id = 'fake://bucket/key'
  object: FakeObject
  readonly reads: ReadRecord[] = []
  servedBytes = 0
  stats = 0
  /** Picks the fault of each read (`n` counts reads from 0). */
  fault:
    | ((call: { start: number; end: number; n: number }) => TransportFault | undefined)
    | undefined
  /** A server that ignores If-Match serves a replaced object instead of answering 412. */
  honoursIfMatch = true
  /** Publish a checksum one bit off the object's (the `wrong-crc` fault of the mock). */
  wrongCrc = false
  statError: TransportError | undefined
  chunkSize: number
  /** Delay before each chunk, so timers (checkpoints, stall guards) get to run between chunks. */
  chunkDelayMs = 0
  /** Serve bodies as async iterables instead of ReadableStreams (both are valid ByteSources). */
  iterableBodies = false

  constructor(object: FakeObject, chunkSize: number = 16 * 1024) {
    this.object = object
    this.chunkSize = chunkSize
  }

  async stat(): Promise<ObjectInfo> {
    this.stats++
    if (this.statError) throw this.statError
    const { bytes, etag, lastModified, checksum, md5, md5Source, digest } = this.object
    return {
      size: bytes.length,
      etag,
      lastModified,
      ...(md5 === undefined ? {} : { md5 }),
      ...(md5Source === undefined ? {} : { md5Source }),
      ...(digest === undefined ? {} : { digest }),
      ...(checksum === undefined
        ? {}
        : {
            checksum: {
              algorithm: 'crc64xz' as const,
              value: this.wrongCrc ? checksum ^ 1n : checksum,
            },
          }),
    }
  }

  async read(request: ReadRequest): Promise<ReadResponse> {
    const { start, end } = request
    const fault = this.fault?.({ start, end, n: this.reads.length })
    this.reads.push({ start, end, fault: fault?.type })
    if (fault?.type === 'error') throw fault.error
    if (fault?.type === 'replace') this.object = fault.object
    if (fault?.type === 'delay-headers') await delay(fault.ms, request.signal)
    if (
      this.honoursIfMatch &&
      request.object.etag !== undefined &&
      request.object.etag !== this.object.etag
    ) {
      throw new TransportError('precondition-failed', 'If-Match failed', {
        status: 412,
        code: 'PreconditionFailed',
      })
    }
    const whole = fault?.type === 'ignore-range'
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
    const shift = fault?.type === 'wrong-range' ? 1 : 0
    return {
      range: { start: from + shift, end: to + shift },
      etag: this.object.etag,
      body: this.iterableBodies ? body : toStream(body),
    }
  }

  async *#chunks(
    payload: Uint8Array,
    limit: number,
    fault: TransportFault | undefined,
    signal?: AbortSignal,
  ) {
    for (let at = 0; at < limit; at += this.chunkSize) {
      if (this.chunkDelayMs > 0)
        await new Promise((resolve) => setTimeout(resolve, this.chunkDelayMs))
      const chunk = payload.slice(at, Math.min(limit, at + this.chunkSize))
      this.servedBytes += chunk.length
      yield chunk
    }
    if (fault?.type === 'reset') throw new TransportError('network', 'socket reset by fake')
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

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason)
      },
      { once: true },
    )
  })
}
