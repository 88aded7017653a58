import { type ByteRange, checkByteRange, rangeTransport } from './byte-range.ts'
import {
  CHOICE_TABLE,
  type NumericOption,
  type NumericOptionSpec,
  OPTION_TABLE,
  type OptionTable,
} from './defaults.ts'
import { checkDigestOption, type ExpectedDigest } from './digest.ts'
import { OptionsError } from './errors/options-error.ts'
import type { DownloadEvent, DownloadProgress } from './events.ts'
import type { CheckpointStore, ChecksumThread, Target, Transport } from './ports.ts'
import type { ByteLimit } from './rate-limiter.ts'
import type { PartSlots } from './slot-pool.ts'

/** What to do when the remote object changes during a download. */
export type ObjectChangedPolicy = 'restart' | 'fail'

/** Everything `download` accepts. Sizes are bytes, durations milliseconds. */
export interface DownloadOptions {
  /** Reads the remote object. */
  readonly transport: Transport
  /** Receives the bytes and publishes the destination. */
  readonly target: Target
  /**
   * Download only bytes `start`..`end` (inclusive; `end` omitted: to the end of the object). The
   * range is part of the checkpoint's identity. The store's whole-object CRC cannot be checked
   * against a range: the byte count and If-Match on the ETag are (see `verification`).
   * @default the whole object
   */
  readonly range?: ByteRange
  /** Persists progress so a later run resumes; omit or `false` for no checkpoint. */
  readonly checkpoint?: CheckpointStore | false
  /** Key under which the checkpoint is stored. @default target.id */
  readonly checkpointKey?: string
  /** Bytes per ranged part, 100 KiB–5 GiB; raised automatically to keep at most `maxParts`. @default 8 MiB */
  readonly partSize?: number
  /** Parts fetched at once. @default 8 */
  readonly concurrency?: number
  /** Objects up to this size are fetched with a single request. @default partSize */
  readonly singleRequestThreshold?: number
  /** Ceiling on the part count. @default 10000 */
  readonly maxParts?: number
  /** Consecutive failed attempts without progress a part (or stat) may make before the download fails. @default 5 */
  readonly retries?: number
  /** Base of the exponential backoff. @default 200 */
  readonly retryBaseDelayMs?: number
  /** Cap of the exponential backoff (Retry-After may ask for longer). @default 20000 */
  readonly retryMaxDelayMs?: number
  /** A request that delivers no byte for this long is aborted and retried. @default 30000 */
  readonly stallTimeoutMs?: number
  /** How often durable progress is checkpointed (group commit). @default 1000 */
  readonly checkpointIntervalMs?: number
  /** Bytes buffered per part before one positional write. @default 1 MiB */
  readonly writeBufferSize?: number
  /** Compare the combined CRC with the store's before committing. @default true */
  readonly verify?: boolean
  /** On resume, read back the parts the checkpoint claims and re-fetch any whose CRC differs. @default false */
  readonly recheckResumedParts?: boolean
  /**
   * A digest the caller knows the object has (a published `SHA256SUMS` line): the finished bytes
   * are hashed before the commit, whatever `verify` says, and a mismatch throws IntegrityError
   * with nothing published. MD5 works with any readable Target; SHA-1, SHA-256 and SHA-512 need
   * one with `digest` (store-fs's `FileTarget`, store-memory's `MemoryTarget`). @default none
   */
  readonly digest?: ExpectedDigest
  /** Restart (bounded by `maxRestarts`) or fail when the object changes mid-download. @default 'restart' */
  readonly onObjectChanged?: ObjectChangedPolicy
  /** Restarts allowed because the object changed. @default 2 */
  readonly maxRestarts?: number
  /** Client-side bandwidth cap across all parts, bytes per second. @default unlimited */
  readonly maxBytesPerSecond?: number
  /**
   * A limiter shared with other downloads, capping their sum (with `maxBytesPerSecond` too, both
   * apply). @default none
   */
  readonly rateLimiter?: ByteLimit
  /**
   * A budget of part requests shared with other downloads (a `SlotPool`): each part worker holds
   * one slot while it works, so `concurrency` is this download's most and the pool caps the sum.
   * A worker waits for its slot before its request starts (never counted as a stall) and gives
   * it back when no part is left for it. The stat request takes none. @default none
   */
  readonly slots?: PartSlots
  /**
   * Where the CRC-64 of chunks in shared memory is computed instead of the engine's own thread, as
   * they arrive (a `ChecksumThread`, such as store-fs's `crcThread()`): on Node's socket wire the
   * main thread otherwise reads every socket and hashes every byte. @default none: inline
   */
  readonly checksumThread?: ChecksumThread
  /**
   * How long a store that stopped answering is waited for, in ms. When an attempt gets no answer
   * (no connection, nothing in time, after its `retries`) and a probe right after gets none
   * either, the store is asked now and then, with backoff up to 30 s, and the download resumes
   * from its checkpoint at the first answer; after the wait it fails. A store that never answered
   * in this run is not waited for, nor is one when there is no checkpoint store. 0 fails at once.
   * @default 300000 */
  readonly outageWaitMs?: number
  /** Minimum interval between progress reports. @default 250 */
  readonly progressIntervalMs?: number
  /** Aborting pauses the download: in-flight bytes are made durable and the checkpoint kept. */
  readonly signal?: AbortSignal
  /** Called with progress at most every `progressIntervalMs`, and once at the end. */
  readonly onProgress?: (progress: DownloadProgress) => void
  /** Called for every engine event (`start`, `checkpoint-discarded`, `retry`, `checkpoint-saved`, `verified`, `paused`, …: `DownloadEvent`). */
  readonly onEvent?: (event: DownloadEvent) => void
  /** Source of randomness for backoff jitter (tests make it deterministic). @default Math.random */
  readonly random?: () => number
}

