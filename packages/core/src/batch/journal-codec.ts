import {
  type ChecksumAlgorithm,
  crc64,
  crcWidth,
  formatCrc64Hex,
  isChecksumAlgorithm,
} from '../crc/index.ts'

/** The batch journal format version this build writes and reads. */
export const BATCH_JOURNAL_VERSION = 1

/** The first record: which batch the journal belongs to. */
export interface JournalHeader {
  readonly type: 'batch'
  readonly version: number
  /** The batch identity (source, prefix, destination, shard): another batch's run takes the journal over. */
  readonly id: string
}

/** What the journal knows about one finished (or finishing) object. */
export interface JournalObjectRecord {
  /**
   * `commit`: written, durably, just before the object's file is renamed into place — so after a
   * crash in between, the file at the final name is recognised (by its CRC) instead of refused.
   * `done`: the object is at its destination; a rerun never requests it again.
   */
  readonly type: 'commit' | 'done'
  /** The full object key. */
  readonly key: string
  readonly size: number
  readonly etag?: string
  /**
   * The store's whole-object CRC and its value in hex (16 digits for a CRC-64, 8 for a CRC-32),
   * when it published one. Written as `crc`; records of earlier builds name it `crc64` and are
   * read the same way, and an earlier build reading a `crc` ignores it rather than the journal.
   */
  readonly crc?: { readonly algorithm: ChecksumAlgorithm; readonly value: string }
  /**
   * Where the object's file is under the destination (`/`-separated), as the batch that wrote the
   * record mapped the key. Another batch into the same directory trusts the record only there.
   */
  readonly path?: string
  /**
   * The batch that wrote the record, when it is not the journal's own (the header's `id`): a
   * record carried over when another batch into the same directory took the journal over. It
   * stays that batch's, trusted as its own only by a run of that batch. Builds before this field
   * ignore it.
   */
  readonly batch?: string
}

/** Any journal record. */
export type JournalRecord = JournalHeader | JournalObjectRecord

/** Why a journal was not used. */
export type JournalProblem = 'corrupt' | 'unsupported-version' | 'foreign'

/** The outcome of decoding a journal. */
export type DecodedJournal =
  | {
      readonly ok: true
      readonly header: JournalHeader
      readonly records: readonly JournalObjectRecord[]
      /** Bytes after the last whole record (a torn final append), ignored. */
      readonly tornBytes: number
      /**
       * Records in the middle of the journal that failed their CRC or their fields (a damaged
       * disk block), left out. Each line carries its own CRC, so the others are kept: an object
       * whose record is lost is only decided afresh.
       */
      readonly damagedRecords: number
    }
  | { readonly ok: false; readonly problem: JournalProblem; readonly message: string }

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })
const NEWLINE = 0x0a

/** Reused for the CRC of each record's JSON: the bytes are only hashed, never kept. */
let scratch = new Uint8Array(4096)

/** The UTF-8 bytes of `text`, in `scratch` (valid until the next call). */
function utf8Of(text: string): Uint8Array {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3)
  const { written } = encoder.encodeInto(text, scratch)
  return scratch.subarray(0, written)
}

/**
 * The batch journal is append-only: one line per record, `<crc64xz of the JSON, 16 hex> <JSON>\n`.
 * Appending one short line per finished object costs O(1) however large the batch (rewriting a
 * whole JSON file per object would be O(n²) bytes for 10,000 objects). A crash can only tear the
 * last append, so unreadable bytes after the last good line are ignored; a bad line followed by a
 * good one means damage: that line is left out and counted (`damagedRecords`), and every line
 * whose own CRC holds is kept. A damaged header leaves no batch to name: the whole journal is
 * refused. Without `expectedId`, `decode` reads
 * any batch's journal (e.g. for a `status` command) and the header names the batch.
 */
