import { readdir } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { CheckpointCodec, CheckpointError, TargetError, UNKNOWN_LENGTH } from '@resumable/core'
import {
  CHECKPOINT_SUFFIX,
  isResumableCheckpointFile,
  isResumableLockFile,
  LOCK_SUFFIX,
  TEMP_SUFFIX,
} from '@resumable/store-fs'
import type { CliEnvironment, FilePlaces, RunningDownload } from './cli-environment.ts'
import type { DestinationCommand } from './command-line.ts'
import { ExitCode } from './exit-codes.ts'
import { lockWatchOnStderr } from './lock-watch-message.ts'
import { pathKind } from './path-kind.ts'
import { keptLine, sortLeftovers } from './single-leftovers.ts'
import { formatBytes } from './units.ts'
import { UsageError } from './usage-error.ts'

/** `resumable status <dest>`: what the checkpoint says and whether a download is running, touching nothing. */
export async function runStatus(given: DestinationCommand, cli: CliEnvironment): Promise<number> {
  const cmd = await inDirectory(given, cli)
  const places = await cli.files(cmd.destination, cmd.checkpoint, false, { inspectOnly: true })
  const running = await places.runningDownload()
  const runningLine = running ? `running:     ${describeRunning(running)}` : undefined
  const bytes = await places.checkpoint.load(places.key)
  if (bytes === undefined) {
    const text = running
      ? `a download of ${cmd.destination} is running (pid ${running.pid} on ${running.host}, since ${running.startedAt}); no progress saved yet`
      : `no download in progress for ${cmd.destination}${await checkpointHint(places, cmd)}`
    say(
      cli,
      cmd,
      {
        state: running ? 'running' : 'none',
        destination: cmd.destination,
        ...runningJson(running),
      },
      text,
    )
    return ExitCode.ok
  }
  try {
    const { identity, state, savedAt } = CheckpointCodec.decode(bytes)
    const size = identity.object.size
    const unknown = size === UNKNOWN_LENGTH
    const saved = state.bytesDone
    // As the next run will: parts past the end of a partial file cut short are fetched again.
    const length = running ? undefined : await places.partialFileLength?.()
    const lost = length === undefined ? [] : state.forgetBeyond(length)
    const done = state.bytesDone
    const percent = size === 0 ? 100 : (done / size) * 100
    const progress = unknown
      ? `${formatBytes(done)} of a stream of unknown length`
      : size === 0
        ? 'an empty object: nothing to fetch'
        : `${formatBytes(done)} (${percent.toFixed(1)}%), ${state.doneCount}/${state.plan.partCount} parts of ${formatBytes(state.plan.partSize)}`
    // Not while a download runs: the partial file is its own, and may not exist yet.
    const partial = running
      ? undefined
      : places.partialFileProblem?.(unknown ? Number.MAX_SAFE_INTEGER : size)
    if (partial) {
      const problem = partial.missing ? 'temp-missing' : 'temp-unusable'
      say(
        cli,
        cmd,
        {
          state: 'unusable',
          problem,
          message: partial.reason,
          source: identity.source,
          destination: identity.destination,
        },
        [
          `source:      ${identity.source}`,
          `destination: ${identity.destination}`,
          `checkpoint for ${cmd.destination} is unusable (${problem}): ${partial.reason}; the next run starts over`,
        ].join('\n'),
      )
      return ExitCode.failed
    }
    say(
      cli,
      cmd,
      {
        state: running ? 'running' : 'in-progress',
        source: identity.source,
        destination: identity.destination,
        size: unknown ? null : size,
        etag: identity.object.etag,
        bytesDone: done,
        percent: unknown ? null : Number(percent.toFixed(2)),
        partsDone: state.doneCount,
        partsTotal: state.plan.partCount,
        // One part that ends where the stream ends has no size (not 2^53 - 1), as in `get --json`.
        partSize: state.plan.partSize === UNKNOWN_LENGTH ? null : state.plan.partSize,
        savedAt: new Date(savedAt).toISOString(),
        ...(lost.length > 0 ? { partialFileBytes: length, partsLost: lost } : {}),
        ...runningJson(running),
      },
      [
        `source:      ${identity.source}`,
        `destination: ${identity.destination}`,
        `object:      ${unknown ? 'unknown length (no Content-Length)' : formatBytes(size)}${identity.object.etag ? `, ETag ${identity.object.etag}` : ''}`,
        `progress:    ${progress}`,
        `last saved:  ${new Date(savedAt).toISOString()}`,
        ...(lost.length > 0
          ? [
              `cut short:   the partial file holds ${formatBytes(length as number)}, less than the ${formatBytes(saved)} saved: ${lost.length} part(s) will be fetched again`,
            ]
          : []),
        runningLine ?? 'paused: run the same `resumable get` command again to resume',
      ].join('\n'),
    )
    return ExitCode.ok
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error
    // A user's file with the checkpoint's name: the next run refuses it, it does not start over.
    const foreign = await places.checkpoint.foreignFile?.(places.key, bytes)
    if (foreign) {
      say(
        cli,
        cmd,
        {
          state: 'none',
          destination: cmd.destination,
          lookalikes: [foreign.path],
          ...runningJson(running),
        },
        `no download in progress for ${cmd.destination}; ${foreign.path} is not a resumable checkpoint (a file of yours?), so resumable get refuses this destination until it is moved away`,
      )
      return ExitCode.ok
    }
    say(
      cli,
      cmd,
      {
        state: 'unusable',
        problem: error.problem,
        message: error.message,
        ...runningJson(running),
      },
      `checkpoint for ${cmd.destination} is unusable (${error.problem}): ${error.message}; the next run starts over`,
    )
    return ExitCode.failed
  }
}

