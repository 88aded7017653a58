import { RANGE_VERIFICATION } from './byte-range.ts'
import { CheckpointWriter } from './checkpoint/checkpoint-writer.ts'
import { loadCheckpoint } from './checkpoint/load-checkpoint.ts'
import { recheckParts } from './checkpoint/recheck-parts.ts'
import { TransferState } from './checkpoint/transfer-state.ts'
import type { ChecksumAlgorithm } from './crc/algorithm.ts'
import { bytesLeftToHash, provenByStore, storeDigest, verifyDigest } from './digest.ts'
import { AbortedError } from './errors/aborted-error.ts'
import { IntegrityError } from './errors/integrity-error.ts'
import { ObjectChangedError } from './errors/object-changed-error.ts'
import { OptionsError } from './errors/options-error.ts'
import type { TransportError } from './errors/transport-error.ts'
import type { DownloadEvent } from './events.ts'
import { startHashingAhead } from './hash-ahead.ts'
import { type LinkedSignal, linkedSignal } from './linked-signal.ts'
import type { ResolvedOptions } from './options.ts'
import { mayWaitOut, OutageWait } from './outage-wait.ts'
import { type PartPlan, partRange, planParts, singlePartPlan, uploadPartsPlan } from './plan.ts'
import type { ObjectInfo, Target, TargetCommitOptions } from './ports.ts'
import { ProgressMeter } from './progress-meter.ts'
import { type ByteLimit, bothLimits, RateLimiter } from './rate-limiter.ts'
import type { DownloadResult } from './result.ts'
import type { RetryScope } from './retry.ts'
import type { RunContext, RunCounters } from './run-context.ts'
import { runParts } from './run-parts.ts'
import {
  isRangeIgnored,
  type PlanSwitchReason,
  SEQUENTIAL_RESUME_NOTE,
  type SequentialReason,
  UNKNOWN_LENGTH,
} from './sequential.ts'
import { statWithRetry } from './stat-with-retry.ts'
import {
  type Verification,
  verifyCompositeByReadBack,
  verifyMd5,
  verifyObject,
  verifyParts,
} from './verify.ts'

/**
 * The resume algorithm, in one place. The numbered comments are the steps of the core README's
 * "How a download runs", each naming the file that does it:
 * stat → checkpoint → recheck → plan → parts (with retry and checkpoints) → verify → commit.
 * `signal` aborts with an AbortedError whose kind says pause or cancel.
 */
export async function runDownload(
  options: ResolvedOptions,
  signal: AbortSignal,
): Promise<DownloadResult> {
  const startedAt = Date.now()
  const counters: RunCounters = { fetchedBytes: 0, retries: 0, retriesByKind: {}, inFlight: 0 }
  const emit = (event: DownloadEvent): void => options.onEvent?.(event)
  const own = options.maxBytesPerSecond ? new RateLimiter(options.maxBytesPerSecond) : undefined
  const limiter = bothLimits(own, options.rateLimiter)
  const mode: AttemptMode = {
    sequential: false,
    discardedBytes: 0,
    switched: undefined,
    answered: false,
    durableBytes: 0,
    earlierRunBytes: undefined,
  }
  const outage = new OutageWait()
  // An attempt after an outage runs on a signal of its own, unlinked when it ends: each attempt's
  // stat leaves a listener on the signal it is given, and outages may be many.
  let afterOutage: LinkedSignal | undefined
  let switches = 0
  try {
    for (let restarts = 0; ; ) {
      const attemptSignal = afterOutage?.signal ?? signal
      try {
        return await attempt(
          options,
          attemptSignal,
          counters,
          emit,
          limiter,
          startedAt,
          restarts,
          mode,
        )
      } catch (error) {
        afterOutage?.unlink()
        afterOutage = undefined
        const waits = mayWaitOut(error, mode.answered, options)
        if (signal.aborted) {
          // Paused or cancelled as the store stopped answering: no wait comes, so the claim the
          // attempt kept for it is let go.
          if (waits) await options.target.abort({ keep: true }).catch(() => undefined)
          throw error
        }
        // 9. The store stopped answering: wait for it, the destination still claimed (the attempt
        //    closed its target with `reopen`), then resume from the checkpoint (outage-wait.ts).
        if (waits) {
          if (await waitOut(outage, error, mode, { options, counters, emit, signal })) {
            afterOutage = linkedSignal(signal)
            // The failed request is asked again, by the next attempt: a retry like any other.
            counters.retries++
            counters.retriesByKind[error.kind] = (counters.retriesByKind[error.kind] ?? 0) + 1
            continue
          }
          throw error
        }
        // 9. The server ignored Range: one sequential stream from byte 0, never the same refusal
        //    again (sequential.ts). Bounded, since a drop mid-stream can only resume from 0 too.
        if (isRangeIgnored(error) && switches < Math.max(1, options.retries)) {
          switches++
          counters.retries++
          counters.retriesByKind['range-ignored'] =
            (counters.retriesByKind['range-ignored'] ?? 0) + 1
          // Said by the next attempt, with its plan, in place of its `start` (one per download).
          mode.switched = 'range-ignored'
          mode.sequential = true
          continue
        }
        // 9. Object changed: start over (bounded by maxRestarts) or fail; never mix two versions.
        if (!(error instanceof ObjectChangedError)) throw error
        if (options.onObjectChanged === 'fail' || restarts >= options.maxRestarts) throw error
        restarts++
        // A changed object is a new download: its attempt says `start`, not a pending switch.
        mode.switched = undefined
        emit({ type: 'restart', reason: error.message, restarts })
      }
    }
  } finally {
    afterOutage?.unlink()
  }
}