export const BatchJournalCodec: {
  encode(record: JournalRecord): Uint8Array
  encodeLine(record: JournalRecord): string
  decode(bytes: Uint8Array, expectedId?: string): DecodedJournal
} = {
  encode(record: JournalRecord): Uint8Array {
    return encoder.encode(BatchJournalCodec.encodeLine(record))
  },

  /**
   * `encode`'s line as a string, its newline included: lines gathered for one append are turned
   * into bytes together (`encoder.encode(lines.join(''))`), one allocation per append instead of
   * three per record (two objects of a batch finish per millisecond).
   */
  encodeLine(record: JournalRecord): string {
    const json = JSON.stringify(record)
    return `${formatCrc64Hex(crc64('crc64xz', utf8Of(json)))} ${json}\n`
  },

  decode(bytes: Uint8Array, expectedId?: string): DecodedJournal {
    const lines: (JournalRecord | undefined)[] = []
    let at = 0
    let tornBytes = 0
    while (at < bytes.length) {
      const end = bytes.indexOf(NEWLINE, at)
      if (end < 0) {
        tornBytes = bytes.length - at
        break
      }
      lines.push(parseLine(bytes.subarray(at, end)))
      at = end + 1
    }
    // Unreadable lines at the very end are a torn append; anywhere else they are damage.
    while (lines.length > 0 && lines[lines.length - 1] === undefined) lines.pop()
    const [header, ...rest] = lines
    if (header === undefined && lines.length > 0) return corrupt('the batch header is damaged')
    if (header?.type !== 'batch') return corrupt('the journal does not start with a batch header')
    if (header.version !== BATCH_JOURNAL_VERSION) {
      return {
        ok: false,
        problem: 'unsupported-version',
        message: `batch journal version ${String(header.version)} is not supported (this build reads ${BATCH_JOURNAL_VERSION})`,
      }
    }
    if (expectedId !== undefined && header.id !== expectedId) {
      return {
        ok: false,
        problem: 'foreign',
        message: `the journal belongs to another batch (${JSON.stringify(header.id)})`,
      }
    }
    const records: JournalObjectRecord[] = []
    let damagedRecords = 0
    for (const record of rest) {
      if (record === undefined) damagedRecords++
      else if (record.type === 'batch') return corrupt('a second batch header')
      else records.push(record)
    }
    return { ok: true, header, records, tornBytes, damagedRecords }
  },
}

function corrupt(message: string): DecodedJournal {
  return { ok: false, problem: 'corrupt', message }
}

/** One line, checked and validated field by field; undefined when anything is off. */
function parseLine(line: Uint8Array): JournalRecord | undefined {
  if (line.length < 18 || line[16] !== 0x20) return undefined
  const json = line.subarray(17)
  const crc = String.fromCharCode(...line.subarray(0, 16))
  if (formatCrc64Hex(crc64('crc64xz', json)) !== crc) return undefined
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(json))
  } catch {
    return undefined
  }
  return validRecord(value)
}

function validRecord(value: unknown): JournalRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const r = value as Record<string, unknown>
  if (r.type === 'batch') {
    return typeof r.id === 'string' && typeof r.version === 'number'
      ? { type: 'batch', version: r.version, id: r.id }
      : undefined
  }
  if (r.type !== 'commit' && r.type !== 'done') return undefined
  if (typeof r.key !== 'string' || !Number.isSafeInteger(r.size) || (r.size as number) < 0)
    return undefined
  if (r.etag !== undefined && typeof r.etag !== 'string') return undefined
  if (r.path !== undefined && typeof r.path !== 'string') return undefined
  if (r.batch !== undefined && typeof r.batch !== 'string') return undefined
  let crc: JournalObjectRecord['crc']
  const written = r.crc ?? r.crc64
  if (written !== undefined) {
    const c = written as Record<string, unknown> | null
    if (
      typeof c !== 'object' ||
      c === null ||
      !isChecksumAlgorithm(c.algorithm) ||
      typeof c.value !== 'string' ||
      c.value.length !== crcWidth(c.algorithm) / 4 ||
      !/^[0-9a-f]+$/.test(c.value)
    )
      return undefined
    crc = { algorithm: c.algorithm, value: c.value }
  }
  return {
    type: r.type,
    key: r.key,
    size: r.size as number,
    ...(r.etag === undefined ? {} : { etag: r.etag as string }),
    ...(crc === undefined ? {} : { crc }),
    ...(r.path === undefined ? {} : { path: r.path as string }),
    ...(r.batch === undefined ? {} : { batch: r.batch as string }),
  }
}
