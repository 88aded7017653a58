import { readdir, stat, unlink } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { BatchJournalCodec, TargetError } from '@resumable/core'
import {
  batchFilesIn,
  CHECKPOINT_SUFFIX,
  FileBatchJournalStore,
  FileBatchStaging,
  FileTarget,
  LOCK_SUFFIX,
  type LockWatchListener,
  parseBatchFileName,
  type RunningBatch,
  TEMP_SUFFIX,
} from '@resumable/store-fs'
import type { CliEnvironment } from '../cli-environment.ts'
import type { DestinationCommand } from '../command-line.ts'
import { EXISTS_WITHOUT_JOURNAL } from '../exists-hint.ts'
import { ExitCode } from '../exit-codes.ts'
import { lockWatchOnStderr } from '../lock-watch-message.ts'
import { keptLine } from '../single-leftovers.ts'
import { formatBytes } from '../units.ts'
import { type NamedLeftover, sortByEvidence } from './leftover-evidence.ts'

/** True when `path` is a directory holding a batch journal (a batch's, or a shard's): `status` and `cancel` then act on the batch. */
export async function isBatchDirectory(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isDirectory()) return false
    return (await batchFilesIn(path, 'journal')).length > 0
  } catch {
    return false
  }
}

interface Leftovers {
  /** Partial files, part checkpoints and locks, relative to the directory. */
  readonly files: string[]
  /** Objects with a partial file or checkpoint (in flight when the batch stopped). */
  readonly objects: Set<string>
  /** Live processes writing objects of this directory (a batch's or shard's first, with its shard). */
  readonly running: RunningProcess[]
  /**
   * Files named like a partial file, checkpoint or lock that resumable cannot prove it wrote
   * (see `sortByEvidence`), relative to the directory: never removed, never counted.
   */
  readonly lookalikes: string[]
}

/**
 * A live process writing into the directory, once however many locks it holds: its batch's (or
 * shard's) lock, if any, and `objects`, how many objects' locks it holds (those in flight).
 */
interface RunningProcess extends RunningBatch {
  readonly objects: number
}

/** One journal of the directory, as `status` reports it. */
interface JournalState {
  readonly journal: string
  readonly batch: string
  readonly objectsDone: number
  readonly bytesDone: number
  /** Records left out because their own CRC failed (present only when some were). */
  readonly damagedRecords?: number
}

/**
 * `resumable status <dir>` for a batch: what the journals say is done (the batch's, or each
 * shard's when shards of a split ran into the directory), what is in flight, who runs it.
 */
