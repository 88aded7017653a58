/**
 * What a store that stopped answering is, and how it is waited for: shared by a single download
 * (outage-wait.ts) and a batch (batch/store-outages.ts), so both judge and probe alike.
 */

import { backoffDelay } from './backoff.ts'

/** Probes of a store that stopped answering: full-jitter backoff from this base … */
const PROBE_BASE_MS = 500
/** … to this cap … */
const PROBE_MAX_MS = 30_000
/** … and never sooner than this after the last one. */
const PROBE_FLOOR_MS = 250

/** How long to wait before probe number `probe` (from 1) of a store that stopped answering. */
export function probeDelay(probe: number, random: () => number): number {
  return Math.max(
    PROBE_FLOOR_MS,
    backoffDelay({ baseMs: PROBE_BASE_MS, maxMs: PROBE_MAX_MS, random }, probe),
  )
}

/**
 * Times a download whose own requests got no answer is tried again while its store answers
 * others (or a probe), unless it gets further meanwhile: more would retry a broken object forever.
 */
export const MAX_LONE_RETRIES = 2

/**
 * True when a failure is the store giving no answer: the connection failed, or nothing came back
 * in time, with no HTTP status. A status, even an error, is an answer.
 */
export function noAnswer(failure: {
  readonly kind: string
  readonly status?: number | undefined
}): boolean {
  return (failure.kind === 'network' || failure.kind === 'timeout') && failure.status === undefined
}
