import { readdir, stat, unlink } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { BatchJournalCodec } from '@resumable/core'
import {
  BATCH_STAGING_NAME,
  CHECKPOINT_SUFFIX,
  FileBatchJournalStore,
  FileBatchStaging,
  FileTarget,
  LOCK_SUFFIX,
  type LockOwner,
  TEMP_SUFFIX,
} from '@resumable/store-fs'
import type { CliEnvironment } from '../cli-environment.ts'
import type { DestinationCommand } from '../command-line.ts'
import { ExitCode } from '../exit-codes.ts'
import { formatBytes } from '../units.ts'

/** True when `path` is a directory holding a batch journal: `status` and `cancel` then act on the batch. */
export async function isBatchDirectory(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isDirectory()) return false
    return (await stat(FileBatchJournalStore.in(path).path)).isFile()
  } catch {
    return false
  }
}

interface Leftovers {
  /** Partial files, part checkpoints and locks, relative to the directory. */
  readonly files: string[]
  /** Objects with a partial file or checkpoint (in flight when the batch stopped). */
  readonly objects: Set<string>
  /** Live processes writing objects of this directory. */
  readonly running: LockOwner[]
}

/** `resumable status <dir>` for a batch: what the journal says is done, what is in flight, who runs it. */
export async function runBatchStatus(
  cmd: DestinationCommand,
  cli: CliEnvironment,
): Promise<number> {
  const dir = cmd.destination
  const bytes = await FileBatchJournalStore.in(dir).load()
  const decoded = bytes === undefined ? undefined : BatchJournalCodec.decode(bytes)
  const left = await leftovers(dir)
  const running = left.running[0]
  if (decoded !== undefined && !decoded.ok) {
    say(
      cli,
      cmd,
      { state: 'unusable', problem: decoded.problem, message: decoded.message },
      `the batch journal in ${dir} is unusable (${decoded.problem}): ${decoded.message}; the next run decides every object afresh`,
    )
    return ExitCode.failed
  }
  // The journal's own batch's objects; records carried over from other batches into this
  // directory (another prefix, shard or manifest) are theirs, counted apart.
  const done = new Map<string, number>()
  const doneByOthers = new Set<string>()
  for (const record of decoded?.records ?? []) {
    if (record.type !== 'done') continue
    if (record.batch === undefined) done.set(record.key, record.size)
    else doneByOthers.add(JSON.stringify([record.batch, record.key]))
  }
  const doneBytes = [...done.values()].reduce((a, b) => a + b, 0)
  const state = running ? 'running' : left.objects.size > 0 ? 'in-progress' : 'idle'
  say(
    cli,
    cmd,
    {
      state,
      batch: decoded?.header.id ?? null,
      destination: dir,
      objectsDone: done.size,
      bytesDone: doneBytes,
      objectsDoneByOtherBatches: doneByOthers.size,
      objectsInProgress: left.objects.size,
      ...(running ? { pid: running.pid, host: running.host, startedAt: running.startedAt } : {}),
    },
    [
      `batch:       ${decoded?.header.id ?? '(no journal)'}`,
      `done:        ${done.size} object(s), ${formatBytes(doneBytes)} (never requested again by a rerun)`,
      ...(doneByOthers.size > 0
        ? [
            `also done:   ${doneByOthers.size} object(s) of other batches into this directory (another prefix, shard or manifest), kept for their reruns`,
          ]
        : []),
      `in progress: ${left.objects.size} object(s) with a partial file or checkpoint`,
      running
        ? `running:     pid ${running.pid} on ${running.host}, since ${running.startedAt}`
        : 'not running: run the same `resumable get` command again to continue (a finished batch is a no-op)',
    ].join('\n'),
  )
  return ExitCode.ok
}

/**
 * `resumable cancel <dir>` for a batch: removes the journal and every object's partial file,
 * checkpoint and stale lock, then the directories the batch's runs created that are empty now
 * (their record says which: never one of the user's). Completed files are never touched.
 * Refuses (exit 75) while a live process downloads into the directory; exit 3 when there was
 * nothing to remove.
 */
export async function runBatchCancel(
  cmd: DestinationCommand,
  cli: CliEnvironment,
): Promise<number> {
  const dir = cmd.destination
  const left = await leftovers(dir)
  const running = left.running[0]
  if (running) {
    say(
      cli,
      cmd,
      {
        state: 'running',
        destination: dir,
        pid: running.pid,
        host: running.host,
        startedAt: running.startedAt,
      },
      `not cancelled: a batch is downloading into ${dir} (pid ${running.pid} on ${running.host}, since ${running.startedAt}); stop it first`,
    )
    return ExitCode.busy
  }
  const journal = FileBatchJournalStore.in(dir)
  const removed: string[] = []
  for (const file of left.files) {
    await unlink(join(dir, file)).catch(() => undefined)
    removed.push(file)
  }
  // After the partial files and checkpoints: the directories that held only those are empty now.
  const directories: string[] = []
  removed.push(
    ...(await FileBatchStaging.removeLeftovers(dir, {
      onDirectoryRemoved: (path) => directories.push(path),
    })),
  )
  const hadJournal = (await journal.load()) !== undefined
  // Also when there is none: remove() takes the temporary file of a save a kill cut short.
  await journal.remove()
  if (hadJournal) removed.push(relative(dir, journal.path))
  if (removed.length === 0 && directories.length === 0) {
    say(cli, cmd, { state: 'none', destination: dir, removed }, `nothing to cancel in ${dir}`)
    return ExitCode.nothingToCancel
  }
  say(
    cli,
    cmd,
    { state: 'cancelled', destination: dir, removed, removedDirectories: directories },
    `cancelled the batch in ${dir}: removed ${removed.length} file(s) (the journal, partial files, checkpoints) and ${directories.length} empty director${directories.length === 1 ? 'y' : 'ies'} the batch made; completed files kept`,
  )
  return ExitCode.ok
}

async function leftovers(dir: string): Promise<Leftovers> {
  const result: Leftovers = { files: [], objects: new Set(), running: [] }
  const batch = await FileBatchStaging.runningIn(dir)
  if (batch) result.running.push(batch)
  const walk = async (sub: string): Promise<void> => {
    const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`
      // Symlinks are never followed: a batch writes nothing through them.
      // The staging directory holds only temporary files of one run: cancel removes it whole.
      if (entry.isDirectory()) {
        if (rel !== BATCH_STAGING_NAME) await walk(rel)
      } else if (entry.isFile()) {
        const suffix = [
          TEMP_SUFFIX,
          CHECKPOINT_SUFFIX,
          `${CHECKPOINT_SUFFIX}.tmp`,
          LOCK_SUFFIX,
        ].find((s) => entry.name.endsWith(s))
        if (suffix === undefined) continue
        // A checkpoint's temporary copy is `.<name>.resumable.json.tmp`.
        const object = rel
          .slice(0, -suffix.length)
          .replace(/(^|\/)\.([^/]*)$/, suffix.endsWith('.tmp') ? '$1$2' : '$&')
        if (suffix === LOCK_SUFFIX) {
          const owner = await new FileTarget(join(dir, object)).runningDownload()
          if (owner) {
            result.running.push(owner)
            continue
          }
        } else result.objects.add(object)
        result.files.push(rel)
      }
    }
  }
  await walk('')
  return result
}

function say(
  cli: CliEnvironment,
  cmd: DestinationCommand,
  json: Record<string, unknown>,
  text: string,
): void {
  if (cmd.json) cli.io.out(`${JSON.stringify(json)}\n`)
  else cli.io.out(`${text}\n`)
}
