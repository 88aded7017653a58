import { isTransportError, type TransportError } from './errors/transport-error.ts'
import { linkedSignal } from './linked-signal.ts'
import type { ResolvedOptions } from './options.ts'
import { MAX_LONE_RETRIES, noAnswer, probeDelay } from './outage-policy.ts'
import type { RetryScope } from './retry.ts'
import { retryReason } from './retry-reason.ts'
import { sleep } from './sleep.ts'
import { statWithRetry } from './stat-with-retry.ts'

/**
 * True when `error` ends an attempt in a way worth waiting out: the store gave no answer, it did
 * answer earlier in this run (`answered`), the wait is on, and a checkpoint store keeps what
 * the next attempt resumes from.
 */
export function mayWaitOut(
  error: unknown,
  answered: boolean,
  options: ResolvedOptions,
): error is TransportError {
  if (options.outageWaitMs === 0 || !options.checkpoint || !answered) return false
  return isTransportError(error) && noAnswer(error)
}

/**
 * A single download's patience with a store that stops answering. When an attempt fails because
 * a request got no answer (after its own retries), the store is asked once at once (a stat): an
 * answer means only this download's requests failed, and it is tried again, a bounded number of
 * times unless it gets further. No answer means the store is down (`store-unreachable`): it is
 * asked now and then, with full-jitter backoff, until it answers (`store-reachable`; the next
 * attempt resumes from the checkpoint) or `outageWaitMs` has passed and one last probe got no
 * answer either (`store-given-up`; the failure stands). A store that never answered in this run
 * (a wrong endpoint, a server not running) is not waited for, nor is one without a checkpoint
 * store to resume from.
 */
export class OutageWait {
  /** The most bytes the checkpoint held when an attempt failed: more later is getting further. */
  #bestDurable = -1
  /** Attempts that failed alone (the store answered the probe) without getting further. */
  #loneFailures = 0

  /**
   * Called with an attempt's failure (one `mayWaitOut` accepts) and the bytes its checkpoint
   * then held; true when another attempt should run (the store answers), false when the failure
   * is final. Rejects with the signal's reason when the download is paused or cancelled meanwhile.
   */
  async waitOut(error: TransportError, durableBytes: number, scope: RetryScope): Promise<boolean> {
    const { options, emit } = scope
    // Bytes made durable, not bytes fetched: a tail split off a part and fetched ahead is fetched
    // again by the next attempt, and would look like progress every time.
    const further = durableBytes > this.#bestDurable
    this.#bestDurable = Math.max(this.#bestDurable, durableBytes)
    if (await answers(scope)) {
      this.#loneFailures = further ? 1 : this.#loneFailures + 1
      return this.#loneFailures <= MAX_LONE_RETRIES
    }
    // An outage is not the download's own failure: it does not count against it.
    this.#loneFailures = 0
    const since = Date.now()
    const deadline = since + options.outageWaitMs
    emit({ type: 'store-unreachable', reason: retryReason(error), waitMs: options.outageWaitMs })
    for (let probes = 1; ; probes++) {
      // The last probe goes out when the wait ends, however far the backoff had got.
      await sleep(Math.min(deadline - Date.now(), probeDelay(probes, options.random)), scope.signal)
      if (await answers(scope)) {
        emit({ type: 'store-reachable', downMs: Date.now() - since })
        return true
      }
      if (Date.now() >= deadline) break
    }
    const downMs = Date.now() - since
    emit({
      type: 'store-given-up',
      downMs,
      message: `the store stopped answering and did not answer for ${Math.round(downMs / 1000)} s: ${error.message}`,
    })
    return false
  }
}

/** One stat, not retried, under the stall deadline: true when the store answered, even with an error. */
async function answers(scope: RetryScope): Promise<boolean> {
  // Its own signal: a stat that succeeds leaves a listener on the one it is given.
  const probe = linkedSignal(scope.signal)
  try {
    await statWithRetry({
      ...scope,
      signal: probe.signal,
      options: { ...scope.options, retries: 0 },
    })
    return true
  } catch (error) {
    if (scope.signal.aborted) throw scope.signal.reason
    return !(isTransportError(error) && noAnswer(error))
  } finally {
    probe.unlink()
  }
}
