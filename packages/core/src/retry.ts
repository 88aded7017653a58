import { backoffDelay } from './backoff.ts'
import type { TransportError } from './errors/transport-error.ts'
import { retryReason } from './retry-reason.ts'
import type { RunContext } from './run-context.ts'
import { sleep } from './sleep.ts'

/** What a retry needs from the run: the budget and pacing options, the counters, events and the stop signal. */
export type RetryScope = Pick<RunContext, 'options' | 'counters' | 'emit' | 'signal'>

/** The least a retried call needs (`statObject` gives no more): a RetryScope's pacing options only. */
export type RetryPacing = Pick<RunContext, 'counters' | 'emit' | 'signal'> & {
  readonly options: Pick<
    RunContext['options'],
    'transport' | 'retries' | 'retryBaseDelayMs' | 'retryMaxDelayMs' | 'random' | 'stallTimeoutMs'
  >
}

/**
 * The one retry policy of `stat` and parts: throws `error` once `attempt` exceeds the `retries`
 * budget, otherwise counts the retry, emits it and waits a full-jitter backoff that is never
 * shorter than the server's Retry-After. `part` is -1 for `stat`.
 */
export async function backOffOrThrow(
  scope: RetryPacing,
  part: number,
  attempt: number,
  error: TransportError,
): Promise<void> {
  const { options, counters } = scope
  if (attempt > options.retries) throw error
  const delayMs = backoffDelay(
    { baseMs: options.retryBaseDelayMs, maxMs: options.retryMaxDelayMs, random: options.random },
    attempt,
    error.retryAfterMs,
  )
  counters.retries++
  counters.retriesByKind[error.kind] = (counters.retriesByKind[error.kind] ?? 0) + 1
  scope.emit({ type: 'retry', part, attempt, delayMs, reason: retryReason(error) })
  await sleep(delayMs, scope.signal)
}
