import { TransportError } from '@resumable/core'
import { redactError } from './redact.ts'

/** The node:http IncomingMessage surface used here (Node, Deno and Bun all provide it). */
export interface NodeReadableLike {
  /** Closes the socket; a pending read then settles. */
  destroy(error?: Error): unknown
  /** Yields Buffers. */
  [Symbol.asyncIterator](): AsyncIterator<unknown>
}

/** What the guard needs to word its errors and to tell the caller's abort from a network failure. */
export interface BodyGuardContext {
  /** e.g. `GET oss://bucket/key bytes 0-99`; credential-free. */
  readonly describe: string
  /** The caller's signal: aborting it destroys the stream and rethrows its reason unwrapped. */
  readonly signal: AbortSignal | undefined
  /** Values to mask in the cause's message. */
  readonly secrets: readonly (string | undefined)[]
}

/** True when `value` can be consumed and destroyed like an IncomingMessage. */
export function isNodeReadable(value: unknown): value is NodeReadableLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as NodeReadableLike).destroy === 'function' &&
    typeof (value as NodeReadableLike)[Symbol.asyncIterator] === 'function'
  )
}

/**
 * Passes the body through unbuffered, counting bytes. A socket dropped mid-body becomes a
 * retryable network TransportError; a body that ends short (some runtimes and proxies end a
 * truncated response cleanly) or runs long is an error, never silently wrong data. `return()`
 * destroys the stream at once, even while a read is pending, so a stalled socket is not leaked.
 */
export function guardBody(
  stream: NodeReadableLike,
  expected: number,
  context: BodyGuardContext,
): AsyncIterableIterator<Uint8Array> {
  const { signal } = context
  const source = stream[Symbol.asyncIterator]()
  let received = 0
  let finished = false
  const onAbort = (): void => {
    const reason: unknown = signal?.reason
    stream.destroy(reason instanceof Error ? reason : new Error(String(reason)))
  }
  const finish = (destroy: boolean): void => {
    if (finished) return
    finished = true
    signal?.removeEventListener('abort', onAbort)
    if (destroy) stream.destroy()
  }
  const fail = (error: unknown): unknown => {
    finish(true)
    if (signal?.aborted) return signal.reason
    if (error instanceof TransportError) return error
    return new TransportError(
      'network',
      `${context.describe}: the connection failed after ${received} of ${expected} bytes`,
      { cause: redactError(error, context.secrets) },
    )
  }
  if (signal?.aborted) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })

  const body: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]: () => body,
    async next(): Promise<IteratorResult<Uint8Array>> {
      if (finished) return { done: true, value: undefined }
      let step: IteratorResult<unknown>
      try {
        step = await source.next()
      } catch (error) {
        throw fail(error)
      }
      if (finished) return { done: true, value: undefined }
      if (step.done) {
        if (signal?.aborted || received < expected) {
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
      const chunk = step.value
      if (!(chunk instanceof Uint8Array)) {
        throw fail(new TransportError('protocol', `${context.describe}: the body is not binary`))
      }
      received += chunk.length
      if (received > expected) {
        throw fail(
          new TransportError(
            'protocol',
            `${context.describe}: the body is longer than the ${expected} bytes expected`,
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
  return body
}
