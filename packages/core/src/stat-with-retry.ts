import { isTransportError } from './errors/transport-error.ts'
import { withJsonValue } from './json-value.ts'
import type { ObjectInfo } from './ports.ts'
import { backOffOrThrow, type RetryPacing } from './retry.ts'
import { StallWatch } from './stall-guard.ts'

/**
 * Calls `transport.stat`, retrying transient failures with the same budget and backoff as parts.
 * Each attempt has the parts' stall deadline: a server (or proxy) that accepts the connection and
 * never answers would otherwise hold the download before its first byte, whatever the retries.
 */
export async function statWithRetry(scope: RetryPacing): Promise<ObjectInfo> {
  const { options, signal } = scope
  for (let attempt = 1; ; attempt++) {
    const controller = new AbortController()
    // The watch makes `controller` follow the run's signal (stall-guard.ts).
    const watch = new StallWatch(
      options.stallTimeoutMs,
      controller,
      `stat ${options.transport.id}`,
      signal,
    )
    let keepLinked = false
    try {
      const info = await watch.guard(() => options.transport.stat({ signal: controller.signal }))
      if (!Number.isSafeInteger(info.size) || info.size < 0) {
        throw new TypeError(
          `Transport ${options.transport.id} reported an invalid size: ${String(info.size)}`,
        )
      }
      // Any transport's checksum, in-repo or not, leaves here JSON-serialisable: the ObjectInfo
      // goes into results and events.
      const checked = info.checksum ? { ...info, checksum: withJsonValue(info.checksum) } : info
      // The run's abort stays linked: a stat may leave a response open for the first read (a
      // batch's one-request objects), and a pause must still abort that request.
      keepLinked = true
      return checked
    } catch (error) {
      // Unlinked before the backoff: its sleep must not find this attempt's listener still there.
      watch.stop()
      if (signal.aborted) throw signal.reason
      if (!isTransportError(error) || !error.retryable) throw error
      await backOffOrThrow(scope, -1, attempt, error)
    } finally {
      watch.stop(keepLinked)
    }
  }
}
