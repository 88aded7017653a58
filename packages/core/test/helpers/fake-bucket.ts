import {
  type BatchObjectIO,
  type BatchObjectLocation,
  type BatchOptions,
  crc,
  crc64,
  type ListedObject,
  type ObjectInfo,
  type ReadRequest,
  type ReadResponse,
  type Transport,
  TransportError,
  type WholeRead,
  type WholeReadRequest,
} from '@resumable/core'
import {
  MemoryBatchJournalStore,
  MemoryCheckpointStore,
  MemoryTarget,
  MemoryVolume,
} from '@resumable/store-memory'
import { makeBytes } from '@resumable/testkit'

interface StoredObject {
  bytes: Uint8Array
  etag: string
  lastModified: string
  archived: boolean
}

/** A bucket of many objects served by per-key transports that count every request. */
export class FakeBucket {
  readonly objects = new Map<string, StoredObject>()
  /** Requests (stat and read) per key. */
  readonly requests = new Map<string, number>()
  /** Reads in flight across every object, and the most seen at once. */
  inFlight = 0
  maxInFlight = 0
  /** Delay per read, so a batch can be paused in the middle. */
  readDelayMs = 0
  /** Offer `readWhole` (one GET whose headers are the stat), as the fetch transports do. */
  wholeReads = false
  /** Awaited before a read's first byte (counted in flight), so a test can hold a read open. */
  beforeBody: ((key: string, start: number) => Promise<void>) | undefined
  /** Reads started, in order, as `key@start`. */
  readonly reads: string[] = []
  /** Stats and whole reads, in order, as `stat key` and `whole key`. */
  readonly heads: string[] = []
  /** Cut the next `readWhole` bodies after this many bytes (a dropped connection). */
  cutWholeAfter: number | undefined
  /** No request of these keys (true: of any key) gets an answer: a store or network that is down. */
  unreachable: boolean | ((key: string) => boolean) = false
  /** Keys whose next request only gets no answer (then removed): a connection lost on its own. */
  readonly refuseOnce = new Set<string>()
  /** Requests that got no answer. */
  refused = 0
  /** `refused` when the last `cut` ended. */
  refusedWhenRestored = 0

  /** Makes every key unreachable for `ms` (an outage), then reachable again. */
  cut(ms: number): void {
    this.unreachable = true
    setTimeout(() => {
      this.refusedWhenRestored = this.refused
      this.unreachable = false
    }, ms)
  }
  #version = 0

  put(
    key: string,
    size: number,
    options: { archived?: boolean; lastModified?: string } = {},
  ): void {
    const n = ++this.#version
    this.objects.set(key, {
      bytes: makeBytes(size, n),
      etag: `"E${n}"`,
      lastModified: options.lastModified ?? new Date(Date.UTC(2026, 10, 1, 0, 0, n)).toUTCString(),
      archived: options.archived ?? false,
    })
  }

