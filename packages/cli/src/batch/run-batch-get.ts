import { readdir, realpath, rm, rmdir, stat } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import {
  AbortedError,
  type BatchOptions,
  type BatchSummary,
  createBatch,
  isResumableError,
  type ListedObject,
  type Lister,
  OptionsError,
  TargetError,
} from '@resumable/core'
import {
  BATCH_JOURNAL_NAME,
  FileBatchJournalStore,
  FileBatchStaging,
  fileBatchObject,
  makeDirectory,
} from '@resumable/store-fs'
import { ProxyVariableError } from '@resumable/transport-fetch'
import type { CliEnvironment } from '../cli-environment.ts'
import type { GetCommand } from '../command-line.ts'
import { ExitCode } from '../exit-codes.ts'
import { lockWatchMessage } from '../lock-watch-message.ts'
import { objectSettings } from '../object-settings.ts'
import { optionMessage } from '../option-message.ts'
import { pathKind } from '../path-kind.ts'
import { UsageError } from '../usage-error.ts'
import { BatchChecksums } from './batch-checksums.ts'
import { type BatchFlags, resolveShard } from './batch-flags.ts'
import { BatchReporter } from './batch-reporter.ts'
import { type BatchInput, listingInput, manifestInput } from './batch-sources.ts'
import { dryRun } from './dry-run.ts'
import { destinationState } from './dry-run-state.ts'
import { compileFilters } from './glob.ts'

/**
 * `resumable get <prefix> <dir> --recursive` and `resumable get --manifest <file> <dir>`: one
 * resumable batch (core's createBatch) into a directory, with the journal in that directory.
 * Exit 0 when every object is done or skipped, 1 when some failed (each named in the summary),
 * 2 on a usage error, 130 when interrupted (run the same command again to continue).
 */
export async function runBatchGet(cmd: GetCommand, cli: CliEnvironment): Promise<number> {
  const flags = cmd.batch as BatchFlags
  const reporter = new BatchReporter(cli.io, { json: cmd.json, quiet: cmd.quiet })
  let input: BatchInput
  let shard: { index: number; count: number } | undefined
  let checksums: BatchChecksums | undefined
  try {
    if (cmd.destination === '-')
      throw new UsageError('a batch cannot stream to stdout (-); give a directory')
    if (cmd.checkpoint !== undefined || cmd.noCheckpoint)
      throw new UsageError(
        '--checkpoint and --no-checkpoint do not apply to a batch (checkpoints live beside each file)',
      )
    if (cmd.versionId !== undefined) throw new UsageError('--version-id does not apply to a batch')
    if (cmd.range !== undefined)
      throw new UsageError(
        '--range applies to one object, not to a batch (each object is downloaded whole)',
      )
    if (cmd.checksum !== undefined)
      throw new UsageError(
        '--checksum applies to one object, not to a batch (give a --checksum-file, or a digest on each manifest line)',
      )
    if (cmd.contentDisposition)
      throw new UsageError(
        '--content-disposition applies to one object, not to a batch (each file is named by its key, or its manifest line)',
      )
    await refuseFileDestination(cmd.destination)
    shard = resolveShard(flags.shard, cli.env)
    checkBatchSettings(cmd, shard)
    checksums =
      cmd.checksumFile === undefined ? undefined : await BatchChecksums.read(cmd.checksumFile)
    input =
      flags.manifest !== undefined
        ? await manifestInput(cmd, cli)
        : await listingInput(cmd, cli.env, cli.aliOss)
  } catch (error) {
    return fail(reporter, error)
  }
  const keep = keptByFilters(input.prefix, flags)
  const objects = withChecksums(input, checksums, shard, keep)
  if (flags.dryRun) {
    try {
      const state = await destinationState(cmd.destination, shard, (root) => batchId(input, root))
      const existing = {
        skipExisting: flags.skipExisting,
        update: flags.update,
        overwrite: cmd.force,
      }
      const code = await dryRun(
        objects,
        input,
        cmd.destination,
        shard,
        reporter,
        cmd.json,
        state,
        existing,
        keep,
      )
      if (checksums && code !== ExitCode.usage) reporter.message(checksums.report(true))
      return code
    } catch (error) {
      return fail(reporter, error)
    }
  }
  let root: string
  let staging: FileBatchStaging
  let created: string | undefined
  const lockLost: LockLost = { lost: false }
  try {
    created = await makeDirectory(cmd.destination)
    root = await realpath(cmd.destination)
    // One batch process per directory (a second would share the journal), or one per shard of
    // one split, each with a lock and journal of its own.
    staging = await FileBatchStaging.open(root, {
      batch: batchId(input, root),
      ...(shard === undefined ? {} : { shard }),
      onLockWatch: (owner, ms) => reporter.message(lockWatchMessage(owner, ms)),
      onLockLost: () => {
        lockLost.lost = true
        lockLost.stop?.()
      },
    })
  } catch (error) {
    return fail(reporter, error)
  }
  try {
    return await runIn(cmd, cli, {
      root,
      staging,
      input,
      objects,
      shard,
      reporter,
      lockLost,
      checksums,
      keep,
    })
  } finally {
    await staging.close().catch(() => undefined)
    // Not for a shard: another shard may be starting into the directory this one made. Nor
    // when another process took the batch over: the directory is its run's now.
    if (created !== undefined && shard === undefined && !lockLost.lost)
      await removeIfOnlyJournal(root, cmd.destination, created)
  }
}

