import { isTransportError } from './errors/transport-error.ts'
import type { ObjectInfo } from './ports.ts'
import { backOffOrThrow, type RetryScope } from './retry.ts'

/** Calls `transport.stat`, retrying transient failures with the same budget and backoff as parts. */
export async function statWithRetry(scope: RetryScope): Promise<ObjectInfo> {
  const { options, signal } = scope
  for (let attempt = 1; ; attempt++) {
    try {
      const info = await options.transport.stat({ signal })
      if (!Number.isSafeInteger(info.size) || info.size < 0) {
        throw new TypeError(
          `Transport ${options.transport.id} reported an invalid size: ${String(info.size)}`,
        )
      }
      return info
    } catch (error) {
      if (signal.aborted) throw signal.reason
      if (!isTransportError(error) || !error.retryable) throw error
      await backOffOrThrow(scope, -1, attempt, error)
    }
  }
}