/**
 * `resumable cancel <dest>`: removes the partial download, its lock and its checkpoint, holding
 * the destination's lock meanwhile. Refuses (exit 75, nothing touched) while a live process is
 * downloading to `dest`, and (exit 1, nothing touched) when a file of the user's is at the lock's
 * place; exit 3 when there was nothing to remove.
 */
export async function runCancel(given: DestinationCommand, cli: CliEnvironment): Promise<number> {
  const cmd = await inDirectory(given, cli)
  const places = await cli.files(cmd.destination, cmd.checkpoint, false, {
    inspectOnly: true,
    onLockWatch: lockWatchOnStderr(cli, cmd.json),
  })
  // A lock naming another host is watched: a machine that died must not make this refuse forever.
  const running = await places.runningDownload({ watch: true })
  if (running) return refuseRunning(cli, cmd, running)
  const { own, lookalikes } = await sortLeftovers(await places.leftovers())
  const hint = await checkpointHint(places, cmd)
  const kept = lookalikes.length > 0 ? `\n${keptLine(lookalikes)}` : ''
  if (own.length === 0) {
    say(
      cli,
      cmd,
      { state: 'none', destination: cmd.destination, removed: [], lookalikes },
      `nothing to cancel for ${cmd.destination}: no partial download, lock or checkpoint found${kept}`,
    )
    return ExitCode.nothingToCancel
  }
  // Something of resumable's is there, so a partial file found is its own (sortLeftovers); a
  // checkpoint only named like one is the user's.
  const checkpointKept = lookalikes.some(
    (path) => !path.endsWith(TEMP_SUFFIX) && !path.endsWith(LOCK_SUFFIX),
  )
  try {
    // Under the destination's lock, taken as a download takes it and held until the checkpoint is
    // gone too: a download starting meanwhile is refused, never left resuming from a partial file
    // or checkpoint being removed. A file of the user's at the lock's place refuses the lock.
    await places.target.abort({ keep: false, reopen: true })
    if (!checkpointKept) await places.checkpoint.remove(places.key)
  } catch (error) {
    // Started between our look and the removal: the lock kept it safe, say so the same way.
    const now =
      error instanceof TargetError && error.kind === 'locked'
        ? await places.runningDownload()
        : undefined
    if (now) return refuseRunning(cli, cmd, now)
    if (
      error instanceof TargetError &&
      error.kind === 'exists' &&
      error.path?.endsWith(LOCK_SUFFIX)
    )
      return refuseLookalikeLock(cli, cmd, error.path, lookalikes)
    throw error
  } finally {
    await places.target.abort({ keep: true }).catch(() => undefined)
  }
  say(
    cli,
    cmd,
    { state: 'cancelled', destination: cmd.destination, removed: own, lookalikes },
    `removed the partial download of ${cmd.destination}: ${own.join(', ')}${hint}${kept}`,
  )
  return ExitCode.ok
}

/**
 * `status dir/` and `cancel dir/` after `get <url> dir/` (which saved as dir/<name>): when the
 * destination is a directory (or ends in `/`), the one download in progress in it — found by its
 * partial file, lock or checkpoint beside it (with --checkpoint, by its partial file or lock) — is
 * the one meant, and the command says so. Several: a usage error listing them. None: the
 * destination as given, as before. A batch directory never gets here (main routes it first).
 */
