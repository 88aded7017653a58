import {
  type DownloadEvent,
  type DownloadProgress,
  type DownloadResult,
  isDigestAlgorithm,
  type ObjectInfo,
  UNKNOWN_LENGTH,
} from '@resumable/core'
import type { ChosenDestination } from './destination.ts'
import { errorJson } from './error-json.ts'
import { progressLine } from './progress-line.ts'
import { formatBytes, formatDuration, terminalText } from './units.ts'

/** Where the command writes, and what kind of place that is. */
export interface Output {
  /** Writes to stdout. */
  readonly out: (text: string) => void
  /** Writes to stderr. */
  readonly err: (text: string) => void
  /** True when stderr is a terminal (live progress bar). */
  readonly isTTY: boolean
  /** Terminal width in columns (read at each update: the terminal may be resized). */
  readonly columns: number
}

/** At most one JSON `progress` event per this many milliseconds (plus the last one, at 100%). */
export const JSON_PROGRESS_INTERVAL_MS = 500

/** How the user asked to be told. */
export interface ReporterMode {
  readonly json: boolean
  readonly quiet: boolean
  /** Human output goes to stderr when stdout carries the object itself (`-`). */
  readonly humanToStderr: boolean
  /** The flag the user gave a digest with (`--checksum`, `--checksum-file`), named in its lines. */
  readonly digestFlag?: string
}

/** Turns engine events into what the user sees: JSON lines, a live bar, or plain lines. */
export class Reporter {
  readonly #io: Output
  readonly #mode: ReporterMode
  #barShown = false
  #lastPlain = 0
  #lastJsonProgress = Number.NEGATIVE_INFINITY
  #jsonCompleteSent = false
  /** The object's size from the last `start`, to tell a `verifying` that reads only the tail. */
  #objectSize: number | undefined

  constructor(io: Output, mode: ReporterMode) {
    this.#io = io
    this.#mode = mode
  }

