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
  readonly #controller: AbortController
  readonly #describe: string | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  /** When the operation in flight started; `undefined` between operations (no deadline then). */
  #busySince: number | undefined
  /** Rejects the operation in flight when the attempt is aborted. */
  #rejectInFlight: ((reason: unknown) => void) | undefined
  /** The proxy the request waits on, as its wire last said (`reportProxyWait`). */
  #proxyWait: ProxyWait | undefined
  readonly #stopListening: () => void

  /** `describe` names the request in the timeout's message (`<describe>: no data received …`). */
  constructor(stallMs: number, controller: AbortController, describe?: string) {
    this.#stallMs = stallMs
    this.#controller = controller
    this.#describe = describe
    controller.signal.addEventListener('abort', this.#onAbort, { once: true })
    this.#stopListening = listenForProxyWait(controller.signal, (wait) => {
      this.#proxyWait = wait
    })
  }

  /**
   * Runs `operation` under the deadline; rejects with the abort reason when the attempt is
   * aborted first. A value that arrives after that is handed to `discard`, so a late response
   * body is not leaked. Operations are sequential: one in flight at a time.
   */
  guard<T>(operation: () => Promise<T>, discard?: (late: T) => void): Promise<T> {
    const { signal } = this.#controller
    if (signal.aborted) return Promise.reject(signal.reason)
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

  /** Clears the timer and the abort listener; the attempt is over. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#controller.signal.removeEventListener('abort', this.#onAbort)
    this.#stopListening()
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
      this.#controller.abort(
        new TransportError(
          'timeout',
          `${this.#describe === undefined ? '' : `${this.#describe}: `}${what}`,
        ),
      )
    } else this.#timer = setTimeout(this.#check, this.#stallMs - waited)
  }

  readonly #onAbort = (): void => {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#rejectInFlight?.(this.#controller.signal.reason)
  }
}
