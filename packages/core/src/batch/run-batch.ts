import type { ByteRange } from '../byte-range.ts'
import { connectionsUnder } from '../connection-floor.ts'
import { createDownload, type DownloadHandle } from '../download.ts'
import { AbortedError } from '../errors/aborted-error.ts'
import type { DownloadEvent } from '../events.ts'
import { type ByteLimit, bothLimits, RateLimiter } from '../rate-limiter.ts'
import type { DownloadResult } from '../result.ts'
import { type PartSlots, SlotPool } from '../slot-pool.ts'
import type { BatchEvent, BatchFailure, BatchListingFailure } from './batch-events.ts'
import { type BatchObjectIO, type ResolvedBatchOptions, slotsFor } from './batch-options.ts'
import type { BatchSummary } from './batch-result.ts'
import { BatchTracker } from './batch-tracker.ts'
import { chosenAtFirstAnswer } from './chosen-at-first-answer.ts'
import { decideExisting } from './decide-existing.ts'
import { BatchJournal, changedSinceDone, doneRecord } from './journal.ts'
import { iterateSource, type ListedObject, type Lister } from './lister.ts'
import {
  interruptedBefore,
  journaled,
  record,
  removeLeftovers,
  toFailure,
  toListingFailure,
} from './object-steps.ts'
import { type OneRequestTransport, oneRequestTransport } from './one-request-transport.ts'
import { PathClaims, safeRelativePath } from './safe-path.ts'
import { shardOf } from './shard.ts'
import { StoreOutages } from './store-outages.ts'

/** How the run is controlled from its handle. */
export interface BatchControl {
  /** Aborted with an AbortedError to pause or cancel. */
  readonly signal: AbortSignal
  /** Downloads in flight, so a cancel can remove their temporary data. */
  readonly inFlight: Set<DownloadHandle>
}

/**
 * The batch algorithm: list → refuse unsafe keys → shard → journal / existing file → a slot of
 * the shared budget → the single-object engine (whose part workers take more slots as they free
 * up) → journal. Per-object failures are collected (or stop the batch with `failFast`); a pause
 * or cancel rejects with an AbortedError.
 */