  /** Handles one engine event. */
  event(event: DownloadEvent): void {
    if (this.#mode.json) {
      if (event.type === 'progress') this.#jsonProgress(event.progress)
      // The engine's `paused` is held back: the run's last line, a `paused` with its exit code,
      // says it once.
      else if (event.type !== 'checkpoint-saved' && event.type !== 'paused')
        this.json(jsonEvent(event))
      return
    }
    if (event.type === 'start')
      this.#objectSize = event.object.sizeKnown === false ? undefined : event.object.size
    if (this.#mode.quiet) return
    switch (event.type) {
      case 'start':
        this.#line(
          event.object.sizeKnown === false
            ? event.resumedBytes > 0
              ? `resuming a stream of unknown length after ${formatBytes(event.resumedBytes)}`
              : 'downloading a stream of unknown length (the server sent no Content-Length)'
            : event.resumedBytes > 0
              ? `resuming: ${formatBytes(event.resumedBytes)} of ${formatBytes(event.object.size)} already done (${event.resumedParts}/${event.partCount} parts)`
              : event.object.size === 0
                ? 'downloading an empty object (0 B)'
                : `downloading ${formatBytes(event.object.size)} in ${event.partCount} part(s) of ${formatBytes(event.partSize)}`,
        )
        if (unvalidated(event.object))
          this.#line(
            'note: the server sends no ETag, no Last-Modified and no checksum: should the object be replaced by one of the same size, during this download or before a resume, nothing can tell',
          )
        break
      case 'checkpoint-discarded':
        this.#line(`checkpoint discarded (${event.problem}): ${event.message}; starting over`)
        break
      case 'retry':
        this.#line(
          `retry ${event.part < 0 ? 'stat' : `part ${event.part}`} (attempt ${event.attempt}) in ${event.delayMs} ms: ${event.reason.message}`,
        )
        break
      case 'restart':
        this.#line(`object changed, restarting (${event.restarts}): ${event.reason}`)
        break
      case 'sequential':
        this.#line(`not parallel: ${event.message}`)
        break
      case 'plan-switched':
        this.#line(planSwitchedLine(event))
        break
      case 'resume-truncated':
        this.#line(
          `the partial file holds ${formatBytes(event.length)}, less than its checkpoint says; ${event.partsRefetched.length} part(s) will be fetched again`,
        )
        break
      case 'verifying': {
        // A digest is mostly hashed while the parts arrive (a Target's hashAhead); a composite
        // CRC is read back whole.
        const what = event.digest
          ? `the ${event.method} given (${this.#mode.digestFlag ?? 'digest option'})`
          : event.source && isDigestAlgorithm(event.method)
            ? `the ${event.method === 'md5' ? 'MD5' : event.method} in ${event.source}`
            : event.method === 'md5'
              ? 'the MD5 the store vouches for'
              : isDigestAlgorithm(event.method)
                ? `the ${event.method} the store vouches for`
                : undefined
        // `bytes` is what is left to read: the rest was hashed as the parts landed.
        const size = this.#objectSize
        const ahead =
          size !== undefined && event.bytes < size
            ? `: ${formatBytes(size - event.bytes)} hashed as the parts arrived, ${formatBytes(event.bytes)} left to read`
            : ''
        this.#line(
          what === undefined
            ? `verifying: reading ${formatBytes(event.bytes)} back for the ${event.method} of each upload part`
            : `verifying: ${formatBytes(size ?? event.bytes)} against ${what}${ahead}`,
        )
        break
      }
      case 'resume-checked':
        this.#line(
          event.uncheckable
            ? `--recheck: no CRC was recorded for the ${event.partsRefetched.length} saved part(s) (the server publishes no checksum, or they were fetched with --no-verify): they cannot be checked and will be fetched again`
            : `rechecked ${event.partsChecked} resumed part(s); ${event.partsRefetched.length} will be fetched again`,
        )
        break
      case 'store-unreachable':
        this.#line(
          `the store stopped answering (${terminalText(event.reason.message)}): asking it now and then for up to ${formatDuration(event.waitMs / 1000)} (--outage-wait); what was saved is kept`,
        )
        break
      case 'store-reachable':
        this.#line(
          `the store answers again after ${formatDuration(event.downMs / 1000)}: resuming from the checkpoint`,
        )
        break
      case 'store-given-up':
        this.#line(`gave up waiting: ${terminalText(event.message)}`)
        break
      case 'progress':
        this.#progress(event.progress)
        break
      default:
        break
    }
  }

  /** Prints the outcome of a finished download. */
  done(result: DownloadResult, destination: string): void {
    if (this.#mode.json) {
      this.json({ type: 'done', destination, ...resultJson(result) })
      return
    }
    if (this.#mode.quiet) return
    const v = result.verification
    const verified =
      v.method === 'size'
        ? `size only (${v.reason})`
        : 'uploadParts' in v && v.uploadParts
          ? `${v.method} of ${v.uploadParts} upload parts${v.readBack ? ' (read back)' : ''} ${v.value.toString()} matches the store's composite`
          : 'source' in v && v.source
            ? `${v.method} ${v.value} matches ${v.source}`
            : `${v.method} ${v.value.toString()} matches the store`
    const digest = result.digest
      ? `; ${result.digest.algorithm} ${result.digest.value} matches the digest given`
      : ''
    this.#line(
      `done: ${destination} ${formatBytes(result.bytes)} in ${formatDuration(result.durationMs / 1000)}, fetched ${formatBytes(result.fetchedBytes)}, resumed ${formatBytes(result.resumedBytes)}, ${result.retries} retries; verified: ${verified}${digest}`,
    )
  }

  /** Says which file a directory destination resolved to; the first line of the run. */
  destination(chosen: ChosenDestination): void {
    if (this.#mode.json) {
      this.json({
        type: 'destination',
        destination: chosen.path,
        named: chosen.named,
        createdDirectory: chosen.createDirectory,
        ...(chosen.suggested ? { nameFrom: 'content-disposition' } : {}),
      })
    } else if (!this.#mode.quiet) {
      this.#line(
        `saving as ${chosen.path} (name taken from ${chosen.suggested ? "the server's Content-Disposition" : 'the source'}${chosen.createDirectory ? '; creating the directory' : ''})`,
      )
    }
  }

  /** Reports the failure that ends the run: one line, or one JSON `error` event. */
  error(exitCode: number, prefix: 'error' | 'usage', text: string, error: unknown): void {
    if (this.#mode.json) this.json({ type: 'error', exitCode, ...errorJson(error, text) })
    else this.#line(`${prefix === 'usage' ? 'usage error' : 'error'}: ${text}`)
  }

  /**
   * The run was interrupted (exit 130): a line saying what was kept, or with --json the last
   * event, `paused`, as a batch's ends in `batch-paused`: `durableBytes` is what the engine made
   * durable (null when it stopped before the download began), `message` the line's text.
   */
  interrupted(exitCode: number, durableBytes: number | undefined, text: string): void {
    if (this.#mode.json)
      this.json({ type: 'paused', exitCode, durableBytes: durableBytes ?? null, message: text })
    else this.#line(text)
  }

  /** Prints a message line (not in JSON mode unless forced). */
  message(text: string): void {
    if (this.#mode.json) this.json({ type: 'message', message: text })
    else this.#line(text)
  }

  /** Prints one JSON object as a line on stdout (or stderr when stdout carries data). */
  json(value: Record<string, unknown>): void {
    const text = `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`
    if (this.#mode.humanToStderr) this.#io.err(text)
    else this.#io.out(text)
  }

  #jsonProgress(p: DownloadProgress): void {
    const now = Date.now()
    const complete = p.bytesDone >= p.totalBytes
    // The 100% event always goes out (once): a script must not be left at the last throttled figure.
    if (
      complete ? this.#jsonCompleteSent : now - this.#lastJsonProgress < JSON_PROGRESS_INTERVAL_MS
    )
      return
    this.#lastJsonProgress = now
    this.#jsonCompleteSent = complete
    this.json({ type: 'progress', ...p })
  }

  #progress(p: DownloadProgress): void {
    if (this.#io.isTTY) {
      this.#io.err(`\r\u001b[2K${progressLine(p, this.#io.columns)}`)
      this.#barShown = true
      return
    }
    const now = Date.now()
    if (now - this.#lastPlain < 5000 && p.bytesDone < p.totalBytes) return
    this.#lastPlain = now
    this.#line(progressLine(p, 80))
  }

  #line(text: string): void {
    if (this.#barShown) {
      this.#io.err('\r\u001b[2K')
      this.#barShown = false
    }
    this.#io.err(`${text}\n`)
  }
}

function jsonEvent(event: DownloadEvent): Record<string, unknown> {
  if (event.type === 'start') {
    const { object, ...rest } = event
    return {
      ...rest,
      type: event.resumedBytes > 0 ? 'resumed' : 'start',
      // An object of unknown length has no size yet: null, not the placeholder 0.
      size: object.sizeKnown === false ? null : object.size,
      ...(object.sizeKnown === false ? { sizeKnown: false } : {}),
      // One part that ends where the stream ends has no size either (not 2^53 - 1).
      ...(event.partSize === UNKNOWN_LENGTH ? { partSize: null } : {}),
      etag: object.etag,
      lastModified: object.lastModified,
      versionId: object.versionId,
    }
  }
  if (event.type === 'part-done') return { ...event, type: 'part' }
  // A stream of unknown length has no part size (not 2^53 - 1), as in `start`.
  if (event.type === 'plan-switched' && event.partSize === UNKNOWN_LENGTH)
    return { ...event, partSize: null }
  return { ...event }
}

/** The one line a person reads when a started download becomes one stream. */
function planSwitchedLine(event: DownloadEvent & { type: 'plan-switched' }): string {
  const dropped =
    event.discardedBytes > 0
      ? `, the ${formatBytes(event.discardedBytes)} received are discarded`
      : ''
  return `the server ignores Range: one stream from byte ${event.keptBytes}${dropped}; a resume continues from the saved offset only if the server honours Range then`
}

function resultJson(result: DownloadResult): Record<string, unknown> {
  const { object, ...rest } = result
  return {
    ...rest,
    ...(rest.partSize === UNKNOWN_LENGTH ? { partSize: null } : {}),
    size: object.size,
    etag: object.etag,
    lastModified: object.lastModified,
  }
}

/**
 * True when nothing the server sent can tell one version of the object from another of the same
 * size: no validator to compare each part with, and no checksum to verify the whole against.
 */
function unvalidated(object: ObjectInfo): boolean {
  return (
    object.sizeKnown !== false &&
    object.size > 0 &&
    object.etag === undefined &&
    object.lastModified === undefined &&
    object.checksum === undefined &&
    object.digest === undefined &&
    object.md5 === undefined
  )
}
