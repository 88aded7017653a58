import type { MockCredentials } from './check-signature.ts'
import type { StoreDialect } from './dialect.ts'
import { FaultPlan } from './faults.ts'
import { emptyCounters, type ServedCounters } from './served-counters.ts'
import { generatedSource } from './source/generated-source.ts'
import { bytesSource, type ObjectSource, sourceCrc } from './source/object-source.ts'
import type { SseCustomerKey } from './store-rules.ts'

/** Storage classes OSS reports in `x-oss-storage-class`. */
export type StorageClass = 'Standard' | 'IA' | 'Archive' | 'ColdArchive' | 'DeepColdArchive'

/** Archive restore state: none requested, running, or done (a restored copy is readable until it expires). */
export type RestoreStatus = 'none' | 'ongoing' | 'done'

/** `x-oss-object-type`. */
export type ObjectType = 'Normal' | 'Multipart' | 'Appendable'

/** How to create an object in the mock. */
export interface PutObjectInit {
  /** Bytes held in memory… */
  readonly bytes?: Uint8Array
  /** …or a generated object of this size (costs about a megabyte whatever the size). */
  readonly generated?: { readonly size: number; readonly seed?: number }
  /** Quoted ETag; default a quoted 32-hex-digit value, new for every put. */
  readonly etag?: string
  /** Give a multipart-style ETag `"…-N"` (and `x-oss-object-type: Multipart`). */
  readonly multipartParts?: number
  /** `x-oss-object-type`. @default 'Multipart' with `multipartParts`, else 'Normal' */
  readonly objectType?: ObjectType
  /** @default a distinct second for each put, in November 2026 */
  readonly lastModified?: Date
  /** @default 'application/octet-stream' */
  readonly contentType?: string
  /** User metadata, sent as `x-oss-meta-*`. */
  readonly metadata?: Readonly<Record<string, string>>
  /** @default 'Standard' */
  readonly storageClass?: StorageClass
  /** Archive restore state. @default 'none' */
  readonly restore?: RestoreStatus
  /** When a restored copy expires. @default one day after the mock's clock at put time */
  readonly restoreExpiry?: Date
  /** Publish a checksum at all: `x-oss-hash-crc64ecma`, or S3's `x-amz-checksum-*`. @default true */
  readonly crc64?: boolean
  /**
   * The full-object checksum an S3-signed request with `x-amz-checksum-mode: ENABLED` gets, as S3
   * keeps one per object: CRC-64/NVME (S3's default), or the CRC-32 / CRC-32C an AWS SDK uploaded.
   * @default 'crc64nvme'
   */
  readonly s3Checksum?: S3ChecksumAlgorithm
  /**
   * `COMPOSITE`: the checksum S3 keeps for a multipart upload made with per-part checksums, a
   * checksum of the parts' checksums whose value ends in `-<multipartParts>`. @default 'FULL_OBJECT'
   */
  readonly s3ChecksumType?: 'FULL_OBJECT' | 'COMPOSITE'
  /**
   * Stored as a multipart upload of parts of this many bytes (the last shorter): the ETag ends in
   * `-<parts>`, a request with `partNumber=N` gets that part (206, with `x-amz-mp-parts-count`), and
   * a `COMPOSITE` checksum is the real CRC of the parts' CRCs, as S3 computes it.
   */
  readonly s3PartSize?: number
  /** Store it with SSE-C: reads must send this key (and its MD5). */
  readonly sseCustomerKey?: SseCustomerKey
}

/** The checksums S3 keeps: full-object CRCs, and the SHAs of uploads made with them. */
export type S3ChecksumAlgorithm = S3CrcAlgorithm | 'sha256' | 'sha1'

/** The CRCs among {@link S3ChecksumAlgorithm}. */
export type S3CrcAlgorithm = 'crc64nvme' | 'crc32' | 'crc32c'

