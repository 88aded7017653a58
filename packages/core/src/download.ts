import { checkpointIo } from './checkpoint/checkpoint-io.ts'
import { runDownload } from './engine.ts'
import { AbortedError } from './errors/aborted-error.ts'
import { TargetError } from './errors/target-error.ts'
import { EventHub } from './event-hub.ts'
import type { DownloadEvent } from './events.ts'
import { type DownloadOptions, listener, resolveOptions } from './options.ts'
import type { DownloadResult } from './result.ts'

/** Listener for one event type. */
export type DownloadListener<T extends DownloadEvent['type']> = (
  event: Extract<DownloadEvent, { type: T }>,
) => void

/** A download you can start, watch, pause and cancel. */
export interface DownloadHandle {
  /** Starts (once) and resolves with the result; later calls return the same promise. */
  start(): Promise<DownloadResult>
  /** Stops after making in-flight bytes durable; the checkpoint is kept, `start` rejects with kind 'paused'. */
  pause(): void
  /**
   * Stops and removes the temporary data and the checkpoint, keeping other downloads off the
   * destination (the Target's lock) until both are gone; resolves once they are. Rejects with the
   * Target's TargetError `locked`, removing nothing, when another download (another process's, or
   * another handle's) is writing the destination, and `exists` when a file that is not the
   * Target's (a user's, at its lock's place) keeps it from taking that claim.
   */
  cancel(): Promise<void>
  /** Subscribes to an event type; returns the unsubscribe function. */
  on<T extends DownloadEvent['type']>(type: T, listener: DownloadListener<T>): () => void
}

/**
 * Validates options (throwing OptionsError before anything is touched) and returns a handle to
 * start, watch, pause and cancel the download.
 *
 * @example
 * ```ts
 * import { AbortedError, createDownload } from '@resumable/core'
 * import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
 * import { createUrlTransport } from '@resumable/transport-fetch'
 *
 * const handle = createDownload({
 *   transport: createUrlTransport({ url: 'https://example.com/big.iso' }),
 *   target: new FileTarget('big.iso'),
 *   checkpoint: new FileCheckpointStore(),
 * })
 * handle.on('retry', (e) => console.warn(`part ${e.part} retry ${e.attempt}: ${e.reason.kind}`))
 * process.once('SIGINT', () => handle.pause()) // in-flight bytes are made durable first
 * try {
 *   await handle.start()
 * } catch (error) {
 *   if (error instanceof AbortedError && error.kind === 'paused') console.log('run again to resume')
 *   else throw error
 * }
 * ```
 */
export function createDownload(options: DownloadOptions): DownloadHandle {
  const events = new EventHub<DownloadEvent>(listener('onEvent', options?.onEvent))
  const resolved = resolveOptions({ ...options, onEvent: events.emit })
  const control = new AbortController()
  const pause = (): void => {
    if (!control.signal.aborted)
      control.abort(new AbortedError('paused', 'download paused; run it again to resume'))
  }
  const onUserAbort = (): void => pause()
  let running: Promise<DownloadResult> | undefined
  let cancelled = false

  return {
    start() {
      if (!running) {
        if (resolved.signal?.aborted) pause()
        // Stopped before it began (an aborted signal, pause or cancel first): no request is sent
        // and nothing is touched, and the reason is the latest word, cancel over pause.
        if (control.signal.aborted)
          running = Promise.reject(
            cancelled ? cancelledError() : (control.signal.reason as unknown),
          )
        else {
          resolved.signal?.addEventListener('abort', onUserAbort, { once: true })
          running = runDownload(resolved, control.signal)
            .catch((error: unknown) => {
              // A pause overtaken by a cancel: what is left is nothing, so it reads as cancelled.
              throw cancelled && error instanceof AbortedError ? cancelledError() : error
            })
            .finally(() => resolved.signal?.removeEventListener('abort', onUserAbort))
        }
      }
      return running
    },
    pause,
    async cancel() {
      cancelled = true
      if (!control.signal.aborted) control.abort(cancelledError())
      await running?.catch(() => undefined)
      // Also when the run had already paused, or never started: cancel means nothing is left.
      // But not another download's: its lock refuses, and its checkpoint is its own. The claim
      // (a lock file) is held until the checkpoint is gone too (`reopen`), so a download starting
      // meanwhile is refused rather than resume from a partial file or checkpoint being removed;
      // a file of the user's in the claim's place (`exists`) refuses the cancel the same way.
      try {
        await resolved.target.abort({ keep: false, reopen: true }).catch((error: unknown) => {
          if (error instanceof TargetError && (error.kind === 'locked' || error.kind === 'exists'))
            throw error
        })
        const store = resolved.checkpoint
        if (store) {
          await checkpointIo(`remove the checkpoint ${resolved.checkpointKey}`, () =>
            store.remove(resolved.checkpointKey),
          )
        }
      } finally {
        await resolved.target.abort({ keep: true }).catch(() => undefined)
      }
    },
    on: (type, listener) => events.on(type, listener),
  }
}

/** What a cancelled download rejects with. */
function cancelledError(): AbortedError {
  return new AbortedError('cancelled', 'download cancelled')
}

/**
 * Downloads an object resumably; resolves when the destination holds the complete, verified
 * object. Call it again with the same target and checkpoint after any failure to resume.
 *
 * @example
 * ```ts
 * import { download } from '@resumable/core'
 * import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
 * import { createUrlTransport } from '@resumable/transport-fetch'
 *
 * const result = await download({
 *   transport: createUrlTransport({ url: 'https://example.com/big.iso' }),
 *   target: new FileTarget('big.iso'),
 *   checkpoint: new FileCheckpointStore(),
 *   concurrency: 16,
 *   onProgress: (p) => console.log(`${p.bytesDone} / ${p.totalBytes}`),
 * })
 * console.log(result.verification) // { method: 'crc64xz', value: … } or { method: 'size', reason }
 * ```
 */
export async function download(options: DownloadOptions): Promise<DownloadResult> {
  return createDownload(options).start()
}
