import { join } from 'node:path'
import {
  changedSinceDone,
  type ListedObject,
  type Lister,
  PathClaims,
  safeRelativePath,
  shardOf,
} from '@resumable/core'
import { localNameRefusal } from '@resumable/store-fs'
import { ExitCode } from '../exit-codes.ts'
import { quoteForTerminal, terminalText } from '../units.ts'
import type { BatchReporter } from './batch-reporter.ts'
import { type BatchInput, withFirstLine } from './batch-sources.ts'
import type { DestinationState } from './dry-run-state.ts'

/** How a run would treat a file already at an object's destination (the batch options). */
export interface ExistingFiles {
  readonly skipExisting: boolean
  readonly update: boolean
  readonly overwrite: boolean
}

/**
 * `--dry-run`: lists what would be fetched and where — the same key checks, collisions, filters
 * and shard as a real run, the objects the batch's journal has done (skipped), and the files already in the
 * way (failing as `exists` unless the options say otherwise), and the part state of objects no
 * longer listed that the run would remove (as it decides, store-fs `unlistedPartState`) — on stdout (the list is the
 * command's output, also under --quiet), and touches nothing (no directory, no journal, no
 * request but the listing).
 */
export async function dryRun(
  objects: Lister | Iterable<ListedObject>,
  input: BatchInput,
  destination: string,
  shard: { index: number; count: number } | undefined,
  reporter: BatchReporter,
  json: boolean,
  state: DestinationState,
  existing: ExistingFiles,
  keep?: (object: ListedObject) => boolean,
): Promise<number> {
  const claims = new PathClaims()
  const collided = new Set<string>()
  const iterable =
    typeof (objects as Lister).list === 'function'
      ? (objects as Lister).list()
      : (objects as Iterable<ListedObject>)
  let count = 0
  // Only the sizes a listing or a manifest line gives: objects without one are counted apart.
  let knownBytes = 0
  let sizesUnknown = 0
  let refused = 0
  let skipped = 0
  let inTheWay = 0
  // --skip-existing over a file of the object's size: skipped or failed, as its content says.
  let toCompare = 0
  for await (const object of iterable) {
    // As the batch: only a listed empty key ending in `/` is a folder marker.
    if (object.key.endsWith('/') && object.size === 0) continue
    let path: string | undefined
    let reason: string | undefined
    let segments: readonly string[] | undefined
    try {
      segments = safeRelativePath(object.key, input.prefix)
      claims.claim(object.key, segments)
      const refusal = localNameRefusal(segments)
      if (refusal !== undefined) throw new Error(refusal.message)
      path = segments.join('/')
    } catch (error) {
      // As the run: a key refused as colliding was listed all the same.
      if (segments !== undefined) collided.add(segments.join('/'))
      reason = withFirstLine(
        error instanceof Error ? error.message : String(error),
        error,
        object.key,
        input.manifest,
      )
    }
    // Claimed above all the same, as the run claims them: the filters never decide a collision.
    if (keep && !keep(object)) continue
    if (shard && shardOf(object.key, shard.count) !== shard.index) continue
    const from = input.describe(object)
    if (reason !== undefined) {
      refused++
      const line = input.manifest?.lineOf(object)
      if (json)
        reporter.json({
          type: 'would-refuse',
          key: object.key,
          ...(line === undefined ? {} : { manifestLine: line }),
          source: from,
          reason,
        })
      // The key and the reason (which quotes the key) are the store's text: escaped for a terminal.
      else
        reporter.output(
          `would refuse ${line === undefined ? '' : `${terminalText(`${input.manifest?.path}:${line}`)}: `}${quoteForTerminal(object.key)}: ${terminalText(reason)}`,
        )
      continue
    }
    const to = join(destination, path as string)
    const fate = await fateOf(object, path as string, state, existing)
    if (fate === 'done' || fate === 'done-but-changed') {
      skipped++
      if (json)
        reporter.json({ type: 'would-skip', key: object.key, destination: to, reason: fate })
      else
        reporter.output(
          `would skip ${terminalText(to)} (done by an earlier run of this batch${fate === 'done' ? '' : ', but changed in the store since: --force or --update fetches it again'})`,
        )
      continue
    }
    if (fate === 'exists' || fate === 'exists-other-size' || fate === 'is-directory') {
      inTheWay++
      const kind = fate === 'is-directory' ? 'is-directory' : 'exists'
      if (json) reporter.json({ type: 'would-fail', key: object.key, destination: to, kind })
      else
        reporter.output(
          `would fail ${terminalText(from)} → ${terminalText(to)}: ${FAILURE_TEXT[fate]}`,
        )
      continue
    }
    if (fate === 'compare-or-fail') {
      toCompare++
      if (json)
        reporter.json({
          type: 'would-skip',
          key: object.key,
          destination: to,
          reason: 'same-content',
          otherwise: 'exists',
        })
      else
        reporter.output(
          `would skip ${terminalText(to)} if the file there is found to be the same (--skip-existing), else fail (exists: --update or --force)`,
        )
      continue
    }
    count++
    if (object.size === undefined) sizesUnknown++
    else knownBytes += object.size
    if (json)
      reporter.json({
        type: 'would-fetch',
        key: object.key,
        source: from,
        destination: to,
        size: object.size ?? null,
        ...(fate === 'fetch' ? {} : { existing: fate }),
      })
    else
      reporter.output(
        `would fetch ${terminalText(from)} → ${terminalText(to)} (${object.size === undefined ? 'size unknown' : `${object.size} B`})${FATE_NOTES[fate]}`,
      )
  }
  // What a real run removes once through its whole listing: every key claimed (filtered out and
  // other shards' too) counts as listed, as in core's runBatch.
  const unlisted = await state.unlisted((path) => claims.covers(path) || collided.has(path))
  if (unlisted.length > 0) {
    if (json) reporter.json({ type: 'would-remove-unlisted', paths: unlisted })
    else
      reporter.output(
        `would remove the partial files, checkpoints and locks of ${unlisted.length} object(s) an earlier run left unfinished that are no longer listed: ${terminalText(unlisted.join(', '))}`,
      )
  }
  if (json)
    reporter.json({
      type: 'dry-run-done',
      wouldRemoveUnlisted: [...unlisted],
      objects: count,
      // As the batch's progress counts them: the sizes known, and how many objects have none.
      bytes: knownBytes,
      sizesUnknown,
      refused,
      skipped,
      wouldFail: inTheWay,
      toCompare,
    })
  else
    reporter.output(
      `dry run: ${totalText(count, knownBytes, sizesUnknown)} would be fetched; ${skipped > 0 ? `${skipped} skipped (done earlier); ` : ''}${inTheWay > 0 ? `${inTheWay} would fail (a file or directory is in the way); ` : ''}${toCompare > 0 ? `${toCompare} compared with the file there (--skip-existing); ` : ''}${refused} refused; ${unlisted.length > 0 ? `${unlisted.length} unlisted object(s)' part state would be removed; ` : ''}nothing was touched`,
    )
  return refused > 0 || inTheWay > 0 ? ExitCode.failed : ExitCode.ok
}

