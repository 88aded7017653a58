import { join } from 'node:path'
import {
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

/**
 * `--dry-run`: lists what would be fetched and where — the same key checks, collisions and shard
 * as a real run — on stdout (the list is the command's output, also under --quiet), and touches
 * nothing (no directory, no journal, no request but the listing).
 */
export async function dryRun(
  objects: Lister | Iterable<ListedObject>,
  input: BatchInput,
  destination: string,
  shard: { index: number; count: number } | undefined,
  reporter: BatchReporter,
  json: boolean,
): Promise<number> {
  const claims = new PathClaims()
  const iterable =
    typeof (objects as Lister).list === 'function'
      ? (objects as Lister).list()
      : (objects as Iterable<ListedObject>)
  let count = 0
  // Only the sizes a listing or a manifest line gives: objects without one are counted apart.
  let knownBytes = 0
  let sizesUnknown = 0
  let refused = 0
  for await (const object of iterable) {
    // As the batch: only a listed empty key ending in `/` is a folder marker.
    if (object.key.endsWith('/') && object.size === 0) continue
    let path: string | undefined
    let reason: string | undefined
    try {
      const segments = safeRelativePath(object.key, input.prefix)
      claims.claim(object.key, segments)
      const refusal = localNameRefusal(segments)
      if (refusal !== undefined) throw new Error(refusal.message)
      path = segments.join('/')
    } catch (error) {
      reason = withFirstLine(
        error instanceof Error ? error.message : String(error),
        error,
        object.key,
        input.manifest,
      )
    }
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
    count++
    if (object.size === undefined) sizesUnknown++
    else knownBytes += object.size
    const to = join(destination, path as string)
    if (json)
      reporter.json({
        type: 'would-fetch',
        key: object.key,
        source: from,
        destination: to,
        size: object.size ?? null,
      })
    else
      reporter.output(
        `would fetch ${terminalText(from)} → ${terminalText(to)} (${object.size === undefined ? 'size unknown' : `${object.size} B`})`,
      )
  }
  if (json)
    reporter.json({
      type: 'dry-run-done',
      objects: count,
      // As the batch's progress counts them: the sizes known, and how many objects have none.
      bytes: knownBytes,
      sizesUnknown,
      refused,
    })
  else
    reporter.output(
      `dry run: ${totalText(count, knownBytes, sizesUnknown)} would be fetched; ${refused} refused; nothing was touched`,
    )
  return refused > 0 ? ExitCode.failed : ExitCode.ok
}

/** `3 object(s), 12 B`, `3 object(s), 12 B + 2 of unknown size`, `3 object(s) of unknown size`. */
function totalText(count: number, knownBytes: number, sizesUnknown: number): string {
  if (sizesUnknown === 0) return `${count} object(s), ${knownBytes} B`
  if (sizesUnknown === count) return `${count} object(s) of unknown size`
  return `${count} object(s), ${knownBytes} B + ${sizesUnknown} of unknown size`
}