export async function runBatchStatus(
  cmd: DestinationCommand,
  cli: CliEnvironment,
): Promise<number> {
  const dir = cmd.destination
  const [left, staged] = await Promise.all([leftovers(dir), stagedFiles(dir)])
  const running = left.running[0]
  const batches: JournalState[] = []
  // Each journal's own batch's objects; records carried over from other batches into this
  // directory (another prefix or manifest, or a shard before shards had journals of their own)
  // are theirs, counted apart unless their own journal is here too.
  // By [batch, key]: a shard's records adopted from the old shared journal are in both.
  const own = new Map<string, number>()
  const carried = new Set<string>()
  // A damaged journal is named, and the others still counted.
  const unusable: { journal: string; problem: string; message: string }[] = []
  for (const file of await batchFilesIn(dir, 'journal')) {
    const bytes = await FileBatchJournalStore.in(dir, file.shard).load()
    if (bytes === undefined) continue
    const decoded = BatchJournalCodec.decode(bytes)
    if (!decoded.ok) {
      unusable.push({ journal: file.name, problem: decoded.problem, message: decoded.message })
      continue
    }
    const done = new Map<string, number>()
    for (const record of decoded.records) {
      if (record.type !== 'done') continue
      if (record.batch === undefined) done.set(record.key, record.size)
      else carried.add(JSON.stringify([record.batch, record.key]))
    }
    let journalBytes = 0
    for (const [key, size] of done) {
      own.set(JSON.stringify([decoded.header.id, key]), size)
      journalBytes += size
    }
    batches.push({
      journal: file.name,
      batch: decoded.header.id,
      objectsDone: done.size,
      bytesDone: journalBytes,
      ...(decoded.damagedRecords > 0 ? { damagedRecords: decoded.damagedRecords } : {}),
    })
  }
  const doneByOthers = [...carried].filter((record) => !own.has(record)).length
  const bytesDone = [...own.values()].reduce((a, b) => a + b, 0)
  const state =
    unusable.length > 0
      ? 'unusable'
      : running
        ? 'running'
        : left.objects.size > 0
          ? 'in-progress'
          : 'idle'
  const whose = (batch: RunningBatch): string =>
    batch.shard ? `shard ${batch.shard.index}/${batch.shard.count}, ` : ''
  const holds = (r: RunningProcess): string =>
    r.objects > 0 ? `, ${r.objects} object(s) in flight` : ''
  say(
    cli,
    cmd,
    {
      state,
      batch: batches.length === 1 ? (batches[0] as JournalState).batch : null,
      destination: dir,
      objectsDone: own.size,
      bytesDone,
      objectsDoneByOtherBatches: doneByOthers,
      objectsInProgress: left.objects.size,
      objectsStaged: staged,
      ...(running ? { pid: running.pid, host: running.host, startedAt: running.startedAt } : {}),
      batches,
      running: left.running,
      lookalikes: left.lookalikes,
      ...(unusable.length > 0 ? { unusable } : {}),
    },
    [
      ...unusable.map(
        (u) =>
          `unusable:    ${u.journal} (${u.problem}): ${u.message}; the next run of its batch decides every object afresh: ${EXISTS_WITHOUT_JOURNAL}`,
      ),
      ...(batches.length === 1
        ? [`batch:       ${(batches[0] as JournalState).batch}`]
        : batches.length === 0
          ? unusable.length > 0
            ? []
            : ['batch:       (no journal)']
          : batches.map(
              (b) =>
                `batch:       ${b.batch}: ${b.objectsDone} object(s), ${formatBytes(b.bytesDone)}`,
            )),
      `done:        ${own.size} object(s), ${formatBytes(bytesDone)} (never requested again by a rerun)`,
      ...batches
        .filter((b) => b.damagedRecords !== undefined)
        .map(
          (b) =>
            `damaged:     ${b.damagedRecords} record(s) of ${b.journal} fail their CRC and are left out; the next run decides their objects afresh: ${EXISTS_WITHOUT_JOURNAL}`,
        ),
      ...(doneByOthers > 0
        ? [
            `also done:   ${doneByOthers} object(s) of other batches into this directory (another prefix, shard or manifest), kept for their reruns`,
          ]
        : []),
      `in progress: ${left.objects.size} object(s) with a partial file or checkpoint${staged === 0 ? '' : running ? `, and ${staged} small one(s) being fetched` : `, and ${staged} small one(s) a run left half-fetched (fetched again next run)`}`,
      ...(left.lookalikes.length > 0
        ? [`look-alikes: ${keptLine(left.lookalikes)} (not counted; cancel leaves them)`]
        : []),
      ...(running
        ? left.running.map(
            (r) =>
              `running:     ${whose(r)}pid ${r.pid} on ${r.host}${holds(r)}, since ${r.startedAt}${r.refreshedAt ? `, lock refreshed ${r.refreshedAt}` : ''}`,
          )
        : [
            'not running: run the same `resumable get` command again to continue (a finished batch is a no-op)',
          ]),
    ].join('\n'),
  )
  return unusable.length > 0 ? ExitCode.failed : ExitCode.ok
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
  const onLockWatch = lockWatchOnStderr(cli, cmd.json)
  const left = await leftovers(dir, onLockWatch)
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
        running: left.running,
      },
      `not cancelled: ${left.running.length > 1 ? `${left.running.length} processes are` : 'a batch is'} downloading into ${dir} (pid ${running.pid} on ${running.host}, since ${running.startedAt}); stop it first`,
    )
    return ExitCode.busy
  }
  const journalsRemoved: string[] = []
  const removed: string[] = []
  const directories: string[] = []
  // Everything under every batch lock (the whole batch's keeps any shard from starting meanwhile).
  let own: string[]
  try {
    own = await FileBatchStaging.removeLeftovers(dir, {
      onDirectoryRemoved: (path) => directories.push(path),
      onLockWatch,
      // Before the directories: those that held only these are empty then.
      first: async () => {
        for (const file of left.files) {
          await unlink(join(dir, file)).catch(() => undefined)
          removed.push(file)
        }
      },
      // Every shard's journal too; the whole batch's also when there is none: remove() takes the
      // temporary file of a save a kill cut short.
      last: async () => {
        const journals = (await batchFilesIn(dir, 'journal')).map((file) => file.shard)
        if (!journals.includes(undefined)) journals.push(undefined)
        for (const shard of journals) {
          const journal = FileBatchJournalStore.in(dir, shard)
          const hadJournal = (await journal.load()) !== undefined
          await journal.remove()
          if (hadJournal) journalsRemoved.push(relative(dir, journal.path))
        }
      },
    })
  } catch (error) {
    // A batch started since the look above: nothing was removed.
    if (!(error instanceof TargetError && error.kind === 'locked')) throw error
    say(
      cli,
      cmd,
      { state: 'running', destination: dir },
      `not cancelled: ${error.message}; stop it first`,
    )
    return ExitCode.busy
  }
  removed.push(...own, ...journalsRemoved)
  const { lookalikes } = left
  const kept = lookalikes.length > 0 ? `\n${keptLine(lookalikes)}` : ''
  if (removed.length === 0 && directories.length === 0) {
    say(
      cli,
      cmd,
      { state: 'none', destination: dir, removed, lookalikes },
      `nothing to cancel in ${dir}${kept}`,
    )
    return ExitCode.nothingToCancel
  }
  say(
    cli,
    cmd,
    { state: 'cancelled', destination: dir, removed, removedDirectories: directories, lookalikes },
    `cancelled the batch in ${dir}: removed ${removed.length} file(s) (the journal, partial files, checkpoints) and ${directories.length} empty director${directories.length === 1 ? 'y' : 'ies'} the batch made; completed files kept${kept}`,
  )
  return ExitCode.ok
}

