import { concatBytes } from '../bytes.ts'
import {
  BATCH_JOURNAL_VERSION,
  BatchJournalCodec,
  type JournalObjectRecord,
  type JournalProblem,
} from './journal-codec.ts'
import type { ListedObject } from './lister.ts'
import { shardsOfOneSplit } from './shard.ts'

const encoder = new TextEncoder()

/**
 * Persists a batch journal's bytes. Format, checksums and validation live in core
 * (`BatchJournalCodec`); a store only keeps bytes, like a CheckpointStore.
 */
export interface BatchJournalStore {
  /** Every byte appended or saved so far, or undefined when there is no journal. */
  load(): Promise<Uint8Array | undefined>
  /** Appends `data`; it is durable (fsynced) when the promise resolves. */
  append(data: Uint8Array): Promise<void>
  /** Replaces the whole journal atomically: a reader sees the old bytes or the new, never a mix. */
  save(data: Uint8Array): Promise<void>
  /** Deletes the journal; succeeds when there is none. */
  remove(): Promise<void>
  /** Optional: releases what `append` keeps open between calls (e.g. a file handle); the next `append` reopens. */
  close?(): Promise<void>
  /**
   * Optional: the journals of other batches writing the same place (the other shards of a split
   * running into one directory at once), read-only. Their finished objects count as another
   * batch's (`inherited`); their writers keep them, so they are never copied.
   */
  loadNeighbours?(): Promise<Uint8Array[]>
}

/** What opening a journal reports about what it found (see `BatchJournal.open`). */
interface JournalReport {
  /** The journal could not be used (damaged header, unknown version) and is replaced. */
  readonly discarded?: (problem: JournalProblem, message: string) => void
  /** `records` damaged records were left out; their objects are decided afresh. */
  readonly damaged?: (records: number) => void
  /** The journal of another batch, with `records` finished objects, was taken over. */
  readonly inherited?: (batch: string, records: number) => void
}

/** What a loaded journal says about one object key. */
export interface JournalEntry {
  /** The object is at its destination with this identity. */
  readonly done?: JournalObjectRecord
  /** The object was about to be renamed into place with this identity (a crash may have hit after). */
  readonly commit?: JournalObjectRecord
  /**
   * Recorded by another batch into the same directory: `done` counts only for an object with the
   * same key, path, ETag and size (see {@link doneRecord}).
   */
  readonly inherited?: boolean
}

/**
 * True when `done`, a record another batch wrote into this directory for the object's key (the
 * journal's entries are by key), describes `object` at `path`: the same path, and the same ETag
 * and size (both known). A record without a path or an ETag vouches for nothing outside its own
 * batch.
 */
export function sameFinishedObject(
  done: JournalObjectRecord,
  object: { readonly size?: number; readonly etag?: string },
  path: string,
): boolean {
  return (
    done.path === path &&
    done.etag !== undefined &&
    done.etag === object.etag &&
    done.size === object.size
  )
}

/**
 * True when `object` as listed now has another size or ETag than its done record `done` says:
 * it was replaced in the store since. Each is compared only where both give it (a manifest's
 * line may give neither).
 */
export function changedSinceDone(
  done: JournalObjectRecord,
  object: { readonly size?: number; readonly etag?: string },
): boolean {
  if (object.size !== undefined && object.size !== done.size) return true
  return object.etag !== undefined && done.etag !== undefined && object.etag !== done.etag
}

/**
 * The record by which a run skips `object` at `path` as done, or undefined: a done record of this
 * batch (or another batch's, for the same path, ETag and size), unless `replace` (the run may
 * replace files: `update` or `overwrite`) and the object changed since ({@link changedSinceDone}).
 * The run then skips it only if the file is still there at that size; one that changed is
 * reported as `done-but-changed`.
 */
export function doneRecord(
  entry: JournalEntry | undefined,
  object: ListedObject,
  path: string,
  replace: boolean,
): JournalObjectRecord | undefined {
  const done = entry?.done
  if (done === undefined) return undefined
  if (replace && changedSinceDone(done, object)) return undefined
  if (entry?.inherited && !sameFinishedObject(done, object, path)) return undefined
  return done
}

/** What a batch's journal says before a run, read only (`readBatchJournal`). */
export interface BatchJournalView {
  /**
   * The record a run would skip `object` at `path` by; `replace` when it may replace files
   * (`update` or `overwrite`; see {@link doneRecord}).
   */
  done(object: ListedObject, path: string, replace: boolean): JournalObjectRecord | undefined
  /** The record of `key` a run stopped while publishing (its file may be half replaced), if any. */
  publishing(key: string): JournalObjectRecord | undefined
}