/** DownloadOptions with defaults applied and every value checked. */
export interface ResolvedOptions {
  /** The caller's transport, or a view of its `range` when one was asked for. */
  readonly transport: Transport
  readonly range: ByteRange | undefined
  readonly target: Target
  readonly checkpoint: CheckpointStore | undefined
  readonly checkpointKey: string
  readonly partSize: number
  readonly concurrency: number
  readonly singleRequestThreshold: number
  readonly maxParts: number
  readonly retries: number
  readonly retryBaseDelayMs: number
  readonly retryMaxDelayMs: number
  readonly stallTimeoutMs: number
  readonly checkpointIntervalMs: number
  readonly writeBufferSize: number
  readonly verify: boolean
  readonly recheckResumedParts: boolean
  /** With its value in lower case. */
  readonly digest: ExpectedDigest | undefined
  readonly onObjectChanged: ObjectChangedPolicy
  readonly maxRestarts: number
  readonly maxBytesPerSecond: number | undefined
  readonly rateLimiter: ByteLimit | undefined
  readonly slots: PartSlots | undefined
  readonly checksumThread: ChecksumThread | undefined
  readonly outageWaitMs: number
  readonly progressIntervalMs: number
  readonly signal: AbortSignal | undefined
  readonly onProgress: ((progress: DownloadProgress) => void) | undefined
  readonly onEvent: ((event: DownloadEvent) => void) | undefined
  readonly random: () => number
}

/** The options that pace a request's attempts, as a download resolves them. */
export type RetryOptions = Pick<
  ResolvedOptions,
  'retries' | 'retryBaseDelayMs' | 'retryMaxDelayMs' | 'stallTimeoutMs' | 'random'
>

/** `retries`, the backoff's base and cap, the stall deadline and `random`, defaulted and checked. */
export function resolveRetryOptions(
  options: Pick<
    DownloadOptions,
    'retries' | 'retryBaseDelayMs' | 'retryMaxDelayMs' | 'stallTimeoutMs' | 'random'
  >,
): RetryOptions {
  const retryBaseDelayMs = numeric(options, 'retryBaseDelayMs')
  return {
    retries: numeric(options, 'retries'),
    retryBaseDelayMs,
    // The cap can never be below the base, whatever the table's floor says.
    retryMaxDelayMs: numeric(options, 'retryMaxDelayMs', {
      fallback: Math.max(OPTION_TABLE.retryMaxDelayMs.default, retryBaseDelayMs),
      min: retryBaseDelayMs,
    }),
    stallTimeoutMs: numeric(options, 'stallTimeoutMs'),
    random: options.random ?? Math.random,
  }
}

/** Refuses a missing options object: an untyped caller gets an OptionsError, not a TypeError. */
export function requireOptionsObject(options: unknown): void {
  if (typeof options !== 'object' || options === null)
    throw new OptionsError('options', 'expected an object')
}

