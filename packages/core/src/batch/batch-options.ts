import type { ChecksumAlgorithm } from '../crc/algorithm.ts'
import { OPTION_TABLE } from '../defaults.ts'
import type { DigestAlgorithm } from '../digest.ts'
import { OptionsError } from '../errors/options-error.ts'
import {
  type DownloadOptions,
  numeric,
  type ResolvedOptions,
  requireOptionsObject,
  resolveOptions,
} from '../options.ts'
import type { CheckpointStore, ObjectInfo, Target, Transport } from '../ports.ts'
import type { BatchEvent } from './batch-events.ts'
import type { BatchJournalStore } from './journal.ts'
import type { BatchSource, ListedObject } from './lister.ts'
import { type Shard, shardBatchId } from './shard.ts'

/** Where an object goes: its key mapped to safe relative path segments. */
export interface BatchObjectLocation {
  /** The full object key. */
  readonly key: string
  /** Safe path segments under the destination (see `safeRelativePath`). */
  readonly segments: readonly string[]
  /** `segments` joined by `/`, for messages and events. */
  readonly path: string
}

/** The file already at an object's destination. */
export interface ExistingFile {
  /** Size in bytes. */
  readonly size: number
  /** Modification time, ms since the epoch. */
  readonly modifiedMs: number
}

/** The adapters one object is downloaded with; built per object by `BatchOptions.open`. */
export interface BatchObjectIO {
  /** Reads the object. */
  readonly transport: Transport
  /**
   * Builds the Target; `overwrite` is true only when the batch decided the existing file may be
   * replaced. `singleRequest` is true when the object is fetched in one request with no part
   * checkpoint: its temporary data is then worthless once the run ends, so the store may keep it
   * somewhere private to this run (store-fs: the batch's staging directory, with no lock file).
   * It may be called more than once for one object: an object listed without a size has both
   * kinds built and opens the one its first answer calls for. Building a Target must therefore
   * not touch storage; its `open` does.
   */
  target(options: { readonly overwrite: boolean; readonly singleRequest?: boolean }): Target
  /** Where this object's part checkpoint lives; omit or `false` for none. */
  readonly checkpoint?: CheckpointStore | false
  /** Key of the part checkpoint. @default the target's id */
  readonly checkpointKey?: string
  /** The file at the destination, or undefined when there is none. */
  existing(): Promise<ExistingFile | undefined>
  /** The CRC of the file at the destination (read only for `skipExisting` and crash recovery). */
  existingChecksum(algorithm: ChecksumAlgorithm): Promise<bigint>
  /**
   * The CRCs of the file's consecutive pieces of `partSize` bytes (the last shorter): what
   * `skipExisting` compares with S3's composite checksum of a multipart upload. Without it, a file
   * is never taken for such an object.
   */
  existingPartChecksums?(algorithm: ChecksumAlgorithm, partSize: number): Promise<bigint[]>
  /**
   * The digest (lower-case hex) of the file at the destination: what `skipExisting` compares
   * when the store gives no CRC, with the MD5 or SHA it vouches for (an S3 single-part ETag, a
   * full-object SHA-256) or the digest the object was listed with. Without it such a file is
   * never taken for the object.
   */
  existingDigest?(algorithm: DigestAlgorithm): Promise<string>
  /**
   * True when a run stopped while fetching this object in parts left its state beside the path
   * (a lock, a partial file, a part checkpoint). Such an object goes through the parts path even
   * when it now fits in one request: that path resumes what the checkpoint vouches for and, once
   * the file is published, leaves none of that state behind. Asked only of objects that would go
   * whole. Without it, the batch asks `checkpoint` whether it holds anything for the object.
   */
  interrupted?(): Promise<boolean>
}

/**
 * Single-object options applied to every object of a batch (concurrency comes from the shared
 * budget; outages are judged across objects by the batch's own `outageWaitMs`; a `digest` is
 * one object's).
 */
export type BatchDownloadOptions = Omit<
  DownloadOptions,
  | 'digest'
  | 'outageWaitMs'
  | 'transport'
  | 'target'
  | 'checkpoint'
  | 'checkpointKey'
  | 'concurrency'
  | 'signal'
  | 'onEvent'
  | 'onProgress'
>

