// The download engine in a dedicated worker: OPFS sync access handles exist only here, and the
// page stays responsive. The page posts `start` / `pause`; progress and events come back.
import { download, isResumableError } from '@resumable/core'
import { corsChecked, IndexedDbCheckpointStore, OpfsTarget } from '@resumable/store-browser'
import { createUrlTransport } from '@resumable/transport-fetch'
import { DOWNLOAD_DIRECTORY, type FromWorker, type ToWorker } from './messages.ts'

const post = (message: FromWorker): void => self.postMessage(message)
const checkpoint = new IndexedDbCheckpointStore()
let controller: AbortController | undefined

self.onmessage = (message: MessageEvent<ToWorker>): void => {
  const request = message.data
  if (request.type === 'pause') controller?.abort()
  else if (!controller) void start(request.url, request.name)
}

async function start(url: string, name: string): Promise<void> {
  const running = new AbortController()
  controller = running
  try {
    const result = await download({
      transport: corsChecked((fetch) => createUrlTransport({ url, fetch })),
      target: new OpfsTarget(name, { directory: DOWNLOAD_DIRECTORY, overwrite: true }),
      checkpoint,
      checkpointIntervalMs: 500,
      signal: running.signal,
      onProgress: (progress) => post({ type: 'progress', progress }),
      onEvent: (event) => {
        if (event.type !== 'progress' && event.type !== 'part-done') post({ type: 'event', event })
      },
    })
    post({
      type: 'done',
      summary: {
        bytes: result.bytes,
        resumedBytes: result.resumedBytes,
        fetchedBytes: result.fetchedBytes,
        verification: result.verification.method,
        durationMs: result.durationMs,
        restarts: result.restarts,
      },
    })
  } catch (error) {
    if (running.signal.aborted) post({ type: 'paused' })
    else {
      const kind = isResumableError(error) ? error.kind : 'unknown'
      const { name: errorName, message } = error instanceof Error ? error : new Error(String(error))
      post({ type: 'error', name: errorName, kind, message })
    }
  } finally {
    controller = undefined
  }
}