/**
 * Waits out an outage after an attempt that left its target claimed; true when the next attempt
 * should run. Otherwise (given up, paused, cancelled) the claim is let go, and a pause during
 * the wait is reported as one during an attempt is.
 */
async function waitOut(
  outage: OutageWait,
  error: TransportError,
  mode: AttemptMode,
  scope: RetryScope,
): Promise<boolean> {
  const release = () => scope.options.target.abort({ keep: true }).catch(() => undefined)
  try {
    if (await outage.waitOut(error, mode.durableBytes, scope)) return true
  } catch (stopped) {
    await release()
    if (stopped instanceof AbortedError && stopped.kind === 'paused')
      scope.emit({ type: 'paused', durableBytes: mode.durableBytes })
    throw stopped
  }
  await release()
  return false
}

/** How the next attempt must run, as learned by the ones before it. */
interface AttemptMode {
  /** One part, one stream: the server ignores Range. */
  sequential: boolean
  /** Bytes the last attempt threw away (reported in the `plan-switched` event). */
  discardedBytes: number
  /** Why the next attempt runs one stream after a `start` was said: it says `plan-switched`, not `start`. */
  switched: PlanSwitchReason | undefined
  /** The store answered a stat of this run: a later silence is an outage, not a wrong endpoint. */
  answered: boolean
  /** Bytes the checkpoint held when the last attempt failed. */
  durableBytes: number
  /**
   * Bytes of an earlier run's checkpoint this run still builds on (undefined before the first
   * attempt): a later attempt's checkpoint also holds what this run fetched, which is not resumed.
   */
  earlierRunBytes: number | undefined
}

function sequentialEvent(reason: SequentialReason): DownloadEvent {
  const why =
    reason === 'unknown-size'
      ? 'the server did not say how long the object is (no Content-Length), so only the end of the stream will mark it complete'
      : 'the server does not serve byte ranges (Accept-Ranges: none)'
  return {
    type: 'sequential',
    reason,
    discardedBytes: 0,
    message: `${why}: downloading as one sequential stream from byte 0; ${SEQUENTIAL_RESUME_NOTE}`,
  }
}

/** The switch of a started download to one stream, with the plan it runs from now on. */
function planSwitchedEvent(
  reason: PlanSwitchReason,
  discardedBytes: number,
  plan: PartPlan,
): DownloadEvent {
  const dropped =
    discardedBytes > 0 ? `; the ${discardedBytes} bytes received so far are discarded` : ''
  return {
    type: 'plan-switched',
    reason,
    discardedBytes,
    // Nothing is kept: continuing at an offset needs a Range, which this server ignores.
    keptBytes: 0,
    partSize: plan.partSize,
    partCount: plan.partCount,
    message: `the server ignored Range (it answered a ranged GET with 200 and the whole object): downloading as one sequential stream from byte 0${dropped}; ${SEQUENTIAL_RESUME_NOTE}`,
  }
}

