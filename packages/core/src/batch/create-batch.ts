import type { DownloadHandle } from '../download.ts'
import { AbortedError } from '../errors/aborted-error.ts'
import { EventHub } from '../event-hub.ts'
import { listener } from '../options.ts'
import type { BatchEvent } from './batch-events.ts'
import { type BatchOptions, resolveBatchOptions } from './batch-options.ts'
import type { BatchSummary } from './batch-result.ts'
import { runBatch } from './run-batch.ts'

/** Listener for one batch event type. */
export type BatchListener<T extends BatchEvent['type']> = (
  event: Extract<BatchEvent, { type: T }>,
) => void

/** A batch you can start, watch, pause and cancel. */
export interface BatchHandle {
  /** Starts (once) and resolves with the summary; later calls return the same promise. */
  start(): Promise<BatchSummary>
  /** Stops; in-flight objects keep their checkpoints and the journal stays; `start` rejects with kind 'paused'. */
  pause(): void
  /**
   * Stops and removes the in-flight objects' temporary data and checkpoints and the journal.
   * Objects already at their destination stay there.
   */
  cancel(): Promise<void>
  /** Subscribes to an event type; returns the unsubscribe function. */
  on<T extends BatchEvent['type']>(type: T, listener: BatchListener<T>): () => void
}

/**
 * Validates options (throwing OptionsError before anything is listed) and returns a handle.
 *
 * @example
 * const batch = createBatch({ id: 'oss://b/logs/ → ./logs', prefix: 'logs/', objects: lister, open })
 * batch.on('object-failed', ({ failure }) => console.error(failure.key, failure.code))
 * const summary = await batch.start()
 */
export function createBatch(options: BatchOptions): BatchHandle {
  const events = new EventHub<BatchEvent>(listener('onEvent', options?.onEvent))
  const resolved = resolveBatchOptions({ ...options, onEvent: events.emit })
  const control = new AbortController()
  const inFlight = new Set<DownloadHandle>()
  const pause = (): void => {
    if (!control.signal.aborted)
      control.abort(new AbortedError('paused', 'batch paused; run it again to resume'))
  }
  const onUserAbort = (): void => pause()
  let running: Promise<BatchSummary> | undefined
  return {
    start() {
      if (!running) {
        if (options.signal?.aborted) pause()
        else options.signal?.addEventListener('abort', onUserAbort, { once: true })
        running = runBatch(resolved, { signal: control.signal, inFlight }).finally(() =>
          options.signal?.removeEventListener('abort', onUserAbort),
        )
      }
      return running
    },
    pause,
    async cancel() {
      const handles = [...inFlight]
      if (!control.signal.aborted) control.abort(new AbortedError('cancelled', 'batch cancelled'))
      await Promise.all(handles.map((handle) => handle.cancel()))
      await running?.catch(() => undefined)
      await resolved.journal?.remove()
    },
    on: (type, listener) => events.on(type, listener),
  }
}

/**
 * Downloads many objects as one resumable batch with one shared concurrency budget; resolves with
 * a summary of every object (failures included) once each is done, skipped or failed.
 *
 * @example
 * const summary = await downloadMany({
 *   id: 'oss://bucket/datasets/ → /data',
 *   prefix: 'datasets/',
 *   objects: lister, // or an array of { key, size, etag }
 *   journal: FileBatchJournalStore.in('/data'),
 *   open: ({ key, segments }) => fileBatchObject('/data', segments, transportFor(key), { key }),
 * })
 * if (!summary.ok) for (const f of summary.failures) console.error(f.key, f.kind, f.code, f.requestId)
 */
export function downloadMany(options: BatchOptions): Promise<BatchSummary> {
  return createBatch(options).start()
}
