import { OptionsError } from './errors/options-error.ts'
import type { DownloadEvent } from './events.ts'
import { type DownloadOptions, requireOptionsObject, resolveRetryOptions } from './options.ts'
import type { ObjectInfo } from './ports.ts'
import { statWithRetry } from './stat-with-retry.ts'

/** Options of {@link statObject}: those of `download` that govern its first request. */
export type StatObjectOptions = Pick<
  DownloadOptions,
  | 'transport'
  | 'retries'
  | 'retryBaseDelayMs'
  | 'retryMaxDelayMs'
  | 'stallTimeoutMs'
  | 'signal'
  | 'onEvent'
  | 'random'
>

/**
 * What `download` learns first: the object's `ObjectInfo` from `transport.stat`, with the same
 * retry budget, backoff (Retry-After honoured) and stall deadline, and the same `retry` events
 * (part -1). For a caller that must know the object before it picks the Target, such as a file
 * named as the server suggests (`ObjectInfo.fileName`). Throws the last TransportError, or an
 * OptionsError for options `download` would refuse.
 *
 * @example
 * ```ts
 * const info = await statObject({ transport, retries: 5 })
 * const target = new FileTarget(join(dir, info.fileName ?? 'download.bin'))
 * ```
 */
export async function statObject(options: StatObjectOptions): Promise<ObjectInfo> {
  requireOptionsObject(options)
  const { transport } = options
  if (!transport || typeof transport.stat !== 'function')
    throw new OptionsError('transport', 'expected a Transport with stat() and read()')
  const onEvent = options.onEvent
  return statWithRetry({
    options: { transport, ...resolveRetryOptions(options) },
    signal: options.signal ?? new AbortController().signal,
    counters: { fetchedBytes: 0, retries: 0, retriesByKind: {}, inFlight: 0 },
    emit: (event: DownloadEvent) => onEvent?.(event),
  })
}
