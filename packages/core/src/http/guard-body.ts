import { chunkReader } from '../byte-source.ts'
import { isTransportError, TransportError } from '../errors/transport-error.ts'
import type { ByteSource } from '../ports.ts'
import {
  type ConnectionDrop,
  connectionDrop,
  connectionFault,
  describeFailure,
  errorChain,
} from './network-cause.ts'
import { redactError, redactText } from './redact.ts'

/** What the guard needs to word its errors, to tell the caller's abort apart, and to free the body. */
export interface BodyGuardContext {
  /** e.g. `GET oss://bucket/key bytes 0-99`; credential-free. */
  readonly describe: string
  /** The caller's signal: its abort frees the body and is rethrown as is, never wrapped as retryable. */
  readonly signal?: AbortSignal | undefined
  /** Values to mask in the cause's message. */
  readonly secrets?: readonly (string | undefined)[] | undefined
  /**
   * Also called when the body is freed (after the stream is cancelled or the iterator returned):
   * what frees it even while a read is pending, e.g. a Node stream's `destroy()`, so a stalled
   * socket is not leaked.
   */
  readonly release?: ((reason?: unknown) => void) | undefined
}

function dropWords(drop: ConnectionDrop | undefined, after: string): string {
  if (drop === 'closed') return `the server closed the connection early, ${after}`
  if (drop === 'reset') return `the connection was reset ${after} (ECONNRESET)`
  return `the connection was closed or reset ${after}`
}

/**
 * Passes `body` through unbuffered, counting bytes: a connection drop becomes a retryable network
 * TransportError, and a body that ends short (MSW 2 and some proxies end a truncated response
 * cleanly) or runs long becomes an error instead of silently wrong data. `return()` frees the body.
 * `expected` undefined (a stream of unknown length) checks nothing but drops: its end is its length.
 *
 * @example
 * ```ts
 * const body = guardBody(response.body, end - start + 1, { describe, signal })
 * for await (const chunk of body) write(chunk)
 * ```
 */
export function guardBody(
  body: ByteSource | null | undefined,
  expected: number | undefined,
  context: BodyGuardContext,
): AsyncIterableIterator<Uint8Array> {
  const { signal } = context
  const reader = body ? chunkReader(body) : undefined
  let released = false
  const release = (reason?: unknown): void => {
    if (released) return
    released = true
    void reader?.cancel(reason)
    try {
      context.release?.(reason)
    } catch {
      // Freeing a body we no longer want must never mask the error being reported.
    }
  }
  let received = 0
  let finished = false
  const onAbort = (): void => release(signal?.reason)
  const finish = (free: boolean, reason?: unknown): void => {
    if (finished) return
    finished = true
    signal?.removeEventListener('abort', onAbort)
    if (free) release(reason)
  }
  const fail = (error: unknown): unknown => {
    finish(true, error)
    if (signal?.aborted) return signal.reason
    if (isTransportError(error)) return error
    const after = `after ${received} of ${expected ?? 'an unknown number of'} bytes`
    // A drop mid-body reads the same on every runtime and wire, whatever words each gives it; a
    // clean close is not called a reset (a server that ends its answer early is not a network
    // fault in between), and where the runtime does not say which it was, neither is claimed.
    const chain = errorChain(error)
    const message =
      connectionFault(chain) !== 'reset'
        ? `the connection failed ${after} (${redactText(describeFailure(error), context.secrets)})`
        : dropWords(connectionDrop(chain), after)
    return new TransportError('network', `${context.describe}: ${message}`, {
      cause: redactError(error, context.secrets),
    })
  }
  if (signal?.aborted) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })

  const guarded: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]: () => guarded,
    async next(): Promise<IteratorResult<Uint8Array>> {
      if (finished) return { done: true, value: undefined }
      let chunk: unknown
      try {
        chunk = reader ? await reader.next() : undefined
      } catch (error) {
        throw fail(error)
      }
      if (finished) return { done: true, value: undefined }
      if (chunk === undefined) {
        if (signal?.aborted || (expected !== undefined && received < expected)) {
          throw fail(
            new TransportError(
              'network',
              `${context.describe}: the body ended after ${received} of ${expected} bytes`,
            ),
          )
        }
        finish(false)
        return { done: true, value: undefined }
      }
      if (!(chunk instanceof Uint8Array)) {
        throw fail(new TransportError('protocol', `${context.describe}: the body is not binary`))
      }
      received += chunk.length
      if (expected !== undefined && received > expected) {
        throw fail(
          new TransportError(
            'protocol',
            `${context.describe}: the body is longer than the ${expected} bytes announced`,
          ),
        )
      }
      return { done: false, value: chunk }
    },
    async return(): Promise<IteratorResult<Uint8Array>> {
      finish(true)
      return { done: true, value: undefined }
    },
  }
  return guarded
}