/**
 * Reads batch `id`'s journal (and its neighbours', as a run does) without writing anything: what
 * the next run would skip, for a dry run to say.
 *
 * @example
 * const journal = await readBatchJournal(FileBatchJournalStore.in('/data'), id)
 * const done = journal.done(object, path, false)
 * if (done?.size === fileSize) console.log('would skip', path, changedSinceDone(done, object))
 */
export async function readBatchJournal(
  store: BatchJournalStore | undefined,
  id: string,
): Promise<BatchJournalView> {
  const journal = await BatchJournal.read(store, id)
  return {
    done: (object, path, replace) => doneRecord(journal.entry(object.key), object, path, replace),
    publishing: (key) => journal.entry(key)?.commit,
  }
}

/**
 * A batch's journal at run time: loads and checks what a previous run wrote, rewrites it compactly
 * (which also drops a torn final append, so new lines never follow garbage), then records objects
 * with group commit — records arriving while an append is in flight go out together in the next
 * one, so a thousand small objects finishing at once cost a handful of fsyncs, not a thousand.
 */
export class BatchJournal {
  readonly #store: BatchJournalStore | undefined
  readonly #entries = new Map<string, JournalEntry>()
  /** Encoded lines not appended yet (`BatchJournalCodec.encodeLine`). */
  #pending: string[] = []
  #flushing: Promise<void> | undefined
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = []

  private constructor(store: BatchJournalStore | undefined) {
    this.#store = store
  }

  /**
   * Opens the journal of batch `id`. A journal of an unknown version, or whose header is damaged,
   * is reported through `discarded` and replaced — never trusted. Records in its middle that fail
   * their own CRC are left out and counted through `damaged`; every other record is kept. One of
   * another batch into the same directory (another prefix, shard or manifest) is taken over,
   * reported through `inherited`: every record stays its writer's (`batch`), so a run of that
   * batch finds its finished objects and its commits again, however many batches took the journal
   * over in between. Another batch's finished objects count here only as `inherited` entries, and
   * never become this batch's own.
   */
  static async open(
    store: BatchJournalStore | undefined,
    id: string,
    report: JournalReport = {},
  ): Promise<BatchJournal> {
    const { journal, parts } = await BatchJournal.#load(store, id, report)
    await store?.save(concatBytes(parts))
    return journal
  }