/**
 * A directory this run created that holds nothing but the journal (the listing failed, or found
 * no object, or every object failed) goes again, with the parents `mkdir -p` made for it
 * (`new/deeper/dir`): a typo in a bucket, prefix or directory leaves nothing behind.
 */
async function removeIfOnlyJournal(
  root: string,
  destination: string,
  firstCreated: string,
): Promise<void> {
  try {
    const names = await readdir(root)
    if (names.some((name) => name !== BATCH_JOURNAL_NAME)) return
    await rm(join(root, BATCH_JOURNAL_NAME), { force: true })
    await rmdir(root)
    // The parents, by the path as given (the one mkdir made them on), up to the first it made;
    // rmdir stops at one that something else has put anything in since.
    const top = resolve(firstCreated)
    let dir = resolve(destination)
    if (!dir.startsWith(top + sep)) return
    while (dir !== top) {
      dir = dirname(dir)
      await rmdir(dir)
    }
  } catch {
    // Best effort: what is left is an empty batch's journal, or empty directories, harmless.
  }
}

/** What `runBatchGet` has settled before the batch runs. */
interface Prepared {
  /** The destination directory's real path. */
  readonly root: string
  /** Its batch lock and staging directory, held by this process. */
  readonly staging: FileBatchStaging
  readonly input: BatchInput
  readonly objects: Lister | Iterable<ListedObject>
  readonly shard: { index: number; count: number } | undefined
  readonly reporter: BatchReporter
  readonly lockLost: LockLost
  /** `--checksum-file`'s lines, already given to the objects they name. */
  readonly checksums: BatchChecksums | undefined
  /** What --include/--exclude keep (none: every object). */
  readonly keep: ((object: ListedObject) => boolean) | undefined
}

/**
 * Whether the batch's lock was found taken over while it ran (this process stopped for longer
 * than a lease, as another host saw it), and how to stop the batch then.
 */
interface LockLost {
  lost: boolean
  stop?: () => void
}

