import type { MockCredentials } from './check-signature.ts'
import { FaultPlan } from './faults.ts'
import { bytesSource, generatedSource, type ObjectSource, sourceCrc64 } from './object-source.ts'

/** Storage classes OSS reports in `x-oss-storage-class`. */
export type StorageClass = 'Standard' | 'IA' | 'Archive' | 'ColdArchive' | 'DeepColdArchive'

/** How to create an object in the mock. */
export interface PutObjectInit {
  /** Bytes held in memory… */
  readonly bytes?: Uint8Array
  /** …or a generated object of this size (costs no memory). */
  readonly generated?: { readonly size: number; readonly seed?: number }
  /** Quoted ETag; default a quoted 32-hex-digit value derived from the content. */
  readonly etag?: string
  /** Give a multipart-style ETag `"…-N"`. */
  readonly multipartParts?: number
  readonly lastModified?: Date
  readonly contentType?: string
  /** User metadata, sent as `x-oss-meta-*`. */
  readonly metadata?: Readonly<Record<string, string>>
  readonly storageClass?: StorageClass
  /** Archive restore state. @default 'none' */
  readonly restore?: 'none' | 'ongoing' | 'done'
  /** Publish `x-oss-hash-crc64ecma`. @default true */
  readonly crc64?: boolean
}

/** One stored object version. */
export interface StoredObject {
  readonly key: string
  readonly source: ObjectSource
  readonly etag: string
  readonly lastModified: Date
  readonly crc64: bigint | undefined
  readonly contentType: string
  readonly metadata: Readonly<Record<string, string>>
  readonly storageClass: StorageClass
  readonly restore: 'none' | 'ongoing' | 'done'
  readonly versionId: string | undefined
  readonly deleteMarker: boolean
}

/** What the mock served, for tests that assert what was (re)fetched. */
export interface ServedCounters {
  requests: number
  byMethod: Record<string, number>
  byStatus: Record<number, number>
  /** Body bytes actually delivered. */
  bodyBytes: number
  /** Every request: method, key, Range header, status. */
  log: { method: string; key: string; range: string | null; status: number }[]
}

/** An in-memory model of OSS buckets and objects, with versions, archive state and fault injection. */
export class MockOss {
  readonly #buckets = new Map<
    string,
    { versioning: boolean; objects: Map<string, StoredObject[]> }
  >()
  /** When set, every request must be signed with these (SigV4, OSS V4 or OSS V1), or gets a 403. */
  credentials: MockCredentials | undefined
  /** Faults to inject into the next matching requests. */
  readonly faults: FaultPlan
  /** Request and byte counters. */
  readonly served: ServedCounters = {
    requests: 0,
    byMethod: {},
    byStatus: {},
    bodyBytes: 0,
    log: [],
  }
  #versionCounter = 0
  #requestCounter = 0

  constructor(options: { readonly seed?: number; readonly credentials?: MockCredentials } = {}) {
    this.faults = new FaultPlan(options.seed ?? 1)
    this.credentials = options.credentials
  }

  /** Creates a bucket (idempotent). */
  createBucket(name: string, options: { readonly versioning?: boolean } = {}): void {
    if (!this.#buckets.has(name))
      this.#buckets.set(name, { versioning: options.versioning ?? false, objects: new Map() })
  }

  /** True when the bucket exists. */
  hasBucket(name: string): boolean {
    return this.#buckets.has(name)
  }

  /** Puts (or overwrites, or adds a version of) an object; creates the bucket if needed. */
  putObject(bucket: string, key: string, init: PutObjectInit): StoredObject {
    this.createBucket(bucket)
    const b = this.#buckets.get(bucket) as {
      versioning: boolean
      objects: Map<string, StoredObject[]>
    }
    const source = init.bytes
      ? bytesSource(init.bytes)
      : generatedSource(init.generated?.size ?? 0, init.generated?.seed)
    const crc = sourceCrc64(source)
    // Every put is a new version (and a new ETag), versioned bucket or not.
    this.#versionCounter++
    const hex = (
      crc.toString(16).padStart(16, '0') + this.#versionCounter.toString(16).padStart(16, '0')
    ).toUpperCase()
    const object: StoredObject = {
      key,
      source,
      etag: init.etag ?? (init.multipartParts ? `"${hex}-${init.multipartParts}"` : `"${hex}"`),
      lastModified:
        init.lastModified ?? new Date(Date.UTC(2026, 10, 24, 0, 0, this.#versionCounter)),
      crc64: init.crc64 === false ? undefined : crc,
      contentType: init.contentType ?? 'application/octet-stream',
      metadata: init.metadata ?? {},
      storageClass: init.storageClass ?? 'Standard',
      restore: init.restore ?? 'none',
      versionId: b.versioning ? `v${this.#versionCounter}` : undefined,
      deleteMarker: false,
    }
    const versions = b.objects.get(key) ?? []
    b.objects.set(key, b.versioning ? [...versions, object] : [object])
    return object
  }

  /** Deletes an object (adds a delete marker on a versioned bucket). */
  deleteObject(bucket: string, key: string): void {
    const b = this.#buckets.get(bucket)
    if (!b) return
    if (!b.versioning) {
      b.objects.delete(key)
      return
    }
    const versions = b.objects.get(key) ?? []
    const current = versions[versions.length - 1]
    if (current)
      versions.push({ ...current, deleteMarker: true, versionId: `v${++this.#versionCounter}` })
  }

  /** The current version (or `versionId`), undefined when absent or deleted. */
  getObject(
    bucket: string,
    key: string,
    versionId?: string,
  ): StoredObject | 'no-bucket' | undefined {
    const b = this.#buckets.get(bucket)
    if (!b) return 'no-bucket'
    const versions = b.objects.get(key) ?? []
    const found =
      versionId === undefined
        ? versions[versions.length - 1]
        : versions.find((v) => v.versionId === versionId)
    return found
  }

  /** A fresh request id, as `x-oss-request-id`. */
  nextRequestId(): string {
    return `5F${(++this.#requestCounter).toString(16).toUpperCase().padStart(22, '0')}`
  }

  /** Zeroes the counters. */
  resetCounters(): void {
    Object.assign(this.served, { requests: 0, byMethod: {}, byStatus: {}, bodyBytes: 0, log: [] })
  }
}