/** One stored object version. */
export interface StoredObject {
  readonly key: string
  readonly source: ObjectSource
  readonly etag: string
  readonly lastModified: Date
  /** CRC-64/XZ published as `x-oss-hash-crc64ecma`; undefined when no checksum is published. */
  readonly crc64: bigint | undefined
  /** Which checksum S3-signed requests get, and its type. */
  readonly s3Checksum: {
    readonly algorithm: S3ChecksumAlgorithm
    readonly type: 'FULL_OBJECT' | 'COMPOSITE'
    readonly parts: number
    /** The upload's part size, when it was stored as a multipart upload with `s3PartSize`. */
    readonly partSize: number | undefined
  }
  readonly contentType: string
  readonly metadata: Readonly<Record<string, string>>
  readonly objectType: ObjectType
  readonly storageClass: StorageClass
  readonly restore: RestoreStatus
  readonly restoreExpiry: Date
  readonly versionId: string | undefined
  readonly deleteMarker: boolean
  /** The SSE-C key reads must carry; undefined for an object stored without one. */
  readonly sseCustomerKey: SseCustomerKey | undefined
}

/** Options for a MockOss. */
export interface MockOssOptions {
  /** Seed of the fault plan's PRNG. @default 1 */
  readonly seed?: number
  /** When set, every request must be signed with these. */
  readonly credentials?: MockCredentials
  /** The server's clock in ms (presigned-URL expiry, restore expiry). @default Date.now */
  readonly now?: () => number
  /**
   * Answer every request as this store does, signed or not (an anonymous request carries nothing
   * that says which store it meant). When omitted, SigV4 requests get S3's answers and all others
   * OSS's.
   */
  readonly dialect?: StoreDialect
}

interface Bucket {
  readonly versioning: boolean
  readonly requesterPays: boolean
  readonly objects: Map<string, StoredObject[]>
}

/** An in-memory model of OSS buckets and objects, with versions, archive state and fault injection. */
export class MockOss {
  readonly #buckets = new Map<string, Bucket>()
  readonly #cnames = new Map<string, string>()
  /** When set, every request must be signed with these (SigV4, OSS V4 or OSS V1), or gets a 403. */
  credentials: MockCredentials | undefined
  /** The server's clock in ms; replace it to test expiry and clock skew. */
  now: () => number
  /** The store every request is answered as; undefined: chosen per request (SigV4 → S3, else OSS). */
  dialect: StoreDialect | undefined
  /** Faults to inject into the next matching requests. */
  readonly faults: FaultPlan
  /** Request and byte counters. */
  readonly served: ServedCounters = emptyCounters()
  #versionCounter = 0
  #requestCounter = 0

  constructor(options: MockOssOptions = {}) {
    this.faults = new FaultPlan(options.seed ?? 1)
    this.credentials = options.credentials
    this.now = options.now ?? Date.now
    this.dialect = options.dialect
  }

