import type { BatchEvent, BatchFailure, BatchProgress, BatchSummary } from '@resumable/core'
import { errorJson } from '../error-json.ts'
import type { Output } from '../reporter.ts'
import { JSON_PROGRESS_INTERVAL_MS } from '../reporter.ts'
import { formatBytes, formatDuration, quoteForTerminal, terminalText } from '../units.ts'
import { batchProgressLine } from './batch-progress-line.ts'

/** How the user asked to be told. */
export interface BatchReporterMode {
  readonly json: boolean
  readonly quiet: boolean
}

/**
 * What a batch shows: one live progress line on a terminal (a plain line every 5 s otherwise), a
 * line per failure as it happens, and the summary; or, with --json, one event per object and
 * per batch milestone on stdout (schema in the CLI README, "Batch events").
 */
export class BatchReporter {
  readonly #io: Output
  readonly #mode: BatchReporterMode
  #barShown = false
  #lastPlain = 0
  #lastJson = Number.NEGATIVE_INFINITY

  constructor(io: Output, mode: BatchReporterMode) {
    this.#io = io
    this.#mode = mode
  }

  /** One JSON line on stdout, its DEL, C1 and bidi controls escaped: the same JSON, safe on a terminal. */
  json(value: Record<string, unknown>): void {
    this.#io.out(
      `${terminalText(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))}\n`,
    )
  }

  /** A line of the command's own output on stdout (a dry run's list), whatever --quiet says. */
  output(text: string): void {
    this.#io.out(`${text}\n`)
  }

  /** A human line on stderr (a JSON `message` event with --json). */
  message(text: string): void {
    if (this.#mode.json) this.json({ type: 'message', message: text })
    else if (!this.#mode.quiet) this.#line(text)
  }

  /** The batch is about to run. */
  start(info: {
    source: string
    destination: string
    shard?: { index: number; count: number }
  }): void {
    if (this.#mode.json) this.json({ type: 'batch-start', ...info })
    else
      this.message(
        `downloading ${info.source} into ${info.destination}${info.shard ? ` (shard ${info.shard.index}/${info.shard.count})` : ''}`,
      )
  }

  /** Handles one batch event. */
  event(event: BatchEvent): void {
    switch (event.type) {
      case 'progress':
        this.#progress(event.progress)
        return
      case 'object-done':
        if (this.#mode.json) {
          const { result } = event
          this.json({
            type: 'object-done',
            key: event.key,
            path: event.path,
            bytes: result.bytes,
            fetchedBytes: result.fetchedBytes,
            resumedBytes: result.resumedBytes,
            etag: result.object.etag,
            verification: result.verification,
            retries: result.retries,
            durationMs: result.durationMs,
            changedSinceListing: event.changedSinceListing,
          })
        } else if (event.changedSinceListing)
          this.message(
            `changed after listing (downloaded the new version whole): ${terminalText(event.key)}`,
          )
        return
      case 'object-skipped':
        if (this.#mode.json && event.reason !== 'other-shard')
          this.json({
            type: 'object-skipped',
            key: event.key,
            path: event.path ?? null,
            reason: event.reason,
          })
        return
      case 'object-failed':
        if (this.#mode.json) this.json({ type: 'object-failed', ...failureJson(event.failure) })
        else if (!this.#mode.quiet) this.#line(`failed: ${failureText(event.failure)}`)
        else this.#io.err(`failed: ${failureText(event.failure)}\n`)
        return
      case 'journal-inherited':
        this.message(
          `this directory held the journal of another batch (${terminalText(event.batch)}): its ${event.records} finished object(s) count as done here where the same key lands at the same path with the same ETag and size`,
        )
        return
      case 'journal-discarded':
        this.message(
          `batch journal discarded (${event.problem}): ${event.message}; every object is decided afresh`,
        )
        return
      default:
        return
    }
  }

  /** The end of a batch: the summary, every failure with its store Code and RequestId. */
  summary(s: BatchSummary, exitCode: number): void {
    if (this.#mode.json) {
      this.json({
        type: 'batch-done',
        exitCode,
        ok: s.ok,
        stoppedEarly: s.stoppedEarly,
        listed: s.listed,
        objects: s.progress.objectsTotal,
        downloaded: s.downloaded,
        skipped: s.skipped,
        failed: s.failures.length,
        failures: s.failures.map(failureJson),
        changedSinceListing: s.changedSinceListing,
        restored: s.restored,
        bytes: s.progress.bytesDone,
        fetchedBytes: s.fetchedBytes,
        durationMs: s.durationMs,
      })
      return
    }
    // Folder markers and other shards' keys are not among the objects: said apart, so the
    // counts add up to the total.
    const count = (pick: (reason: string) => boolean) =>
      Object.entries(s.skipped)
        .filter(([reason, n]) => pick(reason) && (n ?? 0) > 0)
        .map(([reason, n]) => `${n} ${reason}`)
        .join(', ')
    const notObjects = (reason: string) => reason === 'directory-marker' || reason === 'other-shard'
    const reasons = count((reason) => !notObjects(reason))
    const passedOver = count(notObjects)
    const lines = [
      `${s.ok ? 'done' : 'finished with failures'}: ${s.downloaded} downloaded, ${s.progress.objectsSkipped} skipped${reasons ? ` (${reasons})` : ''}, ${s.failures.length} failed of ${s.progress.objectsTotal} objects${passedOver ? ` (passed over: ${passedOver})` : ''}; ${formatBytes(s.fetchedBytes)} fetched in ${formatDuration(s.durationMs / 1000)}`,
      ...(s.restored.length > 0
        ? [
            `${s.restored.length} object(s) done by an earlier run were missing or of another size at the destination, and were decided again: ${terminalText(s.restored.join(', '))}`,
          ]
        : []),
      ...(s.stoppedEarly
        ? ['stopped at the first failure (--fail-fast); run again to continue']
        : []),
      ...(s.changedSinceListing.length > 0
        ? [
            `${s.changedSinceListing.length} object(s) changed after listing; the version downloaded is whole: ${terminalText(s.changedSinceListing.join(', '))}`,
          ]
        : []),
      // Under --quiet each failure was printed as it happened: not twice.
      ...(this.#mode.quiet ? [] : s.failures.map((f) => `  failed: ${failureText(f)}`)),
    ]
    if (this.#mode.quiet && s.failures.length === 0) return
    for (const line of lines) this.#line(line)
  }

  /** The failure that ends the run before any summary (usage, listing). */
  error(exitCode: number, text: string, error: unknown): void {
    if (this.#mode.json) this.json({ type: 'error', exitCode, ...errorJson(error, text) })
    else this.#line(`${exitCode === 2 ? 'usage error' : 'error'}: ${text}`)
  }

  #progress(p: BatchProgress): void {
    if (this.#mode.json) {
      const now = Date.now()
      if (now - this.#lastJson < JSON_PROGRESS_INTERVAL_MS) return
      this.#lastJson = now
      this.json({ type: 'batch-progress', ...p })
      return
    }
    if (this.#mode.quiet) return
    if (this.#io.isTTY) {
      this.#io.err(`\r\u001b[2K${batchProgressLine(p, this.#io.columns)}`)
      this.#barShown = true
      return
    }
    const now = Date.now()
    if (now - this.#lastPlain < 5000) return
    this.#lastPlain = now
    this.#line(batchProgressLine(p, 100))
  }

  #line(text: string): void {
    if (this.#barShown) {
      this.#io.err('\r\u001b[2K')
      this.#barShown = false
    }
    this.#io.err(`${text}\n`)
  }
}

/** A failure as JSON: key, path, kind, message and what the store said (null when it said nothing). */
export function failureJson(f: BatchFailure): Record<string, unknown> {
  return {
    key: f.key,
    path: f.path ?? null,
    kind: f.kind,
    message: f.message,
    status: f.status ?? null,
    code: f.code ?? null,
    requestId: f.requestId ?? null,
    hostId: f.hostId ?? null,
  }
}

/**
 * `"key" (path): kind — message [Code X, RequestId Y]`, for a terminal: the key quoted, and every
 * control character (DEL and C1 included) or bidi control of the key, path and message escaped,
 * since the key and the store's message come from the store.
 */
export function failureText(f: BatchFailure): string {
  const store = [f.code ? `Code ${f.code}` : '', f.requestId ? `RequestId ${f.requestId}` : '']
    .filter(Boolean)
    .join(', ')
  const message = f.kind === 'exists' ? existsText(f.message) : f.message
  return `${quoteForTerminal(f.key)}${f.path ? ` (${terminalText(f.path)})` : ''}: ${f.kind} — ${terminalText(message)}${store ? ` [${terminalText(store)}]` : ''}`
}

/** The flag of each engine option that decides about an existing file, in the order they are named. */
const EXISTING_FLAGS: readonly (readonly [option: string, flag: string])[] = [
  ['skipExisting', '--skip-existing'],
  ['update', '--update'],
  ['overwrite', '--force'],
]

/**
 * An `exists` failure's message with the flags that would have helped. The engine ends its
 * message with the options that were not given and would have skipped or replaced the file
 * (`(see skipExisting, update, overwrite)`, `(see overwrite, update)` under skipExisting, `(use
 * overwrite)`): those become flags, so a flag already given is never suggested. A file where a
 * directory must go is replaced by none of them: moving it is the way.
 */
function existsText(message: string): string {
  const hint = / \((?:see|use) ([^)]*)\)$/.exec(message)
  if (hint) {
    const named = (hint[1] as string).split(/,\s*/)
    const flags = EXISTING_FLAGS.filter(([option]) => named.includes(option)).map(
      ([, flag]) => flag,
    )
    const bare = message.slice(0, hint.index)
    return flags.length === 0 ? bare : `${bare} (${orList(flags)})`
  }
  if (/ is a file, not a directory$/.test(message))
    return `${message}; move or rename it (no flag replaces a file where a directory must go)`
  return message
}

/** `a`, `a or b`, `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length < 2
    ? items.join('')
    : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] as string}`
}
