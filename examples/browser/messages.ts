import type { DownloadEvent, DownloadProgress } from '@resumable/core'

/** What the page asks the download worker to do. */
export type ToWorker =
  | { readonly type: 'start'; readonly url: string; readonly name: string }
  | { readonly type: 'pause' }

/** The summary of a finished download the worker posts back. */
export interface DoneSummary {
  readonly bytes: number
  readonly resumedBytes: number
  readonly fetchedBytes: number
  readonly verification: string
  readonly durationMs: number
  readonly restarts: number
}

/** What the download worker tells the page. */
export type FromWorker =
  | { readonly type: 'progress'; readonly progress: DownloadProgress }
  | { readonly type: 'event'; readonly event: DownloadEvent }
  | { readonly type: 'done'; readonly summary: DoneSummary }
  | { readonly type: 'paused' }
  | {
      readonly type: 'error'
      readonly name: string
      readonly kind: string
      readonly message: string
    }

/** The OPFS directory the example downloads into. */
export const DOWNLOAD_DIRECTORY = 'downloads'

/** The destination file name for a URL: its last path segment. */
export function fileNameFor(url: string): string {
  const last = new URL(url).pathname.split('/').filter(Boolean).pop()
  return decodeURIComponent(last ?? 'download.bin')
}