async function attempt(
  options: ResolvedOptions,
  signal: AbortSignal,
  counters: RunCounters,
  emit: (event: DownloadEvent) => void,
  limiter: ByteLimit | undefined,
  startedAt: number,
  restarts: number,
  mode: AttemptMode,
): Promise<DownloadResult> {
  const { transport, target, checkpoint: store, checkpointKey } = options
  // 1. Stat, retried like parts (stat-with-retry.ts, retry.ts).
  const object = await statWithRetry({ options, signal, emit, counters })
  mode.answered = true
  const algorithm = options.verify ? object.checksum?.algorithm : undefined
  // An object of unknown length is planned as one part that ends where the stream ends; its
  // checkpoint names that plan size, so it is discarded if the server later tells a length.
  const unknown = object.sizeKnown === false
  if (unknown && typeof target.setSize !== 'function') {
    throw new OptionsError(
      'target',
      'the server did not say how long the object is, and this Target cannot take an object of unknown length (it has no setSize)',
    )
  }
  const planned: ObjectInfo = unknown ? { ...object, size: UNKNOWN_LENGTH } : object
  // 2. Load the checkpoint; anything that does not match is discarded with a reason
  //    (checkpoint/load-checkpoint.ts, checkpoint/match.ts, checkpoint/codec.ts). Not right after
  //    a switch to one stream: the failed attempt discarded its parts (a server that ignores Range
  //    can only be read from byte 0), so a checkpoint still there is one whose removal failed.
  // A checkpoint found and discarded vouches for the partial file beside it: the Target may
  // replace that file, where it would refuse one nothing vouches for.
  let checkpointDiscarded = false
  let state =
    store && !mode.switched
      ? await loadCheckpoint(
          {
            store,
            key: checkpointKey,
            source: transport.id,
            destination: target.id,
            object: planned,
            algorithm,
          },
          (event) => {
            if (event.type === 'checkpoint-discarded') checkpointDiscarded = true
            emit(event)
          },
        )
      : undefined
  const opened = await target.open({
    size: unknown ? 0 : object.size,
    resume: state !== undefined,
    ...(unknown ? { sizeKnown: false } : {}),
    ...(checkpointDiscarded ? { checkpointDiscarded } : {}),
  })
  // From here to the parts' own clean-up, a throw (a recheck that cannot read the file back)
  // must still let go of the target: a caller that never closes it, a server's, would keep its
  // lock and descriptor for as long as it runs. Its bytes are kept, as the checkpoint is.
  try {
    if (state && !opened.resumed) {
      // "Gone" is untrue of a partial file that is there but refused (longer than the object, …).
      const reason = opened.notResumedReason
      emit({
        type: 'checkpoint-discarded',
        problem: reason === undefined ? 'temp-missing' : 'temp-unusable',
        message: reason ?? 'the partial download it describes is gone',
      })
      state = undefined
    }
    // A temporary file shorter than the bytes the checkpoint names lost them: never trust those.
    if (state && opened.length !== undefined) {
      const partsRefetched = state.forgetBeyond(opened.length)
      if (partsRefetched.length > 0)
        emit({ type: 'resume-truncated', length: opened.length, partsRefetched })
    }
    // 3. Recheck resumed parts against their CRC on disk (checkpoint/recheck-parts.ts).
    if (state && options.recheckResumedParts && state.algorithm) {
      const claimed = state.doneCount + state.partials().length
      const partsRefetched = await recheckParts(target, state, options.writeBufferSize)
      emit({ type: 'resume-checked', partsChecked: claimed, partsRefetched })
    } else if (state && options.recheckResumedParts) {
      // Asked not to trust the partial file unchecked, with nothing to check it by: every byte
      // it names is forgotten, as if it held none.
      const partsRefetched = state.forgetBeyond(0)
      if (partsRefetched.length > 0)
        emit({ type: 'resume-checked', partsChecked: 0, partsRefetched, uncheckable: true })
    }
    // 4. Plan parts, unless the checkpoint's plan is reused (plan.ts).
    if (unknown && !mode.sequential) emit(sequentialEvent('unknown-size'))
    else if (!state && !mode.sequential && object.acceptRanges === false) {
      if (object.size > options.singleRequestThreshold) emit(sequentialEvent('ranges-refused'))
    }
    state ??= new TransferState(freshPlan(options, planned, mode.sequential || unknown), algorithm)
    // The digests step 8 will need, hashed by the Target as the bytes land (hash-ahead.ts).
    startHashingAhead(options, object, unknown, state)
  } catch (error) {
    await target.abort({ keep: true }).catch(() => undefined)
    throw error
  }
  // `start` names what this attempt continues from; the result counts an earlier run's bytes only.
  const resumedBytes = Math.min(mode.earlierRunBytes ?? state.bytesDone, state.bytesDone)
  mode.earlierRunBytes = resumedBytes
  const writer = new CheckpointWriter(
    store,
    checkpointKey,
    {
      source: transport.id,
      destination: target.id,
      object: {
        size: planned.size,
        ...(object.etag === undefined ? {} : { etag: object.etag }),
        ...(object.lastModified === undefined ? {} : { lastModified: object.lastModified }),
        ...(object.versionId === undefined ? {} : { versionId: object.versionId }),
      },
    },
    target,
    state,
  )
  // One `start` per download: after a switch to one stream, the switch names the new plan.
  if (mode.switched) {
    emit(planSwitchedEvent(mode.switched, mode.discardedBytes, state.plan))
    mode.switched = undefined
  } else {
    emit({
      type: 'start',
      object,
      partSize: state.plan.partSize,
      partCount: state.plan.partCount,
      resumedBytes: state.bytesDone,
      resumedParts: state.doneCount,
    })
  }

  const meter = new ProgressMeter(counters.fetchedBytes)
  const runState = state
  // A whole-object GET's Content-MD5 is checked as a HEAD's would be, when the HEAD had none.
  let vouched: Pick<ObjectInfo, 'md5' | 'md5Source'> | undefined
  const ctx: RunContext = {
    options,
    object,
    state,
    signal,
    limiter,
    counters,
    emit,
    vouchedMd5(md5, md5Source) {
      vouched ??= { md5, ...(md5Source === undefined ? {} : { md5Source }) }
    },
    reportProgress(force = false) {
      meter.sample(counters.fetchedBytes)
      if (!force && !meter.due(options.progressIntervalMs)) return
      const progress = meter.snapshot({
        bytesDone: runState.bytesWritten,
        totalBytes: unknown ? runState.bytesWritten : object.size,
        ...(unknown ? { sizeKnown: false } : {}),
        resumedBytes,
        partsDone: runState.doneCount,
        partsTotal: runState.plan.partCount,
        partsInFlight: counters.inFlight,
      })
      try {
        options.onProgress?.(progress)
      } catch {
        // Same isolation as event listeners: a throwing callback must not fail a part.
      }
      emit({ type: 'progress', progress })
    },
  }

  let verification: Verification
  let result: ObjectInfo = object
  try {
    // 5–7. Fetch parts with exact-range checks (run-parts.ts, part-fetcher.ts, stall-guard.ts),
    //      retry from the last byte (retry.ts, backoff.ts), checkpoint what is durable
    //      (checkpoint/checkpoint-writer.ts).
    await runParts(ctx, writer)
    if (unknown) result = await endStream(options, runState, object, algorithm)
    // 8. Verify the combined CRC, then publish (verify.ts, crc/combine.ts).
    verification = options.range
      ? RANGE_VERIFICATION
      : unknown
        ? streamVerification(object, algorithm, runState)
        : verifyParts(object, algorithm, state.crcs, state.plan, (i) => partLength(runState, i))
    // What the parts' CRCs could not prove, a second pass over the file may: S3's composite of
    // upload parts this download did not fetch one by one, or the MD5 a store vouches for.
    if (verification.method === 'size' && options.verify && !options.range && !unknown)
      verification =
        (await secondPass(target, withVouchedMd5(object, vouched), signal, emit)) ?? verification
    emit({ type: 'verified', verification })
    // The store's MD5 check read the bytes back already: the same MD5 needs no second pass.
    if (options.digest && !provenByStore(verification, options.digest)) {
      emit({
        type: 'verifying',
        method: options.digest.algorithm,
        bytes: bytesLeftToHash(target, options.digest.algorithm, result.size),
        digest: true,
      })
      await verifyDigest(target, result.size, options.digest, signal)
    }
    await target.commit(commitOptions(result))
  } catch (error) {
    mode.discardedBytes = isRangeIgnored(error) ? runState.bytesDone : 0
    // A wait for the store follows: the destination stays claimed (its lock) meanwhile.
    const reopen = mayWaitOut(error, mode.answered, options)
    mode.durableBytes = await cleanUp(options, writer, error, emit, reopen)
    throw error
  }
  // The destination is complete; a checkpoint left behind would only be discarded as stale.
  await store?.remove(checkpointKey).catch(() => undefined)
  ctx.reportProgress(true)
  return {
    object: result,
    bytes: result.size,
    resumedBytes,
    fetchedBytes: counters.fetchedBytes,
    partSize: state.plan.partSize,
    partCount: state.plan.partCount,
    verification,
    ...(options.digest ? { digest: options.digest } : {}),
    retries: counters.retries,
    retriesByKind: { ...counters.retriesByKind },
    restarts,
    durationMs: Date.now() - startedAt,
    ...(options.range
      ? { range: { start: options.range.start, end: options.range.start + object.size - 1 } }
      : {}),
  }
}