/**
/**
 * What a run would do with an object, from the journal and what is at its destination, as core's
 * doneRecord then decideExisting decide without the store's HEAD: skip it (`done`, or
 * `done-but-changed` when the store's object changed since), fail it (a directory there; a file
 * --skip-existing cannot skip for its size, or no flag lets be replaced), compare the file with
 * it and skip or fail it (`--skip-existing` alone), or fetch it — over a file it would replace,
 * compare first, or check as the one an interrupted run was publishing.
 */
type Fate =
  | 'done'
  | 'done-but-changed'
  | 'exists'
  | 'exists-other-size'
  | 'is-directory'
  | 'compare-or-fail'
  | 'fetch'
  | 'replace'
  | 'compare'
  | 'check'

const FAILURE_TEXT: Record<'exists' | 'exists-other-size' | 'is-directory', string> = {
  exists: 'a file is already there (exists: --skip-existing, --update or --force)',
  'exists-other-size': 'a file of another size is already there (exists: --update or --force)',
  'is-directory': 'a directory is there (is-directory: move or rename it)',
}

const FATE_NOTES: Record<'fetch' | 'replace' | 'compare' | 'check', string> = {
  fetch: '',
  replace: ', replacing the file there',
  compare: ', unless the file there is found to be the same',
  check: ', unless the file there is the one an interrupted run was publishing',
}

async function fateOf(
  object: ListedObject,
  path: string,
  state: DestinationState,
  existing: ExistingFiles,
): Promise<Fate> {
  const there = await state.entryAt(path)
  if (there === undefined) return 'fetch'
  if (there.kind === 'directory') return 'is-directory'
  // As the run decides (core's doneRecord, then decideExisting), without the store's HEAD.
  const done = state.journal.done(object, path, existing.update || existing.overwrite)
  if (done?.size === there.size) return changedSinceDone(done, object) ? 'done-but-changed' : 'done'
  if (state.journal.publishing(object.key)) return 'check'
  // A size the listing gives that is not the file's: no content to compare, --skip-existing passes.
  const otherSize = object.size !== undefined && object.size !== there.size
  const compared = existing.skipExisting && !otherSize
  if (existing.update) return otherSize ? 'replace' : 'compare'
  if (existing.overwrite) return compared ? 'compare' : 'replace'
  if (compared) return 'compare-or-fail'
  return otherSize ? 'exists-other-size' : 'exists'
}

/** `3 object(s), 12 B`, `3 object(s), 12 B + 2 of unknown size`, `3 object(s) of unknown size`. */
function totalText(count: number, knownBytes: number, sizesUnknown: number): string {
  if (sizesUnknown === 0) return `${count} object(s), ${knownBytes} B`
  if (sizesUnknown === count) return `${count} object(s) of unknown size`
  return `${count} object(s), ${knownBytes} B + ${sizesUnknown} of unknown size`
}