/** Everything `downloadMany` accepts. */
export interface BatchOptions {
  /** The objects: an array (or any iterable) of listed objects, or a Lister paging through a prefix. */
  readonly objects: BatchSource
  /**
   * What this batch is, e.g. `oss://bucket/datasets/ → /data` plus options that change the result.
   * A journal written for another id is taken over (`journal-inherited`): its finished objects
   * count only for the same key, path, ETag and size. The shard is appended automatically.
   */
  readonly id: string
  /** Stripped from every key to form its relative path; a key outside it is refused. @default '' */
  readonly prefix?: string
  /** Builds one object's Transport, Target and CheckpointStore (keeps core free of any runtime). */
  readonly open: (
    location: BatchObjectLocation,
    object: ListedObject,
  ) => BatchObjectIO | Promise<BatchObjectIO>
  /** Where the batch journal lives; omit or `false` for none (then a rerun resumes nothing). */
  readonly journal?: BatchJournalStore | false
  /** Requests in flight at once, objects and parts together. @default 16 */
  readonly concurrency?: number
  /** Options of the single-object engine (part size, retries, verification, …). */
  readonly download?: BatchDownloadOptions
  /** Skip an object whose destination file has its size and CRC. @default false */
  readonly skipExisting?: boolean
  /** Replace a destination file only when the object is newer or of another size; skip it otherwise. @default false */
  readonly update?: boolean
  /** Replace any existing destination file. @default false (an existing file is a per-object failure) */
  readonly overwrite?: boolean
  /** Stop at the first failed object (in-flight objects pause and keep their checkpoints). @default false */
  readonly failFast?: boolean
  /** Download only the keys of this shard: `shardOf(key, count) === index`. */
  readonly shard?: Shard
  /**
   * Download only the objects this keeps (e.g. the CLI's `--include`/`--exclude`). Like `shard`,
   * it narrows what is downloaded, not what is listed: every listed key still claims its path, so
   * a kept key that collides with a left-out one (`Report.csv` and `report.csv`, `a` and `a/b`)
   * is refused, or wins, exactly as without the filter, and two runs with different filters can
   * never put both sides of a collision on disk. Left-out objects are counted (`filtered`), not
   * reported one by one.
   */
  readonly filter?: (object: ListedObject) => boolean
  /**
   * Removes the part state (partial file, part checkpoint, stale lock) that an earlier, killed or
   * paused run of this batch left for objects this run did not list at all (deleted from the
   * store, or gone from the manifest since), and returns their paths. Called once, only after a
   * run that went through its whole listing (not stopped by `failFast`, a listing failure or a
   * pause), with `listed`, true for the path of every key listed in this run: those of other
   * shards and those `filter` left out too, which did not leave the listing. The store removes
   * only state it knows this batch created, and never state whose lock a live process holds.
   * Reported by an `unlisted-removed` event and `summary.removedUnlisted`.
   */
  readonly removeUnlisted?: (listed: (path: string) => boolean) => Promise<readonly string[]>
  /** Keep the journal after a batch with no failure (a rerun is then a no-op). @default false */
  readonly keepJournal?: boolean
  /** Aborting pauses the batch: in-flight objects keep their checkpoints, the journal stays. */
  readonly signal?: AbortSignal
  /** Called for every batch event. */
  readonly onEvent?: (event: BatchEvent) => void
  /** Minimum interval between progress events. @default 250 */
  readonly progressIntervalMs?: number
  /**
   * Bandwidth cap on the whole batch, bytes per second: one RateLimiter shared by every object
   * (`download.maxBytesPerSecond` caps each object on its own instead). @default unlimited
   */
  readonly maxBytesPerSecond?: number
  /**
   * How long the objects of a store that stopped answering (no connection, no answer in time,
   * twice in a row with no answer in between) wait for it, in ms: they are put aside instead of
   * failed, one is tried now and then, and the first answer lets them all run again. After the
   * wait, they fail, and objects of that store listed later fail without a request. A store that
   * never answered in this run is given up at once. 0 gives up at once. @default 300000 (5 min)
   */
  readonly outageWaitMs?: number
}

/** How long a batch waits for a store that stopped answering, by default: 5 minutes. */
export const DEFAULT_OUTAGE_WAIT_MS: number = OPTION_TABLE.outageWaitMs.default

/** BatchOptions checked, with defaults applied. */
export interface ResolvedBatchOptions {
  readonly options: BatchOptions
  readonly id: string
  readonly prefix: string
  readonly concurrency: number
  readonly journal: BatchJournalStore | undefined
  readonly engine: ResolvedOptions
  readonly progressIntervalMs: number
  readonly maxBytesPerSecond: number | undefined
  readonly outageWaitMs: number
}