const NO_READ_BACK =
  'the store vouches only for a digest of the whole object (an MD5 or a SHA), and bytes already streamed to this target cannot be read back to check it'

const STORE_DIGEST = "the store's x-amz-checksum of the object, uploaded in one part"

const NO_READ_BACK_COMPOSITE =
  "the store's checksum is a composite of upload parts this download did not fetch one by one, and bytes already streamed to this target cannot be read back to check it"

/** `object` with the MD5 a whole-object answer vouched for, when `stat` gave none. */
function withVouchedMd5(
  object: ObjectInfo,
  vouched: Pick<ObjectInfo, 'md5' | 'md5Source'> | undefined,
): ObjectInfo {
  return object.md5 !== undefined || vouched === undefined ? object : { ...object, ...vouched }
}

/** The check that reads the finished bytes back, when the store's checksum needs one. */
async function secondPass(
  target: Target,
  object: ObjectInfo,
  signal: AbortSignal | undefined,
  emit: (event: DownloadEvent) => void,
): Promise<Verification | undefined> {
  const composite = object.checksum?.uploadParts ? object.checksum : undefined
  if (!composite && !object.digest && !object.md5) return undefined
  if (target.readable === false)
    return { method: 'size', reason: composite ? NO_READ_BACK_COMPOSITE : NO_READ_BACK }
  if (composite) {
    emit({ type: 'verifying', method: composite.algorithm, bytes: object.size })
    return verifyCompositeByReadBack(target, object, signal)
  }
  // A store's SHA needs a Target that hashes natively; without one, the MD5, which core computes.
  const digest = storeDigest(object, target)
  if (!digest)
    return {
      method: 'size',
      reason: `the store vouches only for a ${object.digest?.algorithm} of the whole object${object.digest?.source ? ` (${object.digest.source})` : ''}, which this target cannot compute`,
    }
  const { algorithm, value } = digest
  const source = algorithm === 'md5' ? object.md5Source : digest.source
  const bytes = bytesLeftToHash(target, algorithm, object.size)
  emit({ type: 'verifying', method: algorithm, bytes, ...(source && { source }) })
  if (algorithm === 'md5') return verifyMd5(target, object.size, value, signal, source)
  const whose = source === undefined ? STORE_DIGEST : `the object's ${source}`
  await verifyDigest(target, object.size, digest, signal, whose)
  return source === undefined ? { method: algorithm, value } : { method: algorithm, value, source }
}

