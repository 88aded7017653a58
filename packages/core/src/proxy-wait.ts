// Lets a wire tell the stall deadline of a request which proxy it is waiting on, through the
// request's AbortSignal: the one thing every layer between the two already passes along.
import type { ProxyWait } from './http/proxy-words.ts'

type WaitListener = (wait: ProxyWait | undefined) => void

const listeners = new WeakMap<AbortSignal, WaitListener>()

/**
 * Hears what the request under `signal` waits on a proxy for (one listener per signal: the
 * deadline that owns its controller). Returns the function that stops listening.
 */
export function listenForProxyWait(signal: AbortSignal, listener: WaitListener): () => void {
  listeners.set(signal, listener)
  return () => {
    if (listeners.get(signal) === listener) listeners.delete(signal)
  }
}

/**
 * For a wire: the request under `signal` now waits on `wait.proxy` at `wait.stage` (connecting,
 * for an answer to CONNECT, for the TLS handshake through the tunnel, for the answer to a
 * forwarded request), or, with `undefined`, on the proxy no more. Should the request's stall
 * deadline pass meanwhile, its timeout names the proxy, not the store, as the silent party.
 * Nothing happens when no deadline listens.
 *
 * @example
 * ```ts
 * reportProxyWait(request.signal, { proxy: 'http://127.0.0.1:3128', stage: 'tunnel' })
 * ```
 */
export function reportProxyWait(signal: AbortSignal, wait: ProxyWait | undefined): void {
  listeners.get(signal)?.(wait)
}
