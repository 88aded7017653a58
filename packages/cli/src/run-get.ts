import { basename } from 'node:path'
import {
  AbortedError,
  CheckpointError,
  type CheckpointStore,
  createDownload,
  type IntegrityError,
  isResumableError,
  isTransportError,
  ObjectChangedError,
  OptionsError,
  type ResumableError,
  statObject,
  type Target,
  TargetError,
  type Transport,
} from '@resumable/core'
import { ProxyVariableError } from '@resumable/transport-fetch'
import { readChecksumFile } from './checksum-file.ts'
import type { CliEnvironment } from './cli-environment.ts'
import type { GetCommand } from './command-line.ts'
import {
  type ChosenDestination,
  chooseDestination,
  createDirectory,
  namedByServer,
  objectFileName,
  objectPath,
} from './destination.ts'
import { withoutOptionNote } from './exists-hint.ts'
import { ExitCode } from './exit-codes.ts'
import { lockWatchMessage } from './lock-watch-message.ts'
import { objectSettings } from './object-settings.ts'
import { optionMessage } from './option-message.ts'
import { Reporter } from './reporter.ts'
import { createTransport, parseSource } from './sources.ts'
import { READER_GONE_MESSAGE, StdoutTarget } from './stdout-target.ts'
import { UsageError } from './usage-error.ts'

/** Runs `resumable get`; resolves with the exit code. */
export async function runGet(cmd: GetCommand, cli: CliEnvironment): Promise<number> {
  const toStdout = cmd.destination === '-'
  const reporter = new Reporter(cli.io, {
    json: cmd.json,
    quiet: cmd.quiet,
    humanToStderr: toStdout,
    digestFlag: cmd.checksumFile === undefined ? '--checksum' : '--checksum-file',
  })
  let transport: Transport
  let target: Target
  let checkpoint: CheckpointStore | false
  let checkpointKey = ''
  let chosen: ChosenDestination | undefined
  let digest = cmd.checksum
  try {
    const source = parseSource(cmd.source)
    transport = await createTransport(source, cmd, cli.env, cli.aliOss)
    if (toStdout) {
      target = new StdoutTarget(cli.stdoutSink)
      checkpoint = false
      // --quiet prints nothing but errors: this is a notice (with --json, still an event).
      if (!cmd.noCheckpoint && !(cmd.quiet && !cmd.json))
        reporter.message(
          'streaming to stdout: no checkpoint is kept, an interrupted download starts over',
        )
    } else {
      chosen = await chooseDestination(cmd.destination, source)
      // The name is the server's to suggest: one request first, before anything is created.
      if (cmd.contentDisposition && chosen.named) {
        const info = await statObject({
          transport,
          ...objectSettings(cmd),
          onEvent: (event) => reporter.event(event),
        })
        chosen = namedByServer(chosen, info)
      }
      const places = await cli.files(chosen.path, cmd.checkpoint, cmd.force, {
        onLockWatch: (owner, ms) => reporter.message(lockWatchMessage(owner, ms)),
        remoteTime: cmd.remoteTime,
      })
      target = places.target
      checkpoint = cmd.noCheckpoint ? false : places.checkpoint
      checkpointKey = places.key
      if (cmd.checksumFile !== undefined)
        digest = {
          ...(await readChecksumFile(cmd.checksumFile, [
            { name: objectFileName(source), path: objectPath(source) },
            { name: basename(chosen.path) },
          ])),
          source: `--checksum-file ${cmd.checksumFile}`,
        }
    }
  } catch (error) {
    return failure(error, reporter, toStdout)
  }

  let handle: ReturnType<typeof createDownload>
  /** What a pause made durable (the engine's `paused` event); undefined when it never got that far. */
  let durableBytes: number | undefined
  try {
    handle = createDownload({
      transport,
      target,
      checkpoint,
      ...(cmd.range === undefined ? {} : { range: cmd.range }),
      ...(digest === undefined ? {} : { digest }),
      ...objectSettings(cmd),
      ...(cmd.concurrency === undefined ? {} : { concurrency: cmd.concurrency }),
      ...(cmd.outageWaitSeconds === undefined
        ? {}
        : { outageWaitMs: cmd.outageWaitSeconds * 1000 }),
      // A stream cannot take back bytes already written, so a changed object must fail, not
      // restart; the command line refuses an explicit `--on-change restart` with -.
      onObjectChanged: cmd.onChange ?? (toStdout ? 'fail' : 'restart'),
      onEvent: (event) => {
        if (event.type === 'paused') durableBytes = event.durableBytes
        reporter.event(event)
      },
    })
  } catch (error) {
    return failure(error, reporter, toStdout)
  }
  // Only now, with every option accepted, is anything created or said about the destination.
  let undoDirectory = async (): Promise<void> => {}
  if (chosen?.named) {
    reporter.destination(chosen)
    try {
      if (chosen.createDirectory) undoDirectory = await createDirectory(chosen.path)
    } catch (error) {
      return failure(error, reporter, toStdout)
    }
  }
  const stopSignals = cli.onInterrupt(() => handle.pause())
  try {
    const result = await handle.start()
    reporter.done(result, chosen?.path ?? cmd.destination)
    return ExitCode.ok
  } catch (error) {
    // The reader of stdout went away (`… - | head`): an error, not a Ctrl-C, whichever stopped the
    // engine first (the closed pipe also asks the engine to pause).
    const readerGone = target instanceof StdoutTarget ? target.readerGone : undefined
    if (readerGone) {
      reporter.error(ExitCode.failed, 'error', READER_GONE_MESSAGE, readerGone)
      return ExitCode.failed
    }
    // A directory this run created goes again if nothing (no partial file, no checkpoint) is in it.
    await undoDirectory()
    if (error instanceof AbortedError && error.kind === 'paused') {
      const text = await interruptedMessage(checkpoint, checkpointKey, durableBytes)
      reporter.interrupted(ExitCode.interrupted, durableBytes, text)
      return ExitCode.interrupted
    }
    const full = await fullDiskMessage(error, checkpoint, checkpointKey)
    if (full !== undefined) {
      reporter.error(ExitCode.failed, 'error', full, error)
      return ExitCode.failed
    }
    return failure(error, reporter, toStdout)
  } finally {
    stopSignals()
  }
}