/** Ends a stream of unknown length: its length is where it ended, which the Target learns now. */
async function endStream(
  options: ResolvedOptions,
  state: TransferState,
  object: ObjectInfo,
  algorithm: ChecksumAlgorithm | undefined,
): Promise<ObjectInfo> {
  const length = state.partial(0)?.written ?? 0
  // A single part is the whole object: its CRC is the object's, no combining needed.
  if (algorithm) state.crcs[0] = state.partial(0)?.crc ?? 0n
  await options.target.setSize?.(length)
  return { ...object, size: length }
}

function streamVerification(
  object: ObjectInfo,
  algorithm: ChecksumAlgorithm | undefined,
  state: TransferState,
): Verification {
  if (algorithm && object.checksum) return verifyObject(object, algorithm, state.crcs[0] ?? 0n)
  return {
    method: 'size',
    reason:
      'the server did not say how long the object is (no Content-Length) and published no checksum: only the end of the stream marked it complete',
  }
}

function freshPlan(options: ResolvedOptions, object: ObjectInfo, sequential: boolean): PartPlan {
  if (sequential || object.acceptRanges === false) return singlePartPlan(object.size)
  // One request for a small object, whatever its upload was: a composite checksum is then
  // checked by reading the file back, which costs less than a request per upload part.
  if (object.size <= options.singleRequestThreshold) return singlePartPlan(object.size)
  // A composite checksum is checked part by part: cut where the upload cut.
  const upload = object.checksum?.uploadParts
  const uploadPlan = options.verify && upload ? uploadPartsPlan(object.size, upload) : undefined
  return uploadPlan ?? planParts(object.size, options.partSize, options.maxParts)
}

