import type { Abortable } from './stall-guard.ts'

/**
 * An AbortController made only when its `signal` is first asked for. A batch's one-request object
 * reads a body its stat's request already holds: that read never looks at its signal, and an
 * AbortSignal costs Node 20 about 3 µs to make and more to collect, per object. Aborted before its
 * signal exists, it remembers why, and the signal it then makes is already aborted.
 */
export class LazyAbortController implements Abortable {
  #controller: AbortController | undefined
  #aborted: { readonly reason: unknown } | undefined
  #made: ((signal: AbortSignal) => void) | undefined

  /** The signal, made now if it was not yet (aborted already if `abort` came first). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#aborted) this.#controller.abort(this.#aborted.reason)
      this.#made?.(this.#controller.signal)
      this.#made = undefined
    }
    return this.#controller.signal
  }

  /** Calls `made` with the signal once it is made (at once if it is); one caller at a time. */
  whenSignal(made: (signal: AbortSignal) => void): void {
    if (this.#controller) made(this.#controller.signal)
    else this.#made = made
  }

  /** As `AbortController.abort`: the first reason stands. */
  abort(reason?: unknown): void {
    if (this.#aborted) return
    this.#aborted = { reason }
    this.#controller?.abort(reason)
  }
}
