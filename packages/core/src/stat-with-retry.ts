import { backoffDelay } from './backoff.ts'
import { isTransportError } from './errors/transport-error.ts'
import type { DownloadEvent } from './events.ts'
import type { ResolvedOptions } from './options.ts'
import type { ObjectInfo } from './ports.ts'
import { retryReason } from './retry-reason.ts'
import type { RunCounters } from './run-context.ts'
import { sleep } from './sleep.ts'

/** Calls `transport.stat`, retrying transient failures with the same budget and backoff as parts. */
export async function statWithRetry(
  options: ResolvedOptions,
  signal: AbortSignal,
  emit: (event: DownloadEvent) => void,
  counters: RunCounters,
): Promise<ObjectInfo> {
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
      if (!isTransportError(error) || !error.retryable || attempt > options.retries) throw error
      const delayMs = backoffDelay(
        {
          baseMs: options.retryBaseDelayMs,
          maxMs: options.retryMaxDelayMs,
          random: options.random,
        },
        attempt,
        error.retryAfterMs,
      )
      counters.retries++
      counters.retriesByKind[error.kind] = (counters.retriesByKind[error.kind] ?? 0) + 1
      emit({
        type: 'retry',
        part: -1,
        attempt,
        delayMs,
        reason: retryReason(error),
      })
      await sleep(delayMs, signal)
    }
  }
}
