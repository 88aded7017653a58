import { MAX_LONE_RETRIES, noAnswer, probeDelay } from '../outage-policy.ts'
import type { BatchEvent, BatchFailure } from './batch-events.ts'
import type { ListedObject } from './lister.ts'

/** An object put aside until its store answers again. */
export interface HeldObject<Location extends { readonly path: string }> {
  readonly object: ListedObject
  readonly location: Location
  /** Its last attempt's failure; undefined for one listed while its store was down (never tried). */
  readonly failure?: BatchFailure
  /** Times it was put back while its store answered other requests, since it last got further. */
  readonly holds: number
  /** The most bytes it ever had done (`BatchProgress`-style: durable, resumed and fetched). */
  readonly mark: number
}

/** What the batch gives the watch: its clock, its events, and a way to be woken. */
export interface OutageSettings {
  /** How long the objects of a store that stopped answering wait for it; 0 gives up at once. */
  readonly waitMs: number
  /** Called when held objects may run again or were failed: the batch's admission loop wakes. */
  readonly wake: () => void
  readonly emit: (event: BatchEvent) => void
  /** Fails an object for good (a held one, when its store is given up). */
  readonly fail: (failure: BatchFailure) => void
  readonly random?: () => number
}

/** Why a store was given up: what its objects listed later fail with. */
interface GiveUpReason {
  readonly kind: string
  readonly message: string
  readonly error: unknown
}

/**
 * No-answer failures in a row, with no answer from the store in between, after which the store
 * counts as down. Two: one object failing alone is retried at once, as the store answers others.
 */
const QUIET_FAILURES = 2

/** One store's state in this run. */
class StoreState<Location extends { readonly path: string }> {
  /** The store answered at least once in this run (a listing page, headers, a body byte). */
  answered = false
  /** No-answer failures since its last answer. */
  quiet = 0
  /** When the first of them failed: only a request sent since then can answer for the store. */
  quietSince = 0
  down:
    | {
        readonly since: number
        probes: number
        probeDue: boolean
        /** The object out as a probe: its outcome decides the next step. */
        probe: ListedObject | undefined
        /** The probe out got no answer (it is held again): the next one waits its backoff. */
        probeUnanswered: boolean
        /** The wait ended: one last probe, then give up unless it brings an answer. */
        expired: boolean
        timer: ReturnType<typeof setTimeout> | undefined
        deadline: ReturnType<typeof setTimeout> | undefined
      }
    | undefined
  /** The failure that ended the wait: objects of this store listed after it fail at once. */
  gaveUp: GiveUpReason | undefined
  readonly held: HeldObject<Location>[] = []
}

/**
 * Tells a store that stopped answering (a network outage, a server down) from objects that fail
 * on their own, per origin (`ListedObject.origin`). An object whose attempts got no answer is put
 * aside rather than failed; once a store gets no answer twice in a row it counts as down, and its
 * objects, held or newly listed, wait while one of them is tried now and then (a probe). The first
 * answer lets them all run again. A store that stays down for `waitMs`, or that never answered
 * in this run (a wrong endpoint, a server not running), is given up: its held objects fail with
 * their own errors, and those listed later fail without a request. So an outage of a few minutes
 * costs a pause instead of a failure per object, and a dead endpoint fails a batch of thousands
 * in seconds instead of one object's retries after another.
 */
export class StoreOutages<Location extends { readonly path: string }> {
  readonly #settings: OutageSettings
  readonly #stores = new Map<string | undefined, StoreState<Location>>()
  /** The batch is ending or pausing: nothing is held, judged or given up any more. */
  #closed = false

  constructor(settings: OutageSettings) {
    this.#settings = settings
  }

