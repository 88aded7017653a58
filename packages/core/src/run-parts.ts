import type { CheckpointWriter } from './checkpoint/checkpoint-writer.ts'
import { connectionsUnder } from './connection-floor.ts'
import { fetchSegment } from './part-fetcher.ts'
import type { Segment } from './part-work.ts'
import { PartsInFlight } from './parts-in-flight.ts'
import type { RunContext } from './run-context.ts'
import { sleep } from './sleep.ts'
import type { PartSlots } from './slot-pool.ts'

/** How often an idle worker looks again at a request whose rate is not known yet. */
const SPLIT_RECHECK_MS = 25

/**
 * Fetches every unfinished part through a pool of `concurrency` workers (each holding a slot of
 * the shared `slots` budget, when there is one) while a timer group-commits progress. A worker
 * that finds no part left splits the biggest untaken tail off a part still in flight and fetches
 * that, so the last parts do not leave connections idle while one slow connection finishes
 * (parts-in-flight.ts, part-work.ts). The first fatal error stops the other workers and is rethrown; a pause or
 * cancel (the run's signal) wins over errors it caused.
 */
export async function runParts(ctx: RunContext, writer: CheckpointWriter): Promise<void> {
  const { state, options } = ctx
  const queue: number[] = state.partials().map((p) => p.index)
  for (let i = 0; i < state.plan.partCount; i++) {
    if (!state.isDone(i) && !state.partial(i)) queue.push(i)
  }
  let next = 0
  // Splitting needs ranges proven (a server that ignores Range sends whole objects) and a known end.
  const splittable = ctx.object.sizeKnown !== false
  // With fewer parts left than workers (an object of a few parts, a resume near its end), the
  // extra workers split tails off the parts in flight once they see those parts' rates; under a
  // shared budget they would only hold slots while they look, so there they do not start.
  const spare = splittable && state.plan.partCount > 1 && !options.slots && queue.length > 0
  // Under a low rate limit, fewer connections than `concurrency`: each must get enough of the
  // cap that its server keeps it open (connection-floor.ts).
  const most = connectionsUnder(ctx.limiter, options.concurrency)
  const workers = spare ? most : Math.min(most, queue.length)
  // Saves only when there is a store: a run without one (a batch's one-request object) has no timer
  // and emits no `checkpoint-saved`, which would name durable bytes that no checkpoint holds.
  const saves = writer.saves
  // What stops the workers: the run's signal, and a failure. A lone worker with nothing to save
  // has no one else to stop, so it listens to the run's signal and no AbortController is made:
  // creating an AbortSignal costs Node 20 about 4 µs, measurable per small object in a batch.
  const stop = workers <= 1 && !saves ? undefined : new AbortController()
  const signal = stop?.signal ?? ctx.signal
  const onRunAbort = (): void => stop?.abort(ctx.signal.reason)
  if (stop) {
    ctx.signal.addEventListener('abort', onRunAbort, { once: true })
    if (ctx.signal.aborted) onRunAbort()
  }
  let failure: { error: unknown } | undefined
  const fail = (error: unknown): void => {
    failure ??= { error }
    stop?.abort(error)
  }
  const inFlight = new PartsInFlight(state)
  // Until one response proves that the server honours Range, only one part is in flight: a server
  // that ignores it would otherwise start sending the whole object to every worker at once.
  let honoured: () => void = () => undefined
  let proven = false
  // A range honoured past byte 0: the server serves ranges, so a whole object later is a glitch.
  let provenPastStart = false
  let forgiven = 0
  const rangeProven = new Promise<void>((resolve) => {
    honoured = resolve
  })
  const hooks: PartHooks = {
    rangeHonoured: (from) => {
      proven = true
      if (from > 0) provenPastStart = true
      honoured()
    },
    // After a range honoured past byte 0, a whole object is a glitch in between (a proxy): retried,
    // as a failure of its part. With ranges honoured only at byte 0, one is forgiven; a second
    // (same part or another) is the server refusing ranges elsewhere: retrying would only have it
    // start the whole object again, so the run switches to one stream.
    forgiveIgnoredRange: () => provenPastStart || (proven && forgiven++ === 0),
    answered: (ms) => inFlight.answered(ms),
  }
  const partCtx = partContext(ctx, signal, hooks)

  /**
   * The next part from the queue, else a tail split off a part in flight when that pays:
   * `'recheck'` when that cannot be told yet, undefined when there is nothing worth splitting.
   */
  const nextSegment = (): Segment | 'recheck' | undefined => {
    const index = queue[next]
    if (index !== undefined) {
      next++
      return inFlight.start(index)
    }
    // Nothing in flight: nothing left to split, ever (an empty object, a last part just done).
    if (!splittable || !inFlight.busy) return undefined
    // Waiting to see costs a slot that another download of a shared budget could use now.
    const later = options.slots ? undefined : 'recheck'
    if (!proven) return later
    const tail = inFlight.split(Date.now())
    if (tail === 'unknown') return later
    if (tail !== undefined)
      ctx.emit({ type: 'part-split', index: tail.part.index, start: tail.start, end: tail.end })
    return tail
  }

  let saving: Promise<void> | undefined
  const timer = saves
    ? setInterval(() => {
        if (saving || signal.aborted) return
        saving = writer
          .persist()
          .then((durableBytes) => ctx.emit({ type: 'checkpoint-saved', durableBytes }), fail)
          .finally(() => {
            saving = undefined
          })
      }, options.checkpointIntervalMs)
    : undefined

  // Each worker listens to a signal of its own, and one listener here relays the stop to them all:
  // a listener per worker (and per retry's sleep) on one shared signal passes Node's limit of 10
  // at concurrency 11 and up, and Node then warns of a leak on the user's terminal. A lone worker
  // listens to `stop` itself (an AbortController per small object is measurable in a batch).
  const workerStops = new Set<AbortController>()
  // Workers waiting for a slot of a shared budget (`slots`): they stop waiting when the run stops
  // or when no part is left for them, so a download never waits on a slot it no longer needs.
  const slotWaits = new Set<AbortController>()
  const stopWaiting = (): void => {
    for (const own of slotWaits) own.abort()
  }
  const relayStop = (): void => {
    for (const own of workerStops) own.abort(signal.reason)
  }
  if (stop) signal.addEventListener('abort', relayStop, { once: true })
  const slotFor = async (
    slots: PartSlots,
    own: AbortController | undefined,
  ): Promise<(() => void) | undefined> => {
    if (next >= queue.length || signal.aborted) return undefined
    const waitSignal = own?.signal ?? signal
    if (own) slotWaits.add(own)
    try {
      return await slots.acquire(waitSignal)
    } catch (error) {
      if (!waitSignal.aborted) fail(error)
      return undefined
    } finally {
      if (own) slotWaits.delete(own)
    }
  }

  const fetchParts = async (workerCtx: RunContext): Promise<void> => {
    // Made on first use: a Target with gather writes takes a body's own chunks and needs no
    // buffer to copy them into, unless a transport lends its chunks.
    let buffer: Uint8Array | undefined
    const writeBuffer = (): Uint8Array => {
      buffer ??= new Uint8Array(Math.min(options.writeBufferSize, Math.max(1, state.plan.partSize)))
      return buffer
    }
    while (!signal.aborted) {
      const segment = nextSegment()
      if (segment === undefined) return
      if (segment === 'recheck') {
        await sleep(SPLIT_RECHECK_MS, workerCtx.signal).catch(() => undefined)
        continue
      }
      if (next >= queue.length) stopWaiting()
      ctx.counters.inFlight++
      try {
        const { part } = segment
        if (await fetchSegment(workerCtx, segment, writeBuffer)) {
          inFlight.finished(part)
          const { index } = part
          // A stream of unknown length stays partial: its length is what was written.
          const bytes = state.partial(index)?.written ?? part.length
          ctx.emit({ type: 'part-done', index, bytes })
        }
      } catch (error) {
        fail(error)
        return
      } finally {
        ctx.counters.inFlight--
      }
    }
  }
  const worker = async (alone: boolean): Promise<void> => {
    const own = alone ? undefined : new AbortController()
    if (own) {
      if (signal.aborted) own.abort(signal.reason)
      workerStops.add(own)
    }
    const workerCtx = own ? partContext(ctx, own.signal, hooks) : partCtx
    let release: (() => void) | undefined
    try {
      if (options.slots) {
        release = await slotFor(options.slots, own)
        if (!release) return
      }
      await fetchParts(workerCtx)
    } finally {
      release?.()
      if (own) workerStops.delete(own)
    }
  }
  try {
    const first = worker(workers <= 1)
    if (workers <= 1) await first
    else {
      if (ctx.object.acceptRanges !== true) await Promise.race([rangeProven, first])
      const others = Array.from({ length: workers - 1 }, () => worker(false))
      await Promise.all([first, ...others])
    }
  } finally {
    clearInterval(timer)
    if (stop) {
      ctx.signal.removeEventListener('abort', onRunAbort)
      signal.removeEventListener('abort', relayStop)
    }
    // A save still running must land before the caller commits or removes the checkpoint.
    await saving
  }
  if (ctx.signal.aborted) throw ctx.signal.reason
  if (failure) throw failure.error
}

/** What run-parts adds to the run's context for its parts. */
type PartHooks = Required<Pick<RunContext, 'rangeHonoured' | 'forgiveIgnoredRange' | 'answered'>>

/**
 * `ctx` with the parts' `signal` and `hooks`, copied field by field: a spread of a context this
 * wide went through V8's slow object-clone path, about 5 % of a one-part object's engine CPU.
 */
function partContext(ctx: RunContext, signal: AbortSignal, hooks: PartHooks): RunContext {
  return {
    options: ctx.options,
    object: ctx.object,
    state: ctx.state,
    signal,
    limiter: ctx.limiter,
    counters: ctx.counters,
    rangeHonoured: hooks.rangeHonoured,
    vouchedMd5: ctx.vouchedMd5,
    answered: hooks.answered,
    forgiveIgnoredRange: hooks.forgiveIgnoredRange,
    emit: ctx.emit,
    reportProgress: ctx.reportProgress,
  }
}