/** The batch itself, once the directory is real and this process holds its batch lock. */
async function runIn(cmd: GetCommand, cli: CliEnvironment, prepared: Prepared): Promise<number> {
  const { root, staging, input, objects, shard, reporter, lockLost, checksums, keep } = prepared
  const flags = cmd.batch as BatchFlags
  // Each directory under the destination is proved inside it once per run, not once per object.
  const provenDirectories = new Map<string, string>()
  let batch: ReturnType<typeof createBatch>
  try {
    batch = createBatch({
      // The source and the destination name the batch; filters do not, so narrowing or widening
      // them on a rerun keeps every object already done.
      id: batchId(input, root),
      prefix: input.prefix,
      objects,
      journal: FileBatchJournalStore.in(root, shard),
      // A rerun after success is then a no-op (nothing requested again); `cancel` removes it.
      keepJournal: true,
      ...batchSettings(cmd, shard),
      // Not a narrower listing: every key left out still claims its path (core's `filter`).
      ...(keep === undefined ? {} : { filter: keep }),
      // An object a killed run left unfinished and this listing no longer has: its part state goes.
      removeUnlisted: (listed) => staging.removeUnlisted(listed),
      open: async (location, object) =>
        fileBatchObject(root, location.segments, await input.transportFor(object), {
          key: object.key,
          rootIsReal: true,
          remoteTime: cmd.remoteTime,
          staging,
          provenDirectories,
        }),
      onEvent: (event) => {
        // An object refused because the batch's lock was taken over (its journal append, a
        // staged publish) may come before the lock's heartbeat says so: the batch stops at once
        // rather than go through every object left, each refused in turn.
        if (
          event.type === 'object-failed' &&
          event.failure.kind === 'locked' &&
          !lockLost.lost &&
          !staging.lock.confirm()
        ) {
          lockLost.lost = true
          lockLost.stop?.()
        }
        reporter.event(event)
      },
    })
  } catch (error) {
    return fail(reporter, error)
  }
  if (input.manifest !== undefined) reporter.fromManifest(input.manifest)
  reporter.start({ source: input.source, destination: root, ...(shard ? { shard } : {}) })
  const stopListening = cli.onInterrupt(() => batch.pause())
  lockLost.stop = () => batch.pause()
  if (lockLost.lost) batch.pause()
  let summary: BatchSummary
  try {
    summary = await batch.start()
  } catch (error) {
    // Told by the lock's heartbeat (the batch paused), or by a write the lock refused first (the
    // journal's append, checked before the next heartbeat runs).
    const takenOver =
      (error instanceof AbortedError && error.kind === 'paused' && lockLost.lost) ||
      (error instanceof TargetError && error.kind === 'locked' && !staging.lock.confirm())
    if (takenOver) {
      reporter.error(
        ExitCode.busy,
        `another process took over this batch's lock in ${root} while this one was stopped for longer than its lease; stopped here, that process continues the batch`,
        error,
      )
      return ExitCode.busy
    }
    if (error instanceof AbortedError && error.kind === 'paused') {
      reporter.message(
        'interrupted; progress saved — run the same command again to continue the batch',
      )
      if (cmd.json) reporter.json({ type: 'batch-paused', exitCode: ExitCode.interrupted })
      return ExitCode.interrupted
    }
    return fail(reporter, error)
  } finally {
    stopListening()
  }
  const exitCode = summary.ok ? ExitCode.ok : ExitCode.failed
  reporter.summary(summary, exitCode)
  // Only a listing that reached its end can say which lines name no object.
  if (checksums && !summary.listingFailure && !summary.stoppedEarly)
    reporter.message(checksums.report())
  const filteredOut = summary.skipped.filtered ?? 0
  if (summary.listed === filteredOut && filteredOut > 0)
    reporter.message(
      `none of the ${filteredOut} object(s) ${flags.manifest === undefined ? `under ${input.source}` : 'of the manifest'} is kept by --include/--exclude (they match the key${input.prefix === '' ? '' : ' after the prefix'})`,
    )
  else if (summary.listed === 0 && flags.manifest === undefined)
    reporter.message(
      `no object under ${input.source}${/\/$/.test(cmd.source) ? '' : ` (a prefix: to download the object ${cmd.source} itself, leave out --recursive)`}`,
    )
  return exitCode
}

/** The batch options the command's flags set: the same for the run and for checking them first. */
function batchSettings(
  cmd: GetCommand,
  shard: { index: number; count: number } | undefined,
): Partial<BatchOptions> {
  const flags = cmd.batch as BatchFlags
  return {
    ...(cmd.concurrency === undefined ? {} : { concurrency: cmd.concurrency }),
    ...(shard === undefined ? {} : { shard }),
    skipExisting: flags.skipExisting,
    update: flags.update,
    overwrite: cmd.force,
    failFast: flags.failFast,
    ...(cmd.outageWaitSeconds === undefined ? {} : { outageWaitMs: cmd.outageWaitSeconds * 1000 }),
    // --limit-rate is the total, as for one object: one cap shared by every object in flight.
    ...(cmd.limitRate === undefined ? {} : { maxBytesPerSecond: cmd.limitRate }),
    download: {
      ...objectSettings(cmd, { limitRate: false }),
      onObjectChanged: cmd.onChange ?? 'restart',
    },
  }
}

