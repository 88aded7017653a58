import type { BatchEvent, BatchFailure, BatchProgress, BatchSummary } from '@resumable/core'
import { errorJson } from '../error-json.ts'
import { EXISTS_WITHOUT_JOURNAL, orList, remedyFlags, withoutOptionNote } from '../exists-hint.ts'
import type { Output } from '../reporter.ts'
import { JSON_PROGRESS_INTERVAL_MS } from '../reporter.ts'
import { formatBytes, formatDuration, quoteForTerminal, terminalText } from '../units.ts'
import { batchProgressLine } from './batch-progress-line.ts'
import { type ManifestSource, withFirstLine } from './batch-sources.ts'
import {
  detailsJson,
  listingFailureJson,
  listingFailureText,
  storeDetailsText,
} from './failure-details.ts'

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
  #manifest: ManifestSource | undefined

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
        if (this.#mode.json && event.reason !== 'other-shard' && event.reason !== 'filtered')
          this.json({
            type: 'object-skipped',
            key: event.key,
            path: event.path ?? null,
            reason: event.reason,
          })
        return
      case 'listing-failed':
        if (this.#mode.json)
          this.json({ type: 'listing-failed', ...listingFailureJson(event.failure) })
        // Under --quiet the summary says it, once.
        else if (!this.#mode.quiet)
          this.#line(
            `the listing failed ${listingFailureText(event.failure)}; the objects listed so far continue`,
          )
        return
      case 'object-failed':
        if (this.#mode.json)
          this.json({ type: 'object-failed', ...this.#failureJson(event.failure) })
        else if (!this.#mode.quiet) this.#line(`failed: ${this.#failureText(event.failure)}`)
        else this.#io.err(`failed: ${this.#failureText(event.failure)}\n`)
        return
      case 'object-event':
        // The engine's other events (retries, parts) are the progress line's; a discarded
        // checkpoint is not: the saved progress of a big object is thrown away.
        if (event.event.type !== 'checkpoint-discarded') return
        if (this.#mode.json)
          this.json({
            type: 'checkpoint-discarded',
            key: event.key,
            problem: event.event.problem,
            message: event.event.message,
          })
        else
          this.message(
            `checkpoint discarded (${event.event.problem}) for ${quoteForTerminal(event.key)}: ${terminalText(event.event.message)}; starting it over`,
          )
        return
      case 'journal-inherited':
        this.message(
          `this directory held the journal of another batch (${terminalText(event.batch)}): its ${event.records} finished object(s) count as done here where the same key lands at the same path with the same ETag and size`,
        )
        return
      case 'store-unreachable':
        if (this.#mode.json)
          this.json({
            type: event.type,
            origin: event.origin ?? null,
            waitMs: event.waitMs,
            failure: this.#failureJson(event.failure),
          })
        else
          this.message(
            event.waitMs === 0
              ? `${storeName(event.origin)} did not answer: ${terminalText(event.failure.message)}`
              : `${storeName(event.origin)} stopped answering (${terminalText(event.failure.message)}): its objects wait for it, one tried now and then, for up to ${formatDuration(event.waitMs / 1000)} (--outage-wait)`,
          )
        return
      case 'store-reachable':
        if (this.#mode.json)
          this.json({ type: event.type, origin: event.origin ?? null, downMs: event.downMs })
        else
          this.message(
            `${storeName(event.origin)} answers again after ${formatDuration(event.downMs / 1000)}: its objects continue`,
          )
        return
      case 'store-given-up':
        if (this.#mode.json)
          this.json({
            type: event.type,
            origin: event.origin ?? null,
            downMs: event.downMs,
            message: event.message,
            objects: event.objects,
          })
        else
          this.message(
            `gave up on ${storeName(event.origin)}: ${terminalText(event.message)}; its ${event.objects} waiting object(s), and those listed after, fail (run again to continue)`,
          )
        return
      case 'journal-damaged':
        if (this.#mode.json) this.json({ type: event.type, records: event.records })
        else
          this.message(
            `batch journal: ${event.records} damaged record(s) (their CRC fails) left out, the others kept; their objects are decided afresh: ${EXISTS_WITHOUT_JOURNAL}`,
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
        failures: s.failures.map((f) => this.#failureJson(f)),
        listingFailure: s.listingFailure ? listingFailureJson(s.listingFailure) : null,
        changedSinceListing: s.changedSinceListing,
        restored: s.restored,
        removedUnlisted: s.removedUnlisted,
        bytes: s.progress.bytesDone,
        fetchedBytes: s.fetchedBytes,
        durationMs: s.durationMs,
      })
      return
    }
    // Folder markers, other shards' keys and those the filters left out are not among the
    // objects: said apart, so the counts add up to the total.
    const count = (pick: (reason: string) => boolean) =>
      Object.entries(s.skipped)
        .filter(([reason, n]) => pick(reason) && (n ?? 0) > 0)
        .map(([reason, n]) => `${n} ${reason}`)
        .join(', ')
    const notObjects = (reason: string) =>
      reason === 'directory-marker' || reason === 'other-shard' || reason === 'filtered'
    const reasons = count((reason) => !notObjects(reason))
    const passedOver = count(notObjects)
    const lines = [
      `${s.ok ? 'done' : 'finished with failures'}: ${s.downloaded} downloaded, ${s.progress.objectsSkipped} skipped${reasons ? ` (${reasons})` : ''}, ${s.failures.length} failed of ${s.progress.objectsTotal} objects${passedOver ? ` (passed over: ${passedOver})` : ''}; ${formatBytes(s.fetchedBytes)} fetched in ${formatDuration(s.durationMs / 1000)}`,
      ...((s.skipped['done-but-changed'] ?? 0) > 0
        ? [
            `${s.skipped['done-but-changed']} object(s) done by an earlier run changed in the store since and were kept as they are: --force or --update fetches them again`,
          ]
        : []),
      ...(s.restored.length > 0
        ? [
            `${s.restored.length} object(s) done by an earlier run were missing or of another size at the destination, and were decided again: ${terminalText(s.restored.join(', '))}`,
          ]
        : []),
      ...(s.removedUnlisted.length > 0
        ? [
            `${s.removedUnlisted.length} object(s) an earlier run left unfinished are no longer listed; their partial files, checkpoints and locks were removed: ${terminalText(s.removedUnlisted.join(', '))}`,
          ]
        : []),
      ...(s.stoppedEarly
        ? ['stopped at the first failure (--fail-fast); run again to continue']
        : []),
      ...(s.listingFailure
        ? [
            `the listing failed ${listingFailureText(s.listingFailure)}; the objects after it were not listed: run again to continue`,
          ]
        : []),
      ...(s.changedSinceListing.length > 0
        ? [
            `${s.changedSinceListing.length} object(s) changed after listing; the version downloaded is whole: ${terminalText(s.changedSinceListing.join(', '))}`,
          ]
        : []),
      // Under --quiet each failure was printed as it happened: not twice.
      ...(this.#mode.quiet ? [] : s.failures.map((f) => `  failed: ${this.#failureText(f)}`)),
    ]
    if (this.#mode.quiet && s.failures.length === 0 && !s.listingFailure) return
    for (const line of lines) this.#line(line)
  }

  /** The failure that ends the run before any summary (usage, listing). */
  error(exitCode: number, text: string, error: unknown): void {
    if (this.#mode.json) this.json({ type: 'error', exitCode, ...errorJson(error, text) })
    // Escaped as failures are: the text may quote a manifest line or a store's listing error.
    else this.#line(`${exitCode === 2 ? 'usage error' : 'error'}: ${terminalText(text)}`)
  }

  /** A manifest batch: each failure also names the manifest line its object came from. */
  fromManifest(manifest: ManifestSource): void {
    this.#manifest = manifest
  }

  #lineOf(f: BatchFailure): number | undefined {
    return this.#manifest?.lineOf(f.object)
  }

  #failureJson(f: BatchFailure): Record<string, unknown> {
    return failureJson(this.#withFirstLine(f), this.#lineOf(f))
  }

  #failureText(f: BatchFailure): string {
    const line = this.#lineOf(f)
    return failureText(
      this.#withFirstLine(f),
      line === undefined ? undefined : `${this.#manifest?.path}:${line}`,
    )
  }

  #withFirstLine(f: BatchFailure): BatchFailure {
    return { ...f, message: withFirstLine(f.message, f.error, f.key, this.#manifest) }
  }

  #progress(p: BatchProgress): void {
    if (this.#mode.json) {
      const now = Date.now()
      if (now - this.#lastJson < JSON_PROGRESS_INTERVAL_MS) return
      this.#lastJson = now
      // null, not absent, while unknown: the field is documented, and a script reads it as such.
      this.json({ type: 'batch-progress', ...p, etaSeconds: p.etaSeconds ?? null })
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

/** The store a batch event names: its origin (a manifest's URL origin or bucket), or the batch's one store. */
function storeName(origin: string | undefined): string {
  return origin === undefined ? 'the store' : `the store at ${terminalText(origin)}`
}

/**
 * A failure as JSON: key, path, kind, message, what the store said (null when it said nothing),
 * and for `exists` the `flags` that would have skipped or replaced the file (null for other kinds),
 * which its message names too, as the human line does, in place of the library's option names.
 * A manifest batch's failure also has `manifestLine`, the line its object came from.
 */
export function failureJson(f: BatchFailure, manifestLine?: number): Record<string, unknown> {
  return {
    key: f.key,
    ...(manifestLine === undefined ? {} : { manifestLine }),
    path: f.path ?? null,
    ...detailsJson(f),
    message: f.kind === 'exists' ? existsText(f) : f.message,
    flags: f.remedies === undefined ? null : remedyFlags(f.remedies),
  }
}

/**
 * `"key" (path): kind — message [Code X, RequestId Y]`, for a terminal: the key quoted, and every
 * control character (DEL and C1 included) or bidi control of the key, path and message escaped,
 * since the key and the store's message come from the store. `where` (`objects.txt:7`, the
 * manifest line of a manifest batch's object) goes first, as an editor or compiler says it.
 */
export function failureText(f: BatchFailure, where?: string): string {
  const message =
    f.kind === 'exists'
      ? existsText(f)
      : f.kind === 'not-a-directory'
        ? `${f.message}; move or rename it (no flag replaces a file where a directory must go)`
        : f.kind === 'is-directory'
          ? `${isDirectoryText(f.message)}; move or rename it (no flag replaces a directory with a file)`
          : f.message
  return `${where === undefined ? '' : `${terminalText(where)}: `}${quoteForTerminal(f.key)}${f.path ? ` (${terminalText(f.path)})` : ''}: ${f.kind} — ${terminalText(message)}${storeDetailsText(f)}`
}

/**
 * A directory where an object's file must go: the target's advice to give a file path is for one
 * download, whose path the user chose; a batch's path is the key's, so it is left out.
 */
function isDirectoryText(message: string): string {
  return message.replace(/; give a file path$/, '')
}

/**
 * An `exists` failure's message with the flags that would have skipped or replaced the file,
 * taken from its `remedies` (the options not given), in place of the note in option names the
 * library ends its message with. Without `remedies` (a target that sets none) the message stands.
 */
function existsText(f: BatchFailure): string {
  if (f.remedies === undefined) return f.message
  const bare = withoutOptionNote(f.message)
  const flags = remedyFlags(f.remedies)
  return flags.length === 0 ? bare : `${bare} (${orList(flags)})`
}
