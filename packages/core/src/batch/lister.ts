import type { ExpectedDigest } from '../digest.ts'

/** One object a listing returned (ListObjectsV2 `Contents`, or a manifest line). */
export interface ListedObject {
  /** The full object key, exactly as the store spells it (decoded when the listing was url-encoded). */
  readonly key: string
  /** Size in bytes; undefined when a manifest did not say (then the engine learns it from `stat`). */
  readonly size?: number
  /** ETag as listed (quotes included). */
  readonly etag?: string
  /** Last-Modified as listed (ISO 8601 in ListObjectsV2, or an HTTP date). */
  readonly lastModified?: string
  /** Storage class as listed (`Standard`, `IA`, `Archive`, `GLACIER`, …). */
  readonly storageClass?: string
  /**
   * A digest the object must have (a manifest's `sha256` column): checked before the commit, as
   * the `digest` download option is. Listings give none.
   */
  readonly digest?: ExpectedDigest
  /**
   * Which store or server answers for the object, when a batch reads from several (a manifest's
   * lines: a URL's origin, a bucket): objects of one origin share the judgement that their store
   * stopped answering (`BatchOptions.outageWaitMs`). Undefined: the batch's one store. Never a
   * credential: it is reported in events.
   */
  readonly origin?: string
}

/** Lists the objects of a batch, page by page; a Transport package implements it with ListObjectsV2. */
export interface Lister {
  /** Yields every object once, in the store's order (lexicographic by key for OSS and S3). */
  list(options?: { readonly signal?: AbortSignal }): AsyncIterable<ListedObject>
}

/** What a batch downloads: a fixed list of objects, or a Lister that pages through a prefix. */
export type BatchSource = Iterable<ListedObject> | AsyncIterable<ListedObject> | Lister

/** Iterates any BatchSource. */
export function iterateSource(
  source: BatchSource,
  signal: AbortSignal,
): Iterable<ListedObject> | AsyncIterable<ListedObject> {
  if (typeof (source as Lister).list === 'function') return (source as Lister).list({ signal })
  return source as Iterable<ListedObject> | AsyncIterable<ListedObject>
}