  /**
   * The journal of batch `id` as `open` finds it, read only: what a run would know before it
   * starts (a dry run's question), with nothing saved, compacted or taken over. `record` must not
   * be called on it.
   */
  static async read(store: BatchJournalStore | undefined, id: string): Promise<BatchJournal> {
    return (await BatchJournal.#load(store, id, {})).journal
  }

  /** Loads `store`'s journal and its neighbours' for batch `id`; `parts` is the compacted journal to save. */
  static async #load(
    store: BatchJournalStore | undefined,
    id: string,
    report: JournalReport,
  ): Promise<{ journal: BatchJournal; parts: Uint8Array[] }> {
    const journal = new BatchJournal(store)
    if (!store) return { journal, parts: [] }
    // Read first, so this batch's own journal, newer, has the last word on its own keys.
    const neighbours = await journal.#readNeighbours(id, report.inherited ?? (() => {}))
    const bytes = await store.load()
    const parts: Uint8Array[] = [
      BatchJournalCodec.encode({ type: 'batch', version: BATCH_JOURNAL_VERSION, id }),
    ]
    if (bytes !== undefined) {
      const decoded = BatchJournalCodec.decode(bytes)
      if (!decoded.ok) report.discarded?.(decoded.problem, decoded.message)
      else {
        if (decoded.damagedRecords > 0) report.damaged?.(decoded.damagedRecords)
        const others = journal.#takeOwn(decoded, id)
        let finished = 0
        for (const record of others.values()) {
          parts.push(BatchJournalCodec.encode(record))
          if (record.type === 'done') finished++
          // A commit is its own batch's crash window, and a record without a path vouches for
          // nothing elsewhere: neither is an entry here. This batch's own record comes first.
          if (record.type === 'done' && record.path !== undefined && !journal.#owns(record.key))
            journal.#entries.set(record.key, { done: record, inherited: true })
        }
        if (decoded.header.id !== id) report.inherited?.(decoded.header.id, finished)
      }
    }
    for (const record of neighbours)
      if (!journal.#entries.has(record.key))
        journal.#entries.set(record.key, { done: record, inherited: true })
    for (const entry of journal.#entries.values()) {
      if (entry.inherited) continue
      if (entry.done) parts.push(BatchJournalCodec.encode(entry.done))
      else if (entry.commit) parts.push(BatchJournalCodec.encode(entry.commit))
    }
    return { journal, parts }
  }

  /**
   * The neighbours' (`BatchJournalStore.loadNeighbours`) records: this batch's own ones, written
   * there before its shard had a journal of its own, are remembered as its own; the finished
   * objects of other batches (not of the other shards of this batch's split, which run beside it
   * by design) are returned, to be inherited where this batch has no record, and reported through
   * `inherited`. A damaged neighbour is its writer's to replace, so it is passed over.
   */
  async #readNeighbours(
    id: string,
    inherited: (batch: string, records: number) => void,
  ): Promise<JournalObjectRecord[]> {
    const others: JournalObjectRecord[] = []
    // Another shard of this split writes only keys of its own shard, never one of this batch's:
    // its records are left out (on a rerun of many shards, each would hold them all).
    const sibling = new Map<string, boolean>()
    const ofSibling = (writer: string): boolean => {
      let known = sibling.get(writer)
      if (known === undefined) {
        known = shardsOfOneSplit(writer, id)
        sibling.set(writer, known)
      }
      return known
    }
    for (const bytes of (await this.#store?.loadNeighbours?.()) ?? []) {
      const decoded = BatchJournalCodec.decode(bytes)
      if (!decoded.ok) continue
      let finished = 0
      // A later commit (an update) voids a done: only a last record that is a done counts.
      for (const record of this.#takeOwn(decoded, id).values())
        if (
          record.type === 'done' &&
          record.path !== undefined &&
          !ofSibling(record.batch as string)
        ) {
          others.push(record)
          finished++
        }
      if (finished > 0) inherited(decoded.header.id, finished)
    }
    return others
  }

  /**
   * Remembers the records batch `id` wrote in `decoded` (in the order written: the last one of a
   * key wins) and returns the other batches' last record of each key, each naming its writer.
   */
  #takeOwn(
    decoded: {
      readonly header: { readonly id: string }
      readonly records: readonly JournalObjectRecord[]
    },
    id: string,
  ): Map<string, JournalObjectRecord> {
    const others = new Map<string, JournalObjectRecord>()
    for (const record of decoded.records) {
      const writer = record.batch ?? decoded.header.id
      if (writer === id) this.#remember(ownRecord(record))
      else others.set(JSON.stringify([writer, record.key]), { ...record, batch: writer })
    }
    return others
  }

  /** What the journal said about `key` when it was opened (what earlier runs recorded). */
  entry(key: string): JournalEntry | undefined {
    return this.#entries.get(key)
  }

  /**
   * Records `record`; resolves once it is durable. Only the store keeps it: a run asks about each
   * key once, before fetching it, so holding this run's records in memory too would cost ~0.4 KB
   * per object for nothing — on a batch of millions, hundreds of MB.
   */
  record(record: JournalObjectRecord): Promise<void> {
    if (!this.#store) return Promise.resolve()
    this.#pending.push(BatchJournalCodec.encodeLine(record))
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject })
      this.#flushing ??= this.#flush()
    })
  }

  /** Waits for the records in flight, then lets the store release what it keeps open. */
  async close(): Promise<void> {
    await this.#flushing
    await this.#store?.close?.()
  }

  /** Deletes the journal (after a batch that left nothing to resume). */
  async remove(): Promise<void> {
    await this.#flushing
    await this.#store?.remove()
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const data = encoder.encode(this.#pending.join(''))
      const waiters = this.#waiters
      this.#pending = []
      this.#waiters = []
      try {
        await (this.#store as BatchJournalStore).append(data)
        for (const w of waiters) w.resolve()
      } catch (error) {
        for (const w of waiters) w.reject(error)
      }
    }
    this.#flushing = undefined
  }

  #remember(record: JournalObjectRecord): void {
    // A new commit supersedes an older done (an `update` re-download): until its own done
    // arrives, only the commit's CRC-64 can vouch for the file at the final name.
    this.#entries.set(record.key, record.type === 'commit' ? { commit: record } : { done: record })
  }

  /** True when this batch itself recorded `key`. */
  #owns(key: string): boolean {
    const entry = this.#entries.get(key)
    return entry !== undefined && !entry.inherited
  }
}

/** `record` as this batch's own: without the `batch` a record of another batch carries. */
function ownRecord(record: JournalObjectRecord): JournalObjectRecord {
  if (record.batch === undefined) return record
  const { batch: _writer, ...own } = record
  return own
}