/**
 * Files in the batch's staging directories (its own and each shard's): small objects fetched in
 * one request, each in flight until it is published (a stopped run's are fetched again).
 */
async function stagedFiles(dir: string): Promise<number> {
  let count = 0
  for (const { name } of await batchFilesIn(dir, 'staging'))
    count += (await readdir(join(dir, name)).catch(() => [])).length
  return count
}

/**
 * What runs and what is left in `dir`. A lock naming another host counts as running at a glance
 * (`status`), or, given `onLockWatch` (`cancel`), once it has been watched for its lease (every
 * such lock at once): a pod that died on a shared volume must not keep its batch uncancellable.
 */
async function leftovers(dir: string, onLockWatch?: LockWatchListener): Promise<Leftovers> {
  const result: Leftovers = { files: [], objects: new Set(), running: [], lookalikes: [] }
  const owners: RunningBatch[] = []
  const named: NamedLeftover[] = []
  const walk = async (sub: string): Promise<void> => {
    const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`
      // Symlinks are never followed: a batch writes nothing through them.
      // The staging directory holds only temporary files of one run: cancel removes it whole.
      if (entry.isDirectory()) {
        if (parseBatchFileName(rel)?.kind !== 'staging') await walk(rel)
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
        const kind =
          suffix === LOCK_SUFFIX ? 'lock' : suffix === TEMP_SUFFIX ? 'part' : 'checkpoint'
        named.push({ rel, object, kind })
      }
    }
  }
  const watching = onLockWatch ? { watch: true, onLockWatch } : {}
  // The batch locks are watched while the tree is walked and the objects' locks are watched:
  // one lease in all.
  const [running, objectOwners] = await Promise.all([
    FileBatchStaging.runningIn(dir, watching),
    walk('').then(async () => {
      const { own, lookalikes } = await sortByEvidence(dir, named)
      result.lookalikes.push(...lookalikes.map((c) => c.rel))
      for (const c of own) {
        if (c.kind === 'lock') continue
        result.objects.add(c.object)
        result.files.push(c.rel)
      }
      const locks = own.filter((c) => c.kind === 'lock')
      const holders = await Promise.all(
        locks.map(({ object }) =>
          new FileTarget(join(dir, object)).runningDownload(
            onLockWatch ? { watch: true, onWatch: onLockWatch } : {},
          ),
        ),
      )
      return holders.map((owner, i) => ({ owner, rel: (locks[i] as NamedLeftover).rel }))
    }),
  ])
  for (const { owner, rel } of objectOwners) {
    if (owner) owners.push(owner)
    else result.files.push(rel)
  }
  result.running.push(...byProcess(running, owners))
  return result
}

/**
 * Each process once: a batch holds its own lock and one per object in flight, and counting locks
 * said "3 processes are downloading" of one. An object's lock goes to the batch (or shard) of its
 * pid and host; one no batch lock names (a single `get` into the directory) is a process of its own.
 */
function byProcess(
  batches: readonly RunningBatch[],
  objectOwners: readonly RunningBatch[],
): RunningProcess[] {
  const processes = batches.map((batch) => ({ ...batch, objects: 0 }))
  for (const owner of objectOwners) {
    const holder = processes.find((p) => p.pid === owner.pid && p.host === owner.host)
    if (holder) holder.objects++
    else processes.push({ ...owner, objects: 1 })
  }
  return processes
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
