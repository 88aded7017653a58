import { TransportError } from './errors/transport-error.ts'
import { type ProxyWait, proxySilenceWords } from './http/proxy-words.ts'
import { listenForProxyWait } from './proxy-wait.ts'

/**
 * One stall deadline for one attempt of a part: each guarded operation (the request, then every
 * chunk read) must settle within `stallMs` of its start, or `controller` is aborted with a
 * retryable timeout, so a hung socket never hangs the download. A read only stamps the time it
 * started: the single timer checks that stamp when it fires and re-arms for what is left, instead
 * of a timer armed and cleared per chunk (a 1 GiB download reads about 16,000 chunks).
 *
 * @example
 * ```ts
 * const watch = new StallWatch(30_000, attempt)
 * try {
 *   const response = await watch.guard(() => transport.read(request))
 *   for (;;) if ((await watch.guard(() => reader.next())) === undefined) break
 * } finally {
 *   watch.stop()
 * }
 * ```
 */
export class StallWatch {
  readonly #stallMs: number
  readonly #controller: Abortable
  readonly #describe: string | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  /** When the operation in flight started; `undefined` between operations (no deadline then). */
  #busySince: number | undefined
  /** Rejects the operation in flight when the attempt is aborted. */
  #rejectInFlight: ((reason: unknown) => void) | undefined
  /** The signal `controller` follows, when the watch links them (see the constructor). */
  readonly #parent: AbortSignal | undefined
  /**
   * Why the attempt was aborted, when the watch links it to a parent: the watch then knows every
   * abort (the parent's, its own stall) without asking `controller.signal`, which a lazy
   * controller would have to make.
   */
  #abortedWith: { readonly reason: unknown } | undefined
  /** The proxy the request waits on, as its wire last said (`reportProxyWait`). */
  #proxyWait: ProxyWait | undefined
  #stopListening: (() => void) | undefined
  #stopped = false

  /**
   * `describe` names the request in the timeout's message (`<describe>: no data received …`).
   * Given `parent` (the run's signal), the watch also makes `controller` follow it, with the one
   * listener it needs anyway, on `parent`: a caller that linked them itself would add a second
   * listener per attempt, and small objects in a batch make two attempts each (stat and read).
   * `controller` must then be aborted only through `parent` or by the watch, and the watch never
   * reads its `signal` (a lazy controller makes none unless the request asks for it).
   */
  constructor(stallMs: number, controller: Abortable, describe?: string, parent?: AbortSignal) {
    this.#stallMs = stallMs
    this.#controller = controller
    this.#describe = describe
    this.#parent = parent
    if (parent === undefined)
      controller.signal.addEventListener('abort', this.#onAbort, { once: true })
    else if (parent.aborted) {
      this.#abortedWith = { reason: parent.reason }
      controller.abort(parent.reason)
    } else parent.addEventListener('abort', this.#onParentAbort, { once: true })
    // A wire says through the request's signal when it waits on a proxy; a lazy controller's
    // signal is listened to once the request asks for it, never made for this.
    const listen = (signal: AbortSignal): void => {
      if (this.#stopped) return
      this.#stopListening = listenForProxyWait(signal, (wait) => {
        this.#proxyWait = wait
      })
    }
    if (controller.whenSignal) controller.whenSignal(listen)
    else listen(controller.signal)
  }

  /**
   * Runs `operation` under the deadline; rejects with the abort reason when the attempt is
   * aborted first. A value that arrives after that is handed to `discard`, so a late response
   * body is not leaked. Operations are sequential: one in flight at a time.
   */
  guard<T>(operation: () => Promise<T>, discard?: (late: T) => void): Promise<T> {
    if (this.#parent !== undefined) {
      if (this.#abortedWith) return Promise.reject(this.#abortedWith.reason)
    } else {
      const { signal } = this.#controller
      if (signal.aborted) return Promise.reject(signal.reason)
    }
    this.#busySince = Date.now()
    this.#timer ??= setTimeout(this.#check, this.#stallMs)
    return new Promise<T>((resolve, reject) => {
      let gaveUp = false
      this.#rejectInFlight = (reason) => {
        gaveUp = true
        reject(reason)
      }
      const settle = (): void => {
        this.#busySince = undefined
        this.#rejectInFlight = undefined
      }
      let pending: Promise<T>
      try {
        pending = operation()
      } catch (error) {
        settle()
        reject(error)
        return
      }
      pending.then(
        (value) => {
          settle()
          if (gaveUp) discard?.(value)
          else resolve(value)
        },
        (error: unknown) => {
          settle()
          reject(error)
        },
      )
    })
  }

  /**
   * Clears the timer and the abort listener; the attempt is over. With `keepLinked`, a controller
   * that follows a parent keeps following it: a response left open past the attempt (a stat's
   * body held for the first read) must still be aborted by a pause.
   */
  stop(keepLinked = false): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#parent === undefined)
      this.#controller.signal.removeEventListener('abort', this.#onAbort)
    else if (!keepLinked) this.#parent.removeEventListener('abort', this.#onParentAbort)
    this.#stopped = true
    this.#stopListening?.()
  }

  readonly #check = (): void => {
    this.#timer = undefined
    // Idle between operations (a disk write, the rate limiter): the next guard re-arms.
    if (this.#busySince === undefined) return
    const waited = Date.now() - this.#busySince
    if (waited >= this.#stallMs) {
      // Silence while a proxy had to act is the proxy's, and says so (which proxy, doing what).
      const wait = this.#proxyWait
      const what =
        wait === undefined
          ? `no data received for ${this.#stallMs} ms`
          : proxySilenceWords(wait, this.#stallMs)
      const stalled = new TransportError(
        'timeout',
        `${this.#describe === undefined ? '' : `${this.#describe}: `}${what}`,
      )
      // Linked to a parent, the watch does not listen to its controller: it rejects here.
      if (this.#parent !== undefined) this.#abortedWith = { reason: stalled }
      this.#controller.abort(stalled)
      if (this.#parent !== undefined) this.#halt(stalled)
    } else this.#timer = setTimeout(this.#check, this.#stallMs - waited)
  }

  readonly #onParentAbort = (): void => {
    const { reason } = this.#parent as AbortSignal
    this.#abortedWith ??= { reason }
    this.#controller.abort(reason)
    this.#halt(this.#abortedWith.reason)
  }

  readonly #onAbort = (): void => this.#halt(this.#controller.signal.reason)

  /** The attempt is aborted: no more deadline, and the operation in flight is rejected. */
  #halt(reason: unknown): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#rejectInFlight?.(reason)
  }
}

/** What a StallWatch aborts: an AbortController, or anything shaped like one (lazy-abort.ts). */
export interface Abortable {
  readonly signal: AbortSignal
  abort(reason?: unknown): void
  /**
   * For a controller that makes its signal only when asked: calls `made` with the signal when it
   * is made (at once if it exists), so a watch can listen to it without making it.
   */
  whenSignal?(made: (signal: AbortSignal) => void): void
}