/** What an interruption leaves: a checkpoint to resume from, or nothing (e.g. stopped during the first request). */
async function interruptedMessage(
  checkpoint: CheckpointStore | false,
  key: string,
  durableBytes: number | undefined,
): Promise<string> {
  if (checkpoint === false)
    return 'interrupted; no checkpoint was kept, so the next run starts over'
  // No `paused` event: stopped before the download began; a checkpoint of an earlier run may stand.
  const saved =
    durableBytes !== undefined
      ? durableBytes > 0
      : await checkpoint.load(key).then(
          (bytes) => bytes !== undefined,
          () => true,
        )
  return saved
    ? 'interrupted; progress saved — run the same command again to resume'
    : 'interrupted before any byte was saved; the next run starts over'
}

/**
 * The failure whose words the user should read: for a checkpoint the store could not save, the
 * store's own error when it is one of ours, since that already names the file and the reason
 * (`Could not save the checkpoint x.resumable.json: the disk is full…`); the wrapper would only
 * repeat it (`could not save the checkpoint x: Could not save the checkpoint …`). The error event
 * keeps the thrown error's name and kind (`CheckpointError`, `checkpoint`).
 */
function storeFailure(error: ResumableError): ResumableError {
  if (!(error instanceof CheckpointError) || error.problem !== 'io') return error
  return isResumableError(error.cause) ? error.cause : error
}

/**
 * What to say when the disk filled up: the store's words when a checkpoint is left to resume
 * from, but ours when nothing was kept — the engine removes a partial file no checkpoint covers
 * (a full disk before the first save), so "run again to resume" would be untrue. Whether one is
 * kept is asked of the checkpoint store itself, after the engine has cleaned up. Undefined for
 * any other failure.
 */