async function inDirectory(
  cmd: DestinationCommand,
  cli: CliEnvironment,
): Promise<DestinationCommand> {
  const dir = cmd.destination
  const slash = dir.endsWith('/') || dir.endsWith(sep)
  if (!slash && (await pathKind(dir)) !== 'directory') return cmd
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch {
    return cmd
  }
  // A checkpoint kept elsewhere (--checkpoint) is not in dir/: its partial file and lock are.
  const suffixes = [
    TEMP_SUFFIX,
    LOCK_SUFFIX,
    ...(cmd.checkpoint === undefined ? [CHECKPOINT_SUFFIX] : []),
  ]
  const names = new Set<string>()
  for (const entry of entries) {
    const suffix = suffixes.find((x) => entry.endsWith(x) && entry.length > x.length)
    if (suffix === undefined) continue
    // A user's notes.resumable.json or look-alike lock names no download. A partial file alone
    // still does (its checkpoint may be elsewhere): cancel then keeps it unless vouched for.
    const path = join(dir, entry)
    if (suffix === LOCK_SUFFIX && !(await isResumableLockFile(path))) continue
    if (suffix === CHECKPOINT_SUFFIX && !(await isResumableCheckpointFile(path))) continue
    names.add(entry.slice(0, -suffix.length))
  }
  const found = [...names].sort()
  if (found.length === 0) return cmd
  const paths = found.map((name) => join(dir, name))
  const where = dir === '.' || dir === `.${sep}` ? 'the current directory' : dir
  if (paths.length > 1) {
    throw new UsageError(
      `${where} holds ${paths.length} downloads in progress: ${paths.join(', ')}; name one, e.g. resumable ${cmd.command} ${paths[0]}`,
    )
  }
  const only = paths[0] as string
  if (!cmd.json) cli.io.out(`${where} holds one download in progress: ${only}\n`)
  return { ...cmd, destination: only }
}

/**
 * A file of the user's holds the lock's name: without the lock, removing the partial file or
 * checkpoint could pull them from under a download starting that instant, so nothing is removed.
 */
function refuseLookalikeLock(
  cli: CliEnvironment,
  cmd: DestinationCommand,
  lock: string,
  lookalikes: readonly string[],
): number {
  say(
    cli,
    cmd,
    { state: 'refused', destination: cmd.destination, lock, lookalikes },
    `not cancelled: ${lock} is not resumable's lock (a file of yours?), and cancel removes a download's files only under that lock; nothing was removed: move it away, then cancel again`,
    'stderr',
  )
  return ExitCode.failed
}

function refuseRunning(
  cli: CliEnvironment,
  cmd: DestinationCommand,
  running: RunningDownload,
): number {
  say(
    cli,
    cmd,
    { state: 'running', destination: cmd.destination, ...runningJson(running) },
    `not cancelled: a download of ${cmd.destination} is running (${describeRunning(running)}); stop it first (Ctrl-C, or kill ${running.pid}), then cancel`,
    'stderr',
  )
  return ExitCode.busy
}

function describeRunning(r: RunningDownload): string {
  return `pid ${r.pid} on ${r.host}, since ${r.startedAt}`
}

function runningJson(r: RunningDownload | undefined): Record<string, unknown> {
  return r ? { pid: r.pid, host: r.host, startedAt: r.startedAt } : {}
}

/** Without --checkpoint, a partial file with no checkpoint beside it was probably saved elsewhere. */
async function checkpointHint(places: FilePlaces, cmd: DestinationCommand): Promise<string> {
  if (cmd.checkpoint !== undefined) return ''
  const left = await places.leftovers()
  return left.length > 0 && left.every((p) => !p.endsWith('.resumable.json'))
    ? ' (no checkpoint beside it: if the download used --checkpoint, pass the same --checkpoint here)'
    : ''
}

function say(
  cli: CliEnvironment,
  cmd: DestinationCommand,
  json: Record<string, unknown>,
  text: string,
  stream: 'stdout' | 'stderr' = 'stdout',
): void {
  if (cmd.json) cli.io.out(`${JSON.stringify(json)}\n`)
  else if (stream === 'stderr') cli.io.err(`${text}\n`)
  else cli.io.out(`${text}\n`)
}
