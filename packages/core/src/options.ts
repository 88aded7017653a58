import { OptionsError } from './errors/options-error.ts'
import type { DownloadEvent, DownloadProgress } from './events.ts'
import { DEFAULT_MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE } from './plan.ts'
import type { CheckpointStore, Target, Transport } from './ports.ts'

/** What to do when the remote object changes during a download. */
export type ObjectChangedPolicy = 'restart' | 'fail'

/** Everything `download` accepts. Sizes are bytes, durations milliseconds. */
export interface DownloadOptions {
  /** Reads the remote object. */
  readonly transport: Transport
  /** Receives the bytes and publishes the destination. */
  readonly target: Target
  /** Persists progress so a later run resumes; omit or `false` for no checkpoint. */
  readonly checkpoint?: CheckpointStore | false
  /** Key under which the checkpoint is stored. @default target.id */
  readonly checkpointKey?: string
  /** Bytes per ranged part, 100 KB–5 GiB; raised automatically to keep at most `maxParts`. @default 8 MiB */
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
  /** Compare the combined CRC-64 with the store's before committing. @default true */
  readonly verify?: boolean
  /** On resume, read back the parts the checkpoint claims and re-fetch any whose CRC-64 differs. @default false */
  readonly recheckResumedParts?: boolean
  /** Restart (bounded by `maxRestarts`) or fail when the object changes mid-download. @default 'restart' */
  readonly onObjectChanged?: ObjectChangedPolicy
  /** Restarts allowed because the object changed. @default 2 */
  readonly maxRestarts?: number
  /** Client-side bandwidth cap across all parts, bytes per second. @default unlimited */
  readonly maxBytesPerSecond?: number
  /** Minimum interval between progress reports. @default 250 */
  readonly progressIntervalMs?: number
  /** Aborting pauses the download: in-flight bytes are made durable and the checkpoint kept. */
  readonly signal?: AbortSignal
  /** Called with progress at most every `progressIntervalMs`, and once at the end. */
  readonly onProgress?: (progress: DownloadProgress) => void
  /** Called for every engine event (start, resumed, retry, checkpoint discarded, done, …). */
  readonly onEvent?: (event: DownloadEvent) => void
  /** Source of randomness for backoff jitter (tests make it deterministic). @default Math.random */
  readonly random?: () => number
}

/** DownloadOptions with defaults applied and every value checked. */
export interface ResolvedOptions {
  readonly transport: Transport
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
  readonly onObjectChanged: ObjectChangedPolicy
  readonly maxRestarts: number
  readonly maxBytesPerSecond: number | undefined
  readonly progressIntervalMs: number
  readonly signal: AbortSignal | undefined
  readonly onProgress: ((progress: DownloadProgress) => void) | undefined
  readonly onEvent: ((event: DownloadEvent) => void) | undefined
  readonly random: () => number
}

const MIB = 1024 * 1024

/** Applies defaults and validates; throws OptionsError before anything is touched. */
export function resolveOptions(options: DownloadOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new OptionsError('options', 'expected an object')
  }
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
    (typeof checkpoint.save !== 'function' || typeof checkpoint.load !== 'function')
  ) {
    throw new OptionsError(
      'checkpoint',
      'expected a CheckpointStore with load(), save() and remove()',
    )
  }
  const partSize = integer('partSize', options.partSize, 8 * MIB, MIN_PART_SIZE, MAX_PART_SIZE)
  const retryBaseDelayMs = integer('retryBaseDelayMs', options.retryBaseDelayMs, 200, 0, 3_600_000)
  const checkpointKey = options.checkpointKey ?? target.id
  if (typeof checkpointKey !== 'string' || checkpointKey === '') {
    throw new OptionsError('checkpointKey', 'must be a non-empty string (or give the target an id)')
  }
  const maxBytesPerSecond =
    options.maxBytesPerSecond === undefined
      ? undefined
      : integer('maxBytesPerSecond', options.maxBytesPerSecond, 0, 1, Number.MAX_SAFE_INTEGER)
  const onObjectChanged = options.onObjectChanged ?? 'restart'
  if (onObjectChanged !== 'restart' && onObjectChanged !== 'fail') {
    throw new OptionsError(
      'onObjectChanged',
      `must be 'restart' or 'fail', got ${String(onObjectChanged)}`,
    )
  }
  return {
    transport,
    target,
    checkpoint,
    checkpointKey,
    partSize,
    concurrency: integer('concurrency', options.concurrency, 8, 1, 1024),
    singleRequestThreshold: integer(
      'singleRequestThreshold',
      options.singleRequestThreshold,
      partSize,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    maxParts: integer('maxParts', options.maxParts, DEFAULT_MAX_PARTS, 1, 1_000_000),
    retries: integer('retries', options.retries, 5, 0, 1000),
    retryBaseDelayMs,
    retryMaxDelayMs: integer(
      'retryMaxDelayMs',
      options.retryMaxDelayMs,
      Math.max(20_000, retryBaseDelayMs),
      retryBaseDelayMs,
      3_600_000,
    ),
    stallTimeoutMs: integer('stallTimeoutMs', options.stallTimeoutMs, 30_000, 1, 3_600_000),
    checkpointIntervalMs: integer(
      'checkpointIntervalMs',
      options.checkpointIntervalMs,
      1000,
      1,
      3_600_000,
    ),
    writeBufferSize: integer('writeBufferSize', options.writeBufferSize, MIB, 1, 256 * MIB),
    verify: options.verify ?? true,
    recheckResumedParts: options.recheckResumedParts ?? false,
    onObjectChanged,
    maxRestarts: integer('maxRestarts', options.maxRestarts, 2, 0, 100),
    maxBytesPerSecond,
    progressIntervalMs: integer(
      'progressIntervalMs',
      options.progressIntervalMs,
      250,
      0,
      3_600_000,
    ),
    signal: options.signal,
    onProgress: options.onProgress,
    onEvent: options.onEvent,
    random: options.random ?? Math.random,
  }
}

function integer(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new OptionsError(name, `must be an integer, got ${String(value)}`)
  }
  if (value < min || value > max) {
    throw new OptionsError(name, `must be between ${min} and ${max}, got ${value}`)
  }
  return value
}