async function fullDiskMessage(
  error: unknown,
  checkpoint: CheckpointStore | false,
  key: string,
): Promise<string | undefined> {
  if (!isResumableError(error)) return undefined
  const failure = storeFailure(error)
  if (failure.kind !== 'no-space') return undefined
  // Refused before the first write: nothing was removed, and the message names both sizes.
  if (failure instanceof TargetError && failure.space !== undefined) return failure.message
  const kept =
    checkpoint !== false &&
    (await checkpoint.load(key).then(
      (bytes) => bytes !== undefined,
      () => true,
    ))
  if (kept) return failure.message
  const path = (failure as { readonly path?: unknown }).path
  const where = typeof path === 'string' ? path : 'the destination'
  const why =
    checkpoint === false
      ? '; with --no-checkpoint no progress is saved, so'
      : ' before any progress was saved, so'
  return `Could not write ${where}: the disk is full (or over quota)${why} the partial file was removed and nothing is kept; free space and run again (it starts over)`
}

/** One clear line per failure (one JSON `error` event with --json), with the store's Code and RequestId when there are any. */
function failure(error: unknown, reporter: Reporter, toStdout = false): number {
  if (error instanceof OptionsError) {
    reporter.error(ExitCode.usage, 'usage', `${optionMessage(error)} (see resumable --help)`, error)
    return ExitCode.usage
  }
  if (error instanceof ProxyVariableError) return failure(new UsageError(error.message), reporter)
  if (error instanceof UsageError) {
    reporter.error(ExitCode.usage, 'usage', `${error.message} (see resumable --help)`, error)
    return ExitCode.usage
  }
  // From the error's remedies, not its wording; of the options, one download has overwrite alone.
  if (
    error instanceof TargetError &&
    error.kind === 'exists' &&
    error.remedies?.includes('overwrite')
  ) {
    reporter.error(
      ExitCode.failed,
      'error',
      `${withoutOptionNote(error.message)} — pass --force to overwrite it`,
      error,
    )
    return ExitCode.failed
  }
  if (error instanceof TargetError && error.kind === 'locked') {
    reporter.error(
      ExitCode.busy,
      'error',
      `${error.message}; nothing was touched — wait for it, or stop it and run again`,
      error,
    )
    return ExitCode.busy
  }
  // Every byte already went to stdout: "the destination was not written" would be untrue there.
  if (toStdout && isResumableError(error) && error.kind === 'integrity') {
    const { check, expected, actual } = error as Partial<IntegrityError>
    reporter.error(
      ExitCode.failed,
      'error',
      `the data streamed to stdout failed ${check ?? 'integrity'} verification${expected === undefined ? '' : ` (expected ${expected}, got ${actual})`}; it is not the object — discard it`,
      error,
    )
    return ExitCode.failed
  }
  if (error instanceof ObjectChangedError) {
    reporter.error(ExitCode.failed, 'error', objectChangedMessage(error, toStdout), error)
    return ExitCode.failed
  }
  // The engine removes bytes that failed verification with their checkpoint: say nothing is kept.
  if (isResumableError(error) && error.kind === 'integrity') {
    reporter.error(ExitCode.failed, 'error', `${error.message}; ${DISCARDED}`, error)
    return ExitCode.failed
  }
  if (isTransportError(error) || isResumableError(error)) {
    reporter.error(ExitCode.failed, 'error', storeFailure(error).message, error)
    return ExitCode.failed
  }
  const message = error instanceof Error ? error.message : String(error)
  reporter.error(ExitCode.failed, 'error', message, error)
  return ExitCode.failed
}

/**
 * A changed object ends the run (`--on-change fail`, the default with -, or restarts used up)
 * and the engine removes the partial file and its checkpoint, since their bytes belong to the
 * earlier version: unlike other failures (exit 1 too), nothing is kept, and the user must know
 * the next run starts over.
 */
function objectChangedMessage(error: ObjectChangedError, toStdout: boolean): string {
  if (toStdout)
    return `${error.message}; what was streamed to stdout is an incomplete copy of the earlier version — discard it and run again`
  return `${error.message}; ${DISCARDED}`
}

/** Said of a failure after which the engine kept neither the partial file nor its checkpoint. */
const DISCARDED = 'the partial download was discarded, so the next run starts over'