const VALIDATION_TRANSPORT: Transport = {
  id: 'validation',
  stat: () => Promise.reject(new Error('unused')) as Promise<ObjectInfo>,
  read: () => Promise.reject(new Error('unused')),
}
const VALIDATION_TARGET: Target = {
  id: 'validation',
  open: () => Promise.reject(new Error('unused')),
  write: () => Promise.reject(new Error('unused')),
  read: () => Promise.reject(new Error('unused')),
  sync: () => Promise.reject(new Error('unused')),
  commit: () => Promise.reject(new Error('unused')),
  abort: () => Promise.reject(new Error('unused')),
}

/** Validates a batch's options before anything is listed or touched; throws OptionsError. */
export function resolveBatchOptions(options: BatchOptions): ResolvedBatchOptions {
  requireOptionsObject(options)
  if (typeof options.id !== 'string' || options.id === '')
    throw new OptionsError('id', 'must be a non-empty string naming the batch')
  if (typeof options.open !== 'function')
    throw new OptionsError('open', 'expected a function building each object’s adapters')
  const source = options.objects as unknown
  const iterable =
    typeof source === 'object' &&
    source !== null &&
    (typeof (source as { list?: unknown }).list === 'function' ||
      Symbol.iterator in source ||
      Symbol.asyncIterator in source)
  if (!iterable) throw new OptionsError('objects', 'expected an array, an iterable or a Lister')
  const prefix = options.prefix ?? ''
  if (typeof prefix !== 'string') throw new OptionsError('prefix', 'must be a string')
  if (options.removeUnlisted !== undefined && typeof options.removeUnlisted !== 'function')
    throw new OptionsError('removeUnlisted', 'expected a function')
  if (options.filter !== undefined && typeof options.filter !== 'function')
    throw new OptionsError('filter', 'expected a function of a listed object returning a boolean')
  const concurrency = options.concurrency ?? 16
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 1024)
    throw new OptionsError(
      'concurrency',
      `must be an integer from 1 to 1024, got ${String(concurrency)}`,
    )
  const progressIntervalMs = options.progressIntervalMs ?? 250
  if (!Number.isSafeInteger(progressIntervalMs) || progressIntervalMs < 0)
    throw new OptionsError('progressIntervalMs', 'must be a non-negative integer')
  // The same option and range as a single download's; its objects' own downloads wait for nothing.
  const outageWaitMs = numeric(options, 'outageWaitMs')
  // The same rule as a download's own cap: the batch's is that cap shared by every object.
  const maxBytesPerSecond = numeric(options, 'maxBytesPerSecond')
  let id = options.id
  if (options.shard !== undefined) {
    const { index, count } = options.shard
    if (!Number.isSafeInteger(count) || count < 1)
      throw new OptionsError('shard', `count must be a positive integer, got ${String(count)}`)
    if (!Number.isSafeInteger(index) || index < 0 || index >= count)
      throw new OptionsError('shard', `index must be from 0 to ${count - 1}, got ${String(index)}`)
    id = shardBatchId(id, options.shard)
  }
  const journal = options.journal === false ? undefined : options.journal
  if (
    journal !== undefined &&
    (typeof journal.load !== 'function' || typeof journal.append !== 'function')
  )
    throw new OptionsError(
      'journal',
      'expected a BatchJournalStore with load(), append(), save() and remove()',
    )
  // The single-object options are checked once, here, rather than failing every object alike.
  const engine = resolveOptions({
    ...options.download,
    transport: VALIDATION_TRANSPORT,
    target: VALIDATION_TARGET,
    concurrency,
  })
  return {
    options,
    id,
    prefix,
    concurrency,
    journal,
    engine,
    progressIntervalMs,
    maxBytesPerSecond,
    outageWaitMs,
  }
}

/** Part workers an object may run: one per part the engine will plan, at most the whole budget. */
export function slotsFor(size: number | undefined, resolved: ResolvedBatchOptions): number {
  const { engine, concurrency } = resolved
  // An unknown size (a manifest line without one) gets a share that suits a large object.
  if (size === undefined) return Math.min(8, concurrency)
  if (size <= engine.singleRequestThreshold) return 1
  return Math.max(1, Math.min(concurrency, Math.ceil(size / engine.partSize)))
}