export async function runBatch(
  resolved: ResolvedBatchOptions,
  control: BatchControl,
): Promise<BatchSummary> {
  const startedAt = Date.now()
  const { options } = resolved
  const emit = (event: BatchEvent): void => {
    try {
      options.onEvent?.(event)
    } catch {
      // Listeners must not throw; one that does must not fail an object.
    }
  }
  const tracker = new BatchTracker()
  const journal = await BatchJournal.open(resolved.journal, resolved.id, {
    discarded: (problem, message) => emit({ type: 'journal-discarded', problem, message }),
    damaged: (records) => emit({ type: 'journal-damaged', records }),
    inherited: (batch, records) => emit({ type: 'journal-inherited', batch, records }),
  })
  const openLimit = openObjectLimit(resolved.concurrency)
  // One bucket for every object: the cap is on the batch, not on each object.
  const rateLimiter =
    resolved.maxBytesPerSecond === undefined
      ? undefined
      : new RateLimiter(resolved.maxBytesPerSecond)
  // Every connection of the batch shares the cap: fewer slots under a low one, so that none is
  // starved until its server drops it (connection-floor.ts).
  const connections = connectionsUnder(
    bothLimits(options.download?.rateLimiter, rateLimiter),
    resolved.concurrency,
  )
  const pool = new SlotPool(connections)
  const claims = new PathClaims()
  // Paths of keys refused as colliding: listed all the same, so their state is not unlisted.
  const collided = new Set<string>()
  const keep = options.filter ?? (() => true)
  // Stops admitting objects and pauses those in flight: a user pause or cancel, or failFast.
  const stop = new AbortController()
  const onControl = (): void => stop.abort(control.signal.reason)
  control.signal.addEventListener('abort', onControl, { once: true })
  if (control.signal.aborted) onControl()
  // One listener pauses every object in flight: one per object would pass Node's 10 listeners per
  // signal (a leak warning on the user's terminal) at a concurrency of 11 or more.
  const pauseInFlight = (): void => {
    for (const handle of control.inFlight) handle.pause()
  }
  stop.signal.addEventListener('abort', pauseInFlight, { once: true })
  let stoppedEarly = false
  let fatal: { error: unknown } | undefined

  const report = (): void => emit({ type: 'progress', progress: tracker.snapshot() })
  const timer = setInterval(report, Math.max(1, resolved.progressIntervalMs))

  const fail = (failure: BatchFailure): void => {
    tracker.failures.push(failure)
    emit({ type: 'object-failed', failure })
    if (options.failFast && !stop.signal.aborted) {
      stoppedEarly = true
      stop.abort(new AbortedError('paused', `stopped at the first failure (${failure.key})`))
    }
  }

  const outages = new StoreOutages<ObjectLocation>({
    waitMs: resolved.outageWaitMs,
    wake: () => wake(),
    emit,
    fail,
  })
  /** An attempt failed: held for its store to answer again (an outage), or failed for good. */
  const failOrHold = (
    object: ListedObject,
    location: ObjectLocation,
    failure: BatchFailure,
    attempts: Attempts,
    sentAt: number,
  ): void => {
    if (!outages.hold({ object, location, failure, ...attempts }, sentAt)) fail(failure)
  }
  // A listing's first page is an answer from the store: it is not one that never answered. (Not
  // each object listed: the rest of a page was in memory already, and says nothing of the store now.)
  const fromLister = typeof (options.objects as Lister).list === 'function'
  let listing = fromLister

  const running = new Set<Promise<void>>()
  // Wakes the loop below when an object leaves `running`, a held object may run, or the batch
  // stops. Not Promise.race(running): that subscribes to every task at each call, and a task that
  // runs long (a huge object among many small ones) kept one subscription per object admitted
  // meanwhile, about 300 bytes each, until it ended.
  let woken: (() => void) | undefined
  const wake = (): void => {
    const resolve = woken
    woken = undefined
    resolve?.()
  }
  const changed = (): Promise<void> =>
    new Promise<void>((resolve) => {
      woken = resolve
    })
  stop.signal.addEventListener('abort', wake, { once: true })

  /** Starts one object once there is room and a slot; false when the batch stopped meanwhile. */
  const start = async (
    object: ListedObject,
    location: ObjectLocation,
    opened: BatchObjectIO | undefined,
    attempts: Attempts,
  ): Promise<boolean> => {
    // A slot is held by requests only, so an object that is committing (fsync, rename, journal)
    // has given its slot to the next; at most `openLimit` objects are open at once.
    while (running.size >= openLimit && !stop.signal.aborted) await changed()
    // One slot admits an object; its other part workers queue for theirs in the same pool,
    // so a big object never waits for a whole share to be free while slots sit idle.
    let release: () => void
    try {
      release = await pool.acquire(stop.signal)
    } catch {
      return false
    }
    const task = runObject(object, location, objectSlots(pool, release), opened, attempts)
      .catch((error: unknown) => {
        fatal ??= { error }
        stop.abort(error)
      })
      .finally(() => {
        release()
        running.delete(task)
        outages.settled(object)
        wake()
      })
    running.add(task)
    return true
  }
  /** Starts the held objects that may run now; false when the batch stopped meanwhile. */
  const startHeld = async (): Promise<boolean> => {
    for (let held = outages.next(); held; held = outages.next())
      if (!(await start(held.object, held.location, undefined, held))) return false
    return !stop.signal.aborted
  }

  /**
   * One listed object: counted, refused, skipped (journal, shard), failed at once (its store was
   * given up), held (its store is down) or started. False when the batch stopped meanwhile.
   */
  const admitListed = async (object: ListedObject): Promise<boolean> => {
    tracker.listed++
    // The filter first: what it leaves out is the same count on every shard.
    const kept = keep(object)
    const mine =
      options.shard === undefined ||
      shardOf(object.key, options.shard.count) === options.shard.index
    const passedOver = !kept ? 'filtered' : mine ? undefined : 'other-shard'
    // Only a listing says an object is empty: a manifest line ending in `/` (size unknown) is
    // refused by name below, not skipped as a folder.
    if (object.key.endsWith('/') && object.size === 0) {
      tracker.skip(passedOver ?? 'directory-marker')
      if (!passedOver) emit({ type: 'object-skipped', key: object.key, reason: 'directory-marker' })
      return true
    }
    let segments: readonly string[] | undefined
    let refusal: unknown
    try {
      segments = safeRelativePath(object.key, resolved.prefix)
      // Every shard claims every key, and so does every key the filter leaves out: all machines,
      // and all runs whatever their filters, refuse the same collisions.
      claims.claim(object.key, segments)
    } catch (error) {
      refusal = error
      if (segments !== undefined && options.removeUnlisted) collided.add(segments.join('/'))
    }
    if (passedOver) {
      tracker.skip(passedOver)
      return true
    }
    tracker.total++
    if (object.size === undefined) tracker.sizesUnknown++
    else tracker.bytesTotal += object.size
    if (refusal !== undefined || segments === undefined) {
      fail(toFailure(object, undefined, refusal))
      return true
    }
    const location = { key: object.key, segments, path: segments.join('/') }
    const replace = !!options.update || !!options.overwrite
    // A ranged batch's files and done records hold the slice: compared with the slice's length.
    const range = resolved.engine.range
    const asListed = range === undefined ? object : sliceOf(object, range)
    const done = doneRecord(journal.entry(object.key), asListed, location.path, replace)
    let opened: BatchObjectIO | undefined
    if (done) {
      // Done, says the journal; the file says whether it is still there. One that was deleted
      // or resized since is fetched again, under the same rules as any existing file.
      let inPlace: boolean
      try {
        opened = await options.open(location, object)
        inPlace = (await opened.existing())?.size === done.size
      } catch (error) {
        fail(toFailure(object, location.path, error))
        return true
      }
      if (inPlace) {
        // Without leave to replace files, a rerun keeps what its batch finished, but says so.
        const reason = changedSinceDone(done, asListed) ? 'done-but-changed' : 'done'
        // The total counted the listed size; what is skipped is the file in place.
        if (object.size !== undefined) tracker.bytesTotal += done.size - object.size
        tracker.skip(reason, done.size)
        emit({ type: 'object-skipped', key: object.key, path: location.path, reason })
        return true
      }
      tracker.restored.push(object.key)
    }
    const givenUp = outages.givenUp(object, location.path)
    if (givenUp) {
      fail(givenUp)
      return true
    }
    if (outages.holdIfDown(object, location)) {
      // A long outage under a long listing: the listing waits rather than hold without bound (a
      // fixed list is in memory already). Only this store's objects count: others run meanwhile.
      const full = () => fromLister && outages.heldFor(object.origin) >= MAX_HELD
      while (full() && (await startHeld())) if (full()) await changed()
      return true
    }
    return start(object, location, opened, FIRST_ATTEMPT)
  }

  const source = iterateSource(options.objects, stop.signal)
  const objects: Iterator<ListedObject> | AsyncIterator<ListedObject> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()
  let sourceEnded = false
  /**
   * The next object of the source, or undefined when the batch stopped meanwhile. While it is
   * awaited (a Lister's next page, a slow source), held objects that may run are started: a
   * probe's timer must not wait for the listing.
   */
  const nextObject = async (): Promise<IteratorResult<ListedObject> | undefined> => {
    const next = Promise.resolve(objects.next())
    // Left pending when the batch stops: its rejection is the source's to end, not unhandled.
    next.catch(() => {})
    for (;;) {
      const result = await Promise.race([next, changed().then(() => undefined)])
      if (result !== undefined) return result
      if (!(await startHeld())) return undefined
    }
  }

  /** The listing failed after naming some objects: they run to their end, the rest is not listed. */
  let listingFailure: BatchListingFailure | undefined
  let lastKey: string | undefined
  try {
    for (;;) {
      if (stop.signal.aborted) break
      let next: IteratorResult<ListedObject> | undefined
      try {
        next = await nextObject()
      } catch (error) {
        // Before its first object a failed listing leaves nothing to report per object.
        if (lastKey === undefined || stop.signal.aborted) throw error
        listingFailure = toListingFailure(lastKey, error)
        emit({ type: 'listing-failed', failure: listingFailure })
        // failFast stops at the first failure of any kind: the objects in flight pause.
        if (options.failFast && !stop.signal.aborted) {
          stoppedEarly = true
          stop.abort(
            new AbortedError(
              'paused',
              `stopped at the first failure (the listing after ${lastKey})`,
            ),
          )
        }
        break
      }
      if (next === undefined || next.done) {
        sourceEnded = next?.done === true
        break
      }
      const object = next.value
      lastKey = object.key
      if (listing) {
        listing = false
        outages.answered(object.origin)
      }
      if (!(await startHeld()) || !(await admitListed(object))) break
      // A Lister's next page is a request too: while its store is down the listing waits with
      // the objects, rather than end the batch on a page it cannot get.
      if (fromLister)
        while (outages.isDown(object.origin) && (await startHeld()))
          if (outages.isDown(object.origin)) await changed()
    }
    // As `for await` does when left early: the source may hold a connection or a file. Not
    // awaited: a next() may still be pending, and a source that never answers must not hang here.
    if (!sourceEnded) Promise.resolve(objects.return?.()).catch(() => {})
    tracker.listingDone = !stop.signal.aborted
    // The objects still running, and those held for a store that stopped answering.
    while (await startHeld()) {
      if (running.size === 0 && outages.heldCount === 0) break
      await changed()
    }
  } catch (error) {
    // The listing failed before naming an object: nothing more can be known about the batch.
    fatal ??= { error }
    stop.abort(error)
  } finally {
    // Whatever ended the loop, no store is given up (and no object failed) after it.
    outages.dispose()
    await Promise.all(running)
    await journal.close().catch(() => undefined)
    clearInterval(timer)
    control.signal.removeEventListener('abort', onControl)
    stop.signal.removeEventListener('abort', wake)
  }
  report()
  if (fatal) throw fatal.error
  if (control.signal.aborted) throw control.signal.reason
  // Only a listing that reached its end says which objects left it.
  let removedUnlisted: readonly string[] = []
  if (options.removeUnlisted && sourceEnded && !stoppedEarly && !listingFailure) {
    // Tidying, not the batch's result: a store that cannot tidy leaves the state as before.
    removedUnlisted = await options
      .removeUnlisted((path) => claims.covers(path) || collided.has(path))
      .catch(() => [])
    if (removedUnlisted.length > 0) emit({ type: 'unlisted-removed', paths: removedUnlisted })
  }
  const ok = tracker.failures.length === 0 && !stoppedEarly && !listingFailure
  if (ok && !options.keepJournal) await journal.remove()
  return {
    ok,
    stoppedEarly,
    listed: tracker.listed,
    downloaded: tracker.downloaded,
    skipped: { ...tracker.skipped },
    failures: [...tracker.failures],
    ...(listingFailure ? { listingFailure } : {}),
    changedSinceListing: [...tracker.changedSinceListing],
    restored: [...tracker.restored],
    removedUnlisted: [...removedUnlisted],
    fetchedBytes: tracker.fetched,
    progress: tracker.snapshot(),
    durationMs: Date.now() - startedAt,
  }

  /** One object; resolves when it is done, skipped or failed. Rejects only on a journal failure. */
  async function runObject(
    object: ListedObject,
    location: ObjectLocation,
    slots: PartSlots,
    opened: BatchObjectIO | undefined,
    attempts: Attempts,
  ): Promise<void> {
    const { key, path } = location
    // When this attempt began: its answers say the store is up only if they are newer than an outage.
    const sentAt = Date.now()
    // No object holds more slots than the pool has: `object-start` reports what it can really use.
    const concurrency = Math.min(slotsFor(object.size, resolved), connections)
    emit({ type: 'object-start', key, path, object, slots: concurrency })
    tracker.started(key, object.size)
    let io: BatchObjectIO
    let overwrite: boolean
    // Set when a killed run left this object's part state, and it would otherwise go whole.
    let interrupted = false
    try {
      io = opened ?? (await options.open(location, object))
      const decision = await decideExisting(
        io,
        object,
        journal.entry(key),
        options,
        stop.signal,
        () => outages.answered(object.origin, sentAt),
      )
      if (decision.action === 'skip') {
        if (decision.leftovers) await removeLeftovers(io)
        tracker.finished(key)
        if (decision.record) await journal.record({ ...decision.record, path })
        tracker.skip(decision.reason, decision.bytes)
        emit({ type: 'object-skipped', key, path, reason: decision.reason })
        return
      }
      overwrite = decision.overwrite
      // A parts download reads its checkpoint anyway: only an object that would go whole is asked.
      if (
        resolved.engine.range === undefined &&
        (object.size === undefined || fitsOneRequest(object, resolved))
      )
        interrupted = await interruptedBefore(io)
    } catch (error) {
      tracker.finished(key)
      if (!stop.signal.aborted)
        failOrHold(object, location, toFailure(object, path, error), attempts, sentAt)
      return
    }
    let info: (DownloadEvent & { type: 'start' }) | undefined
    let verified: (DownloadEvent & { type: 'verified' }) | undefined
    // An object the listing says fits in one request has no parts to resume: its temporary file
    // is its only state (a rerun fetches it again), so it needs no checkpoint, and its stat and
    // GET are one request when the transport can read a whole object with its headers.
    // One that a killed run was fetching in parts takes the parts path instead: it resumes the
    // bytes the checkpoint vouches for (its plan, whatever part size this run has), or discards a
    // stale checkpoint with an event, and either way leaves no lock, partial file or checkpoint.
    const single = fitsOneRequest(object, resolved) && !interrupted
    // An object of unknown size (a manifest's line) is asked for whole as well: a small one then
    // comes in that one answer instead of a stat and a GET; a larger one's body is dropped and
    // the answer's headers serve as its stat.
    const oneRequest: OneRequestTransport | undefined =
      (single ||
        (object.size === undefined && resolved.engine.range === undefined && !interrupted)) &&
      typeof io.transport.readWhole === 'function'
        ? oneRequestTransport(io.transport, object, resolved.engine.singleRequestThreshold)
        : undefined
    // Listed without a size, it gets what its size calls for once the first answer tells it.
    const { target, checkpoint } =
      object.size === undefined && oneRequest
        ? chosenAtFirstAnswer(io, overwrite, oneRequest, resolved.engine.singleRequestThreshold)
        : {
            target: io.target({ overwrite, singleRequest: single }),
            checkpoint: single ? undefined : io.checkpoint,
          }
    let fetchedSoFar = 0
    let mark = attempts.mark
    let handle: DownloadHandle
    try {
      handle = createDownload({
        ...options.download,
        ...(object.digest === undefined ? {} : { digest: object.digest }),
        transport: oneRequest ?? io.transport,
        target: journaled(target, () => journal.record(record('commit', location, info, verified))),
        ...(checkpoint === undefined ? {} : { checkpoint }),
        ...(single || io.checkpointKey === undefined ? {} : { checkpointKey: io.checkpointKey }),
        concurrency,
        slots,
        // The batch judges outages across its objects (store-outages.ts): none waits on its own.
        outageWaitMs: 0,
        ...limitOption(bothLimits(options.download?.rateLimiter, rateLimiter)),
        onEvent(event) {
          if (event.type === 'start') {
            info = event
            outages.answered(object.origin, sentAt)
          } else if (event.type === 'verified') verified = event
          else if (event.type === 'progress') {
            const fetched = event.progress.bytesDone - event.progress.resumedBytes
            // Bytes arrived since the last event: the store answers.
            if (fetched > fetchedSoFar) outages.answered(object.origin, sentAt)
            fetchedSoFar = fetched
            mark = Math.max(mark, event.progress.bytesDone)
            tracker.moved(key, event.progress.bytesDone, fetched)
          }
          emit({ type: 'object-event', key, event })
        },
      })
    } catch (error) {
      // This object's options were refused (a digest its Target cannot compute): it alone fails.
      tracker.finished(key)
      await oneRequest?.dispose()
      failOrHold(object, location, toFailure(object, path, error), attempts, sentAt)
      return
    }
    control.inFlight.add(handle)
    // Stopped before it was in the set: `pauseInFlight` has run already.
    if (stop.signal.aborted) handle.pause()
    let result: DownloadResult
    try {
      result = await handle.start()
    } catch (error) {
      tracker.finished(key)
      // An object that got further than ever before did not fail on its own: its count of times
      // put back starts again, so a big object cut by outage after outage never fails, while one
      // that stalls at the same byte each time (or whose GET alone gets no answer) soon does.
      const further = mark > attempts.mark
      if (!(error instanceof AbortedError && stop.signal.aborted))
        failOrHold(
          object,
          location,
          toFailure(object, path, error),
          further ? { holds: 0, mark } : attempts,
          sentAt,
        )
      return
    } finally {
      control.inFlight.delete(handle)
      await oneRequest?.dispose()
    }
    await journal.record(record('done', location, info, verified))
    tracker.finished(key, { bytes: result.bytes, fetched: result.fetchedBytes })
    const changedSinceListing =
      (object.etag !== undefined &&
        result.object.etag !== undefined &&
        object.etag !== result.object.etag) ||
      (object.size !== undefined && object.size !== result.object.size)
    if (changedSinceListing) tracker.changedSinceListing.push(key)
    emit({ type: 'object-done', key, path, result, changedSinceListing })
  }
}