  /** Objects held, over every store. */
  get heldCount(): number {
    let held = 0
    for (const store of this.#stores.values()) held += store.held.length
    return held
  }

  /**
   * A sign of life from the store of `origin`, from a request sent at `sentAt`: its held objects
   * may run. After a request got no answer, only one sent since then counts (and while the store
   * is down, one sent since it went down): bytes of one sent before (data in flight at a cut,
   * reported late) say nothing of the store now.
   */
  answered(origin: string | undefined, sentAt: number = Date.now()): void {
    if (this.#closed) return
    const store = this.#store(origin)
    store.answered = true
    if (sentAt < (store.down?.since ?? (store.quiet > 0 ? store.quietSince : 0))) return
    store.quiet = 0
    // Given up, then heard from again (an object that was still running): later objects are tried.
    store.gaveUp = undefined
    const down = store.down
    if (!down) return
    this.#clearTimers(store)
    store.down = undefined
    this.#settings.emit({
      type: 'store-reachable',
      ...originField(origin),
      downMs: Date.now() - down.since,
    })
    this.#settings.wake()
  }

  /** True while the store of `origin` counts as down (not yet answered again, nor given up). */
  isDown(origin: string | undefined): boolean {
    return this.#stores.get(origin)?.down !== undefined
  }

  /** Objects held for the store of `origin`. */
  heldFor(origin: string | undefined): number {
    return this.#stores.get(origin)?.held.length ?? 0
  }

  /** The failure a newly listed object of a given-up store fails with, or undefined. */
  givenUp(object: ListedObject, path: string): BatchFailure | undefined {
    const reason = this.#stores.get(object.origin)?.gaveUp
    return reason && notTried(reason, object, path)
  }

  /** True when `object`'s store is down: it is held instead of started. */
  holdIfDown(object: ListedObject, location: Location): boolean {
    const store = this.#stores.get(object.origin)
    if (!store?.down) return false
    store.held.push({ object, location, holds: 0, mark: 0 })
    return true
  }