/** Applies defaults from `OPTION_TABLE` and validates; throws OptionsError before anything is touched. */
export function resolveOptions(options: DownloadOptions): ResolvedOptions {
  requireOptionsObject(options)
  const { transport, target } = options
  if (!transport || typeof transport.stat !== 'function' || typeof transport.read !== 'function') {
    throw new OptionsError('transport', 'expected a Transport with stat() and read()')
  }
  if (!target || typeof target.open !== 'function' || typeof target.write !== 'function') {
    throw new OptionsError('target', 'expected a Target with open(), write(), sync() and commit()')
  }
  const checkpoint = options.checkpoint === false ? undefined : options.checkpoint
  if (
    checkpoint !== undefined &&
    (typeof checkpoint?.save !== 'function' || typeof checkpoint.load !== 'function')
  ) {
    throw new OptionsError(
      'checkpoint',
      'expected a CheckpointStore with load(), save() and remove() (or false for none)',
    )
  }
  const checkpointKey = options.checkpointKey ?? target.id
  if (typeof checkpointKey !== 'string' || checkpointKey === '') {
    throw new OptionsError('checkpointKey', 'must be a non-empty string (or give the target an id)')
  }
  const onObjectChanged = options.onObjectChanged ?? CHOICE_TABLE.onObjectChanged.default
  if (!CHOICE_TABLE.onObjectChanged.choices.includes(onObjectChanged)) {
    throw new OptionsError(
      'onObjectChanged',
      `must be 'restart' or 'fail', got ${String(onObjectChanged)}`,
      { received: onObjectChanged },
    )
  }
  const partSize = numeric(options, 'partSize')
  const range = options.range === undefined ? undefined : checkByteRange(options.range)
  return {
    transport: range ? rangeTransport(transport, range) : transport,
    range,
    target,
    checkpoint,
    checkpointKey,
    partSize,
    concurrency: numeric(options, 'concurrency'),
    singleRequestThreshold: numeric(options, 'singleRequestThreshold', { fallback: partSize }),
    maxParts: numeric(options, 'maxParts'),
    ...resolveRetryOptions(options),
    checkpointIntervalMs: numeric(options, 'checkpointIntervalMs'),
    writeBufferSize: numeric(options, 'writeBufferSize'),
    verify: flag('verify', options.verify) ?? CHOICE_TABLE.verify.default,
    recheckResumedParts:
      flag('recheckResumedParts', options.recheckResumedParts) ??
      CHOICE_TABLE.recheckResumedParts.default,
    digest: options.digest === undefined ? undefined : checkDigestOption(options.digest, target),
    onObjectChanged,
    maxRestarts: numeric(options, 'maxRestarts'),
    maxBytesPerSecond: numeric(options, 'maxBytesPerSecond'),
    rateLimiter: checkSliceBytes(
      portOption<ByteLimit>(
        'rateLimiter',
        options.rateLimiter,
        'take',
        'a RateLimiter (an object with take(bytes, signal))',
      ),
    ),
    slots: portOption<PartSlots>(
      'slots',
      options.slots,
      'acquire',
      'a SlotPool (an object with acquire(signal))',
    ),
    checksumThread: portOption<ChecksumThread>(
      'checksumThread',
      options.checksumThread,
      'begin',
      'a ChecksumThread (an object with begin(algorithm, previous))',
    ),
    outageWaitMs: numeric(options, 'outageWaitMs'),
    progressIntervalMs: numeric(options, 'progressIntervalMs'),
    signal: abortSignal(options.signal),
    onProgress: listener('onProgress', options.onProgress),
    onEvent: listener('onEvent', options.onEvent),
  }
}

/**
 * A yes-or-no option: a boolean or undefined. From JavaScript `'false'` would otherwise count as
 * true, and turn verification on where it was meant off.
 */
function flag(name: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value
  throw new OptionsError(
    name,
    `must be true or false, got ${JSON.stringify(value) ?? String(value)}`,
  )
}

/** A listener option: a function or undefined (else it would fail at the first event, mid-download). */
export function listener<T>(name: string, value: T): T {
  if (value === undefined || typeof value === 'function') return value
  throw new OptionsError(name, `must be a function, got ${typeof value}`)
}

/** The `signal` option: an AbortSignal (anything with `aborted` and `addEventListener`) or undefined. */
function abortSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined
  const signal = value as Partial<AbortSignal> | null
  if (typeof signal?.aborted === 'boolean' && typeof signal.addEventListener === 'function')
    return value as AbortSignal
  throw new OptionsError('signal', 'must be an AbortSignal (from an AbortController)')
}

type Defaulted<K extends NumericOption> = OptionTable[K]['default'] extends number
  ? number
  : number | undefined

/** Reads option `name`, falling back to the table's default, and checks it against the table's range. */
export function numeric<K extends NumericOption>(
  options: Pick<DownloadOptions, K>,
  name: K,
  override: { readonly fallback?: number; readonly min?: number } = {},
): Defaulted<K> {
  const spec: NumericOptionSpec = OPTION_TABLE[name]
  const value = options[name]
  if (value === undefined) return (override.fallback ?? spec.default) as Defaulted<K>
  const min = override.min ?? spec.min
  const range = { min, max: spec.max, received: value, unit: spec.unit }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new OptionsError(name, `must be an integer, got ${String(value)}`, range)
  }
  if (value < min || value > spec.max) {
    throw new OptionsError(name, `must be between ${min} and ${spec.max}, got ${value}`, range)
  }
  return value
}

/** An object given for a port of the engine: undefined, or anything with `method`. */
function portOption<T>(name: string, value: unknown, method: string, what: string): T | undefined {
  if (value === undefined) return undefined
  if (typeof (value as Record<string, unknown> | null)?.[method] === 'function') return value as T
  throw new OptionsError(name, `must be ${what}`)
}

/**
 * A limiter's `sliceBytes`, when it has one, is a whole number of bytes of at least 1: the
 * download steps through each chunk by it (0 would never advance, NaN would drop the chunk).
 */
function checkSliceBytes(limiter: ByteLimit | undefined): ByteLimit | undefined {
  const slice = limiter?.sliceBytes
  if (slice !== undefined && !(Number.isSafeInteger(slice) && slice >= 1))
    throw new OptionsError(
      'rateLimiter',
      `sliceBytes must be a whole number of bytes of at least 1, got ${String(slice)}`,
    )
  return limiter
}