/** What the destination may keep of the object: its Last-Modified, when the store gave a date. */
function commitOptions(object: ObjectInfo): TargetCommitOptions {
  const modifiedMs =
    object.lastModified === undefined ? Number.NaN : Date.parse(object.lastModified)
  return Number.isFinite(modifiedMs) ? { modifiedMs } : {}
}

function partLength(state: TransferState, index: number): number {
  const { start, end } = partRange(state.plan, index)
  return end - start + 1
}

/**
 * 10. Pause and cancel (with download.ts). After a failure: a pause or a transient stop keeps
 * durable progress; a cancel, a changed object or bad data removes everything, because nothing
 * of it may be trusted or wanted.
 */
async function cleanUp(
  options: ResolvedOptions,
  writer: CheckpointWriter,
  error: unknown,
  emit: (event: DownloadEvent) => void,
  reopen: boolean,
): Promise<number> {
  const { target, checkpoint: store, checkpointKey } = options
  const claim = reopen ? { reopen } : {}
  // An ignored Range leaves parts whose bytes came from streams that did not start where asked
  // (or a sequential prefix the server will not continue): none of it can be continued.
  const discard =
    isRangeIgnored(error) ||
    error instanceof ObjectChangedError ||
    (error instanceof AbortedError && error.kind === 'cancelled') ||
    error instanceof IntegrityError
  if (discard || !store) {
    await target.abort({ keep: false, ...claim }).catch(() => undefined)
    await store?.remove(checkpointKey).catch(() => undefined)
    return 0
  }
  let durableBytes = writer.durableBytes
  try {
    durableBytes = await writer.persist()
    if (error instanceof AbortedError) emit({ type: 'paused', durableBytes })
  } catch {
    // The original error says more than a failed last save; the previous checkpoint still stands.
  }
  if (durableBytes === 0) {
    // A failure or pause before any byte was durable (a full disk before the first checkpoint)
    // leaves nothing a later run could resume: keeping the partial file would only hold on to
    // space, and with no checkpoint and no lock beside it, a later run could not tell it from a
    // file of the user's (store-fs refuses those).
    await target.abort({ keep: false, ...claim }).catch(() => undefined)
    await store.remove(checkpointKey).catch(() => undefined)
    return 0
  }
  await target.abort({ keep: true, ...claim }).catch(() => undefined)
  return durableBytes
}
