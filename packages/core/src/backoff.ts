/** Backoff settings. */
export interface BackoffPolicy {
  /** Base delay of the exponential. */
  readonly baseMs: number
  /** Cap of the exponential. */
  readonly maxMs: number
  /** Uniform random in [0, 1). */
  readonly random: () => number
}

/**
 * Longest `Retry-After` honoured (5 minutes); a server asking for more is treated as asking for
 * this. With the retry budget it bounds how long an answering server can hold a download.
 */
export const MAX_RETRY_AFTER_MS: number = 5 * 60_000

/**
 * Delay before retry number `attempt` (1-based): full jitter, `random × min(max, base × 2^(attempt-1))`,
 * but never less than the server's Retry-After, which knows its load better than we do.
 */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30))
  const jittered = Math.floor(policy.random() * ceiling)
  if (retryAfterMs === undefined || !(retryAfterMs > 0)) return jittered
  return Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS))
}