  /**
   * An object's attempt failed. True when it is held (to run again when its store answers);
   * false when the failure is final: the store answered it, or the object was put back enough
   * times while its store answered others.
   */
  hold(held: HeldObject<Location> & { readonly failure: BatchFailure }, sentAt: number): boolean {
    const { object, failure } = held
    if (this.#closed) return false
    const store = this.#store(object.origin)
    if (!noAnswer(failure)) {
      if (failure.status !== undefined) this.answered(object.origin, sentAt)
      return false
    }
    if (store.gaveUp) return false
    const down = store.down
    if (down) {
      if (down.probe === object) down.probeUnanswered = true
      // A failure in an outage is not the object's own: it does not count against it. Held at
      // the back, so that probes take the held objects in turn.
      store.held.push({ ...held, holds: 0 })
      return true
    }
    if (store.quiet++ === 0) store.quietSince = Date.now()
    if (store.quiet < QUIET_FAILURES) {
      if (held.holds >= MAX_LONE_RETRIES) return false
      store.held.push({ ...held, holds: held.holds + 1 })
      this.#settings.wake()
      return true
    }
    store.held.push({ ...held, holds: 0 })
    this.#goDown(store, object.origin, failure)
    return true
  }

  /**
   * An object's run ended, however (done, skipped, failed, held). A probe that got no answer
   * schedules the next one after its backoff, or gives the store up when the wait has ended; one
   * that asked the store nothing (skipped, or failed here) makes the next one due at once.
   */
  settled(object: ListedObject): void {
    const store = this.#stores.get(object.origin)
    const down = store?.down
    if (!store || !down || down.probe !== object || this.#closed) return
    down.probe = undefined
    const unanswered = down.probeUnanswered
    down.probeUnanswered = false
    if (down.expired && (unanswered || store.held.length === 0)) this.#giveUp(store, object.origin)
    else if (unanswered) this.#scheduleProbe(store)
    else {
      down.probeDue = true
      this.#settings.wake()
    }
  }

  /**
   * The next held object that may run: one of a store that answers, else a due probe of a down
   * one (the store then waits for its outcome). Undefined when none may run now.
   */
  next(): HeldObject<Location> | undefined {
    for (const store of this.#stores.values()) {
      if (store.held.length === 0 || store.gaveUp) continue
      const down = store.down
      if (down && (!down.probeDue || down.probe)) continue
      const held = store.held.shift() as HeldObject<Location>
      if (down) {
        down.probeDue = false
        down.probe = held.object
      }
      return held
    }
    return undefined
  }

  /** A run that ends (or pauses) leaves no timer behind, and holds or gives up nothing more. */
  dispose(): void {
    this.#closed = true
    for (const store of this.#stores.values()) this.#clearTimers(store)
  }

  #store(origin: string | undefined): StoreState<Location> {
    let store = this.#stores.get(origin)
    if (!store) {
      store = new StoreState()
      this.#stores.set(origin, store)
    }
    return store
  }

  #goDown(store: StoreState<Location>, origin: string | undefined, failure: BatchFailure): void {
    // Never answered in this run: an endpoint that is wrong or not running, not an outage.
    const waitMs = store.answered ? this.#settings.waitMs : 0
    this.#settings.emit({ type: 'store-unreachable', ...originField(origin), failure, waitMs })
    const down: NonNullable<StoreState<Location>['down']> = {
      since: Date.now(),
      probes: 0,
      probeDue: false,
      probe: undefined,
      probeUnanswered: false,
      expired: false,
      timer: undefined,
      deadline: undefined,
    }
    store.down = down
    if (waitMs === 0) {
      this.#giveUp(store, origin)
      return
    }
    down.deadline = setTimeout(() => {
      down.deadline = undefined
      if (store.down !== down) return
      down.expired = true
      // The probe out decides; else one last probe now, if there is an object to try.
      if (down.probe) return
      if (store.held.length === 0) {
        this.#giveUp(store, origin)
        return
      }
      if (down.timer !== undefined) clearTimeout(down.timer)
      down.timer = undefined
      down.probeDue = true
      this.#settings.wake()
    }, waitMs)
    this.#scheduleProbe(store)
  }

  #scheduleProbe(store: StoreState<Location>): void {
    const down = store.down
    if (!down) return
    down.probes++
    const delay = probeDelay(down.probes, this.#settings.random ?? Math.random)
    down.timer = setTimeout(() => {
      down.timer = undefined
      down.probeDue = true
      this.#settings.wake()
    }, delay)
  }

  /** Ends the wait: every held object fails with its own failure, later ones without a request. */
  #giveUp(store: StoreState<Location>, origin: string | undefined): void {
    const down = store.down
    this.#clearTimers(store)
    store.down = undefined
    const downMs = down ? Date.now() - down.since : 0
    const last = store.held.find((held) => held.failure)?.failure
    const reason = store.answered
      ? `the store stopped answering and did not answer for ${Math.round(downMs / 1000)} s`
      : 'the store did not answer any request of this run'
    const gaveUp: GiveUpReason = {
      kind: last?.kind ?? 'network',
      message: `${reason}: ${last?.message ?? 'no answer'}`,
      error: last?.error,
    }
    store.gaveUp = gaveUp
    const held = store.held.splice(0)
    this.#settings.emit({
      type: 'store-given-up',
      ...originField(origin),
      downMs,
      message: gaveUp.message,
      objects: held.length,
    })
    for (const { object, location, failure } of held)
      this.#settings.fail(failure ?? notTried(gaveUp, object, location.path))
    this.#settings.wake()
  }

  #clearTimers(store: StoreState<Location>): void {
    const down = store.down
    if (!down) return
    if (down.timer !== undefined) clearTimeout(down.timer)
    if (down.deadline !== undefined) clearTimeout(down.deadline)
    down.timer = undefined
    down.deadline = undefined
  }
}

/** The failure of an object of a given-up store that was never tried. */
function notTried(reason: GiveUpReason, object: ListedObject, path: string): BatchFailure {
  return {
    key: object.key,
    object,
    path,
    kind: reason.kind,
    message: `not tried: ${reason.message}`,
    error: reason.error,
  }
}

function originField(origin: string | undefined): { origin?: string } {
  return origin === undefined ? {} : { origin }
}