/**
 * What one object's part workers draw from: first the slot it was admitted with, then the batch's
 * pool. Its first worker gives the admission slot back to the pool when no part is left for it.
 */
function objectSlots(pool: SlotPool, admitted: () => void): PartSlots {
  let handedOut = false
  return {
    acquire(signal) {
      if (handedOut) return pool.acquire(signal)
      handedOut = true
      return Promise.resolve(admitted)
    },
  }
}

/**
 * How many objects may be open at once: `concurrency` in requests, and up to three times as many
 * (at most 256 more, a bound on open files) committing. A commit waits on fsyncs, and the more
 * commits are in flight the more records one journal sync carries: batches of 1,000 and 3,000
 * objects of 64 KiB took 7–17 % less time than with twice `concurrency` open; 10,000 were level
 * (BENCHMARKS.md, "Many objects").
 */
export function openObjectLimit(concurrency: number): number {
  return concurrency + Math.min(3 * concurrency, MAX_COMMITTING)
}

const MAX_COMMITTING = 256

/** Objects held for stores that stopped answering before the listing waits (a few MB of them). */
const MAX_HELD = 10_000

/** How an object's earlier attempts went: times put back, and the most bytes it had done. */
interface Attempts {
  readonly holds: number
  readonly mark: number
}

const FIRST_ATTEMPT: Attempts = { holds: 0, mark: 0 }

/** Where an object goes: its key, the path's segments, and the relative path. */
interface ObjectLocation {
  readonly key: string
  readonly segments: readonly string[]
  readonly path: string
}

/** The listing says the object fits in one request, and the whole object is wanted. */
function fitsOneRequest(object: ListedObject, resolved: ResolvedBatchOptions): boolean {
  return (
    object.size !== undefined &&
    object.size <= resolved.engine.singleRequestThreshold &&
    resolved.engine.range === undefined
  )
}

function limitOption(limit: ByteLimit | undefined): { rateLimiter?: ByteLimit } {
  return limit ? { rateLimiter: limit } : {}
}

/**
 * `object` as a ranged batch's done record holds it: its size is the length of `range` within
 * the listed size (unknown when the listing gave none).
 */
function sliceOf(object: ListedObject, range: ByteRange): ListedObject {
  if (object.size === undefined) return object
  const last = Math.min(range.end ?? object.size - 1, object.size - 1)
  return { ...object, size: Math.max(0, last - range.start + 1) }
}