/**
 * Checks the flags' values as core will (createBatch throws OptionsError), before anything is
 * listed, and for a dry run too, which builds no batch: bad usage is exit 2 either way.
 */
function checkBatchSettings(
  cmd: GetCommand,
  shard: { index: number; count: number } | undefined,
): void {
  createBatch({
    id: 'checking the flags',
    objects: [],
    open: () => Promise.reject(new Error('no object is opened')),
    journal: false,
    ...batchSettings(cmd, shard),
  })
}

/** The batch's name: its source and its destination (core appends the shard). */
function batchId(input: BatchInput, root: string): string {
  return `${input.source} → ${root}`
}

/**
 * The listed objects, each with its --checksum-file line's digest. The file sees every listed
 * object: a line for an object the filters leave out still names one.
 */
function withChecksums(
  input: BatchInput,
  checksums: BatchChecksums | undefined,
  shard: { index: number; count: number } | undefined,
  keep: ((object: ListedObject) => boolean) | undefined,
): Lister | Iterable<ListedObject> {
  if (!checksums) return input.objects
  const all = checksums.observe(input.objects, input.prefix)
  return checksums.apply(all, input.prefix, input.extend, shard, keep)
}

/**
 * What --include/--exclude keep (matched on the key relative to the prefix), or undefined when
 * there is no filter. The batch is given every listed key and this, not a narrower listing: a
 * key left out still claims its path, so whether a kept key is refused as colliding with another
 * never depends on the filters of the run.
 */
function keptByFilters(
  prefix: string,
  flags: BatchFlags,
): ((object: ListedObject) => boolean) | undefined {
  if (flags.filters.length === 0) return undefined
  const compiled = compileFilters(flags.filters)
  return (object) =>
    compiled(object.key.startsWith(prefix) ? object.key.slice(prefix.length) : object.key)
}

/**
 * An existing file is a usage error, spelled `name` or `name/` (stat says ENOTDIR for the latter):
 * the same message and exit code 2 either way, before anything is created.
 */
async function refuseFileDestination(destination: string): Promise<void> {
  let isDirectory: boolean
  try {
    isDirectory = (await stat(destination)).isDirectory()
  } catch (error) {
    // Missing: created later. Anything else but ENOTDIR: mkdir says what is wrong.
    if ((error as { code?: unknown } | undefined)?.code !== 'ENOTDIR') return
    const bare = destination.replace(/[\\/]+$/, '')
    if (bare !== destination && bare !== '' && (await pathKind(bare)) === 'file')
      throw new UsageError(`${bare} is a file; a batch downloads into a directory`)
    throw new UsageError(
      `${destination}: a part of this path is a file; a batch downloads into a directory`,
    )
  }
  if (!isDirectory)
    throw new UsageError(`${destination} is a file; a batch downloads into a directory`)
}

function fail(reporter: BatchReporter, error: unknown): number {
  // A malformed proxy variable is bad input, like a bad flag.
  if (error instanceof ProxyVariableError) return fail(reporter, new UsageError(error.message))
  if (error instanceof UsageError || error instanceof OptionsError) {
    const message = error instanceof OptionsError ? optionMessage(error) : error.message
    reporter.error(ExitCode.usage, `${message} (see resumable --help)`, error)
    return ExitCode.usage
  }
  if (error instanceof TargetError && error.kind === 'locked') {
    reporter.error(ExitCode.busy, `${error.message}; nothing was touched`, error)
    return ExitCode.busy
  }
  const message = isResumableError(error) || error instanceof Error ? error.message : String(error)
  reporter.error(ExitCode.failed, message, error)
  return ExitCode.failed
}