  /** Creates a bucket (idempotent); `requesterPays` refuses reads that do not accept the charge. */
  createBucket(
    name: string,
    options: { readonly versioning?: boolean; readonly requesterPays?: boolean } = {},
  ): void {
    if (!this.#buckets.has(name))
      this.#buckets.set(name, {
        versioning: options.versioning ?? false,
        requesterPays: options.requesterPays ?? false,
        objects: new Map(),
      })
  }

  /** True for a bucket created with `requesterPays`. */
  isRequesterPays(name: string): boolean {
    return this.#buckets.get(name)?.requesterPays === true
  }

  /** True when the bucket exists. */
  hasBucket(name: string): boolean {
    return this.#buckets.has(name)
  }

  /** The current objects of a bucket (delete markers and old versions left out), or 'no-bucket'. */
  currentObjects(bucket: string): StoredObject[] | 'no-bucket' {
    const b = this.#buckets.get(bucket)
    if (!b) return 'no-bucket'
    const out: StoredObject[] = []
    for (const versions of b.objects.values()) {
      const current = versions[versions.length - 1]
      if (current && !current.deleteMarker) out.push(current)
    }
    return out
  }

  /** Serves `bucket` on a custom domain (CNAME), e.g. `cdn.example.com` → `https://cdn.example.com/<key>`. */
  addCname(host: string, bucket: string): void {
    this.#cnames.set(host.toLowerCase(), bucket)
  }

  /** The bucket bound to a custom domain, if any. */
  cnameBucket(host: string): string | undefined {
    return this.#cnames.get(host.toLowerCase())
  }

  /** Puts (or overwrites, or adds a version of) an object; creates the bucket if needed. */
  putObject(bucket: string, key: string, init: PutObjectInit): StoredObject {
    this.createBucket(bucket)
    const b = this.#bucket(bucket)
    const source = init.bytes
      ? bytesSource(init.bytes)
      : generatedSource(init.generated?.size ?? 0, init.generated?.seed)
    const crc = sourceCrc(source)
    // Every put is a new version with a new ETag, versioned bucket or not.
    const multipartParts =
      init.multipartParts ??
      (init.s3PartSize ? Math.max(1, Math.ceil(source.size / init.s3PartSize)) : undefined)
    const n = ++this.#versionCounter
    const hex = (
      crc.toString(16).padStart(16, '0') + n.toString(16).padStart(16, '0')
    ).toUpperCase()
    const object: StoredObject = {
      key,
      source,
      etag: init.etag ?? (multipartParts ? `"${hex}-${multipartParts}"` : `"${hex}"`),
      lastModified: init.lastModified ?? new Date(Date.UTC(2026, 10, 24, 0, 0, n)),
      crc64: init.crc64 === false ? undefined : crc,
      s3Checksum: {
        algorithm: init.s3Checksum ?? 'crc64nvme',
        type: init.s3ChecksumType ?? 'FULL_OBJECT',
        parts: multipartParts ?? 1,
        partSize: init.s3PartSize,
      },
      contentType: init.contentType ?? 'application/octet-stream',
      metadata: init.metadata ?? {},
      objectType: init.objectType ?? (multipartParts ? 'Multipart' : 'Normal'),
      storageClass: init.storageClass ?? 'Standard',
      restore: init.restore ?? 'none',
      restoreExpiry: init.restoreExpiry ?? new Date(this.now() + 86_400_000),
      versionId: b.versioning ? versionIdFor(n) : undefined,
      deleteMarker: false,
      sseCustomerKey: init.sseCustomerKey,
    }
    const versions = b.objects.get(key) ?? []
    b.objects.set(key, b.versioning ? [...versions, object] : [object])
    return object
  }

  /**
   * Replaces an object with different bytes of the same size (a new ETag, Last-Modified and CRC),
   * keeping its other attributes unless `init` overrides them: "the object changed under you".
   */
  overwrite(bucket: string, key: string, init: PutObjectInit = {}): StoredObject {
    const current = this.getObject(bucket, key)
    if (current === 'no-bucket' || current === undefined || current.deleteMarker)
      throw new Error(`overwrite: ${bucket}/${key} does not exist`)
    const content =
      init.bytes || init.generated
        ? {}
        : { generated: { size: current.source.size, seed: this.#versionCounter + 1_000_003 } }
    return this.putObject(bucket, key, {
      contentType: current.contentType,
      metadata: current.metadata,
      storageClass: current.storageClass,
      restore: current.restore,
      ...content,
      ...init,
    })
  }

  /** Sets an archived object's restore state in place (a restore keeps the ETag). */
  restoreObject(bucket: string, key: string, status: RestoreStatus, expiry?: Date): void {
    const versions = this.#bucket(bucket).objects.get(key) ?? []
    const current = versions[versions.length - 1]
    if (!current) throw new Error(`restoreObject: ${bucket}/${key} does not exist`)
    versions[versions.length - 1] = {
      ...current,
      restore: status,
      restoreExpiry: expiry ?? new Date(this.now() + 86_400_000),
    }
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
    if (current) {
      versions.push({
        ...current,
        deleteMarker: true,
        versionId: versionIdFor(++this.#versionCounter),
      })
    }
  }

  /** The current version (or `versionId`, delete markers included), undefined when absent. */
  getObject(
    bucket: string,
    key: string,
    versionId?: string,
  ): StoredObject | 'no-bucket' | undefined {
    const b = this.#buckets.get(bucket)
    if (!b) return 'no-bucket'
    const versions = b.objects.get(key) ?? []
    return versionId === undefined
      ? versions[versions.length - 1]
      : versions.find((v) => v.versionId === versionId)
  }

  /** A fresh request id, as `x-oss-request-id`. */
  nextRequestId(): string {
    return `5F${(++this.#requestCounter).toString(16).toUpperCase().padStart(22, '0')}`
  }

  /** Zeroes the counters and empties the request log. */
  resetCounters(): void {
    Object.assign(this.served, emptyCounters())
  }

  #bucket(name: string): Bucket {
    const b = this.#buckets.get(name)
    if (!b) throw new Error(`no bucket ${name}`)
    return b
  }
}

/** OSS-like version ids carry `+`, `/` and `=`: a transport that forgets to encode them reads the wrong version. */
function versionIdFor(n: number): string {
  return `CAEQ${n.toString().padStart(6, '0')}+iB/gMD=`
}
