import { TransportError } from '@resumable/core'
import { redactError } from './redact.ts'

/** What the guard needs to word its errors and to tell the caller's abort from a network failure. */
export interface BodyGuardContext {
  /** e.g. `GET oss://bucket/key bytes 0-99`; credential-free. */
  readonly describe: string
  /** The caller's signal: its abort is rethrown as is, never wrapped as retryable. */
  readonly signal?: AbortSignal | undefined
}

/**
 * Passes `body` through unbuffered, counting bytes: a connection drop becomes a retryable network
 * TransportError, and a body that ends short (MSW 2 and some proxies end a truncated stream
 * cleanly) or runs long becomes an error instead of silently wrong data.
 */
export function guardBody(
  body: ReadableStream<Uint8Array> | null,
  expected: number,
  context: BodyGuardContext,
): ReadableStream<Uint8Array> {
  const reader = body?.getReader()
  let received = 0
  const fail = (error: unknown): unknown => {
    if (context.signal?.aborted) return context.signal.reason
    return new TransportError(
      'network',
      `${context.describe}: the connection failed after ${received} of ${expected} bytes`,
      { cause: redactError(error) },
    )
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>
        try {
          result = reader ? await reader.read() : { done: true, value: undefined }
        } catch (error) {
          controller.error(fail(error))
          return
        }
        if (result.done) {
          if (context.signal?.aborted) controller.error(context.signal.reason)
          else if (received < expected) {
            controller.error(
              new TransportError(
                'network',
                `${context.describe}: the body ended after ${received} of ${expected} bytes`,
              ),
            )
          } else controller.close()
          return
        }
        received += result.value.length
        if (received > expected) {
          void reader?.cancel().catch(() => undefined)
          controller.error(
            new TransportError(
              'protocol',
              `${context.describe}: the body is longer than the ${expected} bytes announced`,
            ),
          )
          return
        }
        controller.enqueue(result.value)
      },
      async cancel(reason) {
        await reader?.cancel(reason).catch(() => undefined)
      },
    },
    // No read-ahead: backpressure reaches the socket as soon as the consumer stops reading.
    { highWaterMark: 0 },
  )
}