  listing(): ListedObject[] {
    return [...this.objects]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, o]) => ({
        key,
        size: o.bytes.length,
        etag: o.etag,
        lastModified: o.lastModified,
      }))
  }

  count(key: string): number {
    return this.requests.get(key) ?? 0
  }

  transport(key: string): Transport {
    const count = (): void => {
      const down = typeof this.unreachable === 'function' ? this.unreachable(key) : this.unreachable
      if (down || this.refuseOnce.delete(key)) {
        this.refused++
        throw new TransportError('network', 'connect ECONNREFUSED 127.0.0.1:9')
      }
      this.requests.set(key, this.count(key) + 1)
    }
    const bucket = this
    const info = (): ObjectInfo => {
      const o = bucket.objects.get(key)
      if (!o)
        throw new TransportError('not-found', 'no such key', {
          status: 404,
          code: 'NoSuchKey',
          requestId: `R-${key}`,
        })
      return {
        size: o.bytes.length,
        etag: o.etag,
        lastModified: o.lastModified,
        checksum: { algorithm: 'crc64xz', value: crc64('crc64xz', o.bytes) },
      }
    }
    const whole = {
      async readWhole(request: WholeReadRequest): Promise<WholeRead> {
        count()
        bucket.heads.push(`whole ${key}`)
        const object = info()
        if (request.ifMatch !== undefined && request.ifMatch !== object.etag)
          throw new TransportError('precondition-failed', 'If-Match failed', { status: 412 })
        const bytes = (bucket.objects.get(key) as StoredObject).bytes
        const cut = bucket.cutWholeAfter
        async function* body(): AsyncGenerator<Uint8Array> {
          if (cut === undefined) {
            yield bytes
            return
          }
          yield bytes.subarray(0, cut)
          throw new TransportError('network', 'connection reset mid-body')
        }
        return { object, body: body() }
      },
    }
    return {
      id: `fake://bucket/${key}`,
      async stat(): Promise<ObjectInfo> {
        count()
        bucket.heads.push(`stat ${key}`)
        return info()
      },
      ...(bucket.wholeReads ? whole : {}),
      async read(request: ReadRequest): Promise<ReadResponse> {
        count()
        const o = bucket.objects.get(key)
        if (!o)
          throw new TransportError('not-found', 'no such key', { status: 404, code: 'NoSuchKey' })
        if (o.archived)
          throw new TransportError('archived', 'restore first', {
            status: 403,
            code: 'InvalidObjectState',
            requestId: `R-${key}`,
          })
        if (request.object.etag !== o.etag)
          throw new TransportError('precondition-failed', 'If-Match failed', { status: 412 })
        bucket.inFlight++
        bucket.maxInFlight = Math.max(bucket.maxInFlight, bucket.inFlight)
        bucket.reads.push(`${key}@${request.start}`)
        const hold = bucket.beforeBody
        const bytes = o.bytes.slice(request.start, request.end + 1)
        const delay = bucket.readDelayMs
        const signal = request.signal
        async function* body(): AsyncGenerator<Uint8Array> {
          try {
            await hold?.(key, request.start)
            for (let at = 0; at < bytes.length; at += 64 * 1024) {
              if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
              if (signal?.aborted) throw signal.reason
              yield bytes.subarray(at, Math.min(bytes.length, at + 64 * 1024))
            }
          } finally {
            bucket.inFlight--
          }
        }
        return { range: { start: request.start, end: request.end }, etag: o.etag, body: body() }
      },
    }
  }
}

/** Memory adapters for a batch: files on one MemoryVolume under `/dest/`. */
export class MemoryDestination {
  readonly volume = new MemoryVolume()
  readonly checkpoints = new MemoryCheckpointStore()
  readonly modified = new Map<string, number>()
  readonly opened: string[] = []

  readonly bucket: FakeBucket

  constructor(bucket: FakeBucket) {
    this.bucket = bucket
  }

  path(relative: string): string {
    return `/dest/${relative}`
  }

  put(relative: string, bytes: Uint8Array, modifiedMs = Date.now()): void {
    this.volume.setFile(this.path(relative), bytes)
    this.modified.set(this.path(relative), modifiedMs)
  }

  file(relative: string): Uint8Array | undefined {
    return this.volume.file(this.path(relative))
  }

  /** What a batch of every object under `data/` into this destination needs, with a fresh journal. */
  batchOptions(): Pick<BatchOptions, 'id' | 'prefix' | 'objects' | 'open' | 'journal'> {
    return {
      id: 'fake://bucket/data/ → /dest',
      prefix: 'data/',
      objects: this.bucket.listing(),
      open: this.open,
      journal: new MemoryBatchJournalStore(),
    }
  }

  open = (location: BatchObjectLocation, object: ListedObject): BatchObjectIO => {
    const id = this.path(location.segments.join('/'))
    this.opened.push(id)
    return {
      transport: this.bucket.transport(object.key),
      target: ({ overwrite }) => new MemoryTarget(id, { volume: this.volume, overwrite }),
      checkpoint: this.checkpoints,
      existing: async () => {
        const bytes = this.volume.file(id)
        return bytes && { size: bytes.length, modifiedMs: this.modified.get(id) ?? 0 }
      },
      existingChecksum: async (algorithm) =>
        crc(algorithm, this.volume.file(id) ?? new Uint8Array()),
    }
  }
}
