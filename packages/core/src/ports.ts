import type { ChecksumAlgorithm, Crc64Algorithm } from './crc/algorithm.ts'
import type { DigestAlgorithm, ExpectedDigest } from './digest.ts'
import type { TargetError } from './errors/target-error.ts'

/** A whole-object checksum as the store reports it. */
export interface ObjectChecksum {
  /**
   * Which CRC the store computed: OSS sends `crc64xz` (`x-oss-hash-crc64ecma`); S3 sends a
   * full-object `crc64nvme`, `crc32` or `crc32c` (`x-amz-checksum-*`).
   */
  readonly algorithm: ChecksumAlgorithm
  /**
   * The unsigned value (below 2^32 for a CRC-32). In the `ObjectInfo` of a result, an event or
   * `statObject`, `JSON.stringify` writes it as a decimal string.
   */
  readonly value: bigint
  /**
   * Set when `value` is S3's `COMPOSITE` checksum of a multipart upload: not the CRC of the
   * object's bytes but the CRC of its upload parts' CRCs (each big-endian, concatenated), over
   * `count` parts of `size` bytes, the last one shorter. The engine then fetches the object in
   * those same parts, so that each part's CRC is an upload part's.
   */
  readonly uploadParts?: UploadParts
}

/** How a multipart upload cut its object: `count` parts of `size` bytes, the last shorter. */
export interface UploadParts {
  readonly count: number
  readonly size: number
}

/** Archive restore state, from `x-oss-restore` or S3's `x-amz-restore`. */
export interface RestoreState {
  /** A restore request is still running. */
  readonly ongoing: boolean
  /** When the restored copy expires (HTTP date), if the store said. */
  readonly expiry?: string
}

/** What a Transport learns about the remote object before any byte is read. */
export interface ObjectInfo {
  /** Size in bytes; 0, a placeholder, when `sizeKnown` is false. */
  readonly size: number
  /**
   * False when the server did not say how long the object is (a chunked response, no
   * `Content-Length`). The engine then reads one stream to its end (`ReadRequest.toEnd`) into a
   * Target that has `setSize`, and only the end of the stream (and a whole-object checksum, if
   * there is one) says the download is complete. Omitted means known.
   */
  readonly sizeKnown?: boolean
  /** Entity tag exactly as the store sent it (quotes included); compared byte for byte. */
  readonly etag?: string
  /** `Last-Modified` as the store sent it (HTTP date). */
  readonly lastModified?: string
  /** Version id on versioned buckets. */
  readonly versionId?: string
  /** Whole-object checksum when the store offers one. */
  readonly checksum?: ObjectChecksum
  /**
   * The object's MD5 (32 lower-case hex digits) when the store vouches for it: S3 makes a
   * single-part upload's ETag its MD5 unless SSE-KMS or SSE-C encrypted it; else an uploader may
   * have recorded it in the metadata (`md5Source`). Without a `checksum`
   * the engine checks it by reading the finished file back (a Target with `readable: false` skips it).
   */
  readonly md5?: string
  /**
   * Set when `md5` is not an S3 ETag's: the header that carried it, an uploader's record in the
   * metadata (`x-amz-meta-md5chksum`, rclone's; `x-amz-meta-s3cmd-attrs`, s3cmd's), Azure's
   * `x-ms-blob-content-md5`, `Content-MD5` or `Digest`. A mismatch names it.
   */
  readonly md5Source?: string
  /**
   * A whole-object digest the store vouches for that is not a CRC: S3's `x-amz-checksum-sha256` or
   * `x-amz-checksum-sha1` of an object uploaded in one part with that algorithm (type
   * `FULL_OBJECT`), else a SHA in HTTP's `Repr-Digest` or `Digest` (its `source` names the
   * field). Without a `checksum` the engine checks it by reading the finished file back,
   * in preference to `md5` (it needs a Target with `digest`).
   */
  readonly digest?: ExpectedDigest
  /** Storage class (`Standard`, `IA`, `Archive`, `ColdArchive`, `GLACIER`, …). */
  readonly storageClass?: string
  /** Restore state of an archived object. */
  readonly restore?: RestoreState
  /** `Content-Type` of the object. */
  readonly contentType?: string
  /**
   * The file name the store or server suggests (`Content-Disposition`'s `filename*` or
   * `filename`), without directory parts; not otherwise cleaned: a caller that saves under it
   * makes it safe for its file system first.
   */
  readonly fileName?: string
  /** User metadata (`x-oss-meta-*` / `x-amz-meta-*`), keys without the prefix, lower-case. */
  readonly metadata?: Readonly<Record<string, string>>
  /** False when the server is known not to honour `Range`; the engine then uses one GET. */
  readonly acceptRanges?: boolean
}

/** Options common to every Transport call. */
export interface CallOptions {
  /** Aborts the call; the Transport must stop reading and reject promptly. */
  readonly signal?: AbortSignal
}

/** One ranged read: bytes `start`..`end` inclusive of the object described by `object`. */
export interface ReadRequest extends CallOptions {
  /** First byte offset (inclusive). */
  readonly start: number
  /** Last byte offset (inclusive). Meaningless when `toEnd` is set. */
  readonly end: number
  /** The object as `stat` saw it; send `If-Match: object.etag` and pin `object.versionId`. */
  readonly object: ObjectInfo
  /**
   * Read from `start` to the end of the object, however long (`Range: bytes=start-`, or no Range
   * from 0), and end the body where the server's stream ends. Asked only of a Transport whose
   * `stat` said `sizeKnown: false`. A 200 to a read from `start > 0` is an ignored Range
   * (`RangeIgnored`); the response's `range.end` is then `Number.MAX_SAFE_INTEGER` when unknown.
   */
  readonly toEnd?: boolean
}

/**
 * A body: a web `ReadableStream` or any async iterable of byte chunks (e.g. a Node stream).
 * A chunk belongs to the reader once handed over: the engine may hold it until it is written, so
 * a source must not reuse a chunk's memory.
 */
export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>

/** The answer to a ReadRequest, before its body is consumed. */
export interface ReadResponse {
  /** The byte range the server says the body holds (from `Content-Range`, or the whole object on a 200). */
  readonly range: { readonly start: number; readonly end: number }
  /** The ETag on the response, when the server sent one: a mismatch means the object changed. */
  readonly etag?: string
  /**
   * The Last-Modified on the response, when the server sent one. Where `stat` or the response has
   * no ETag, a Last-Modified other than `stat`'s means the object changed (a server that ignores
   * If-Unmodified-Since would otherwise mix two versions).
   */
  readonly lastModified?: string
  /**
   * Only on a 200 (one answer holding the whole object): the whole object's MD5 the response
   * vouches for (`Content-MD5`, `Digest`, …), as {@link ObjectInfo.md5}. Checked before commit
   * when `stat` gave none, as a HEAD's would be.
   */
  readonly md5?: string
  /** The header that carried `md5`. */
  readonly md5Source?: string
  /** The bytes. The engine consumes it or cancels it. */
  readonly body: ByteSource
  /**
   * True when a chunk's memory is reused once the next chunk is asked for: the engine then copies
   * each chunk into its write buffer before reading on, instead of holding it for a gather write.
   */
  readonly chunksLent?: boolean
  /**
   * With `chunksLent`: keeps the memory of `chunk` (the chunk just read, or part of it) from
   * reuse until the returned function is called, so the engine can hand it to a gather write
   * instead of copying it; it may throw once the body was let go (an abort), and the read then
   * fails. Absent: lent chunks are copied.
   */
  readonly keep?: (chunk: Uint8Array) => () => void
}

/** Options of `Transport.readWhole`. */
export interface WholeReadRequest extends CallOptions {
  /** Send `If-Match` with this ETag (e.g. the listing's); a 412 is then a TransportError `precondition-failed`. */
  readonly ifMatch?: string
}

/** The whole object in one response: its identity from the response headers, and its bytes. */
export interface WholeRead {
  /** What `stat` would have said, read from the same response as `body`. */
  readonly object: ObjectInfo
  /**
   * All `object.size` bytes (guarded like a read's body). Consume it or cancel it. Undefined when
   * the transport let the body go to learn more with other requests first (the answer is then a
   * stat, and the bytes are read as usual).
   */
  readonly body?: ByteSource | undefined
  /** As `ReadResponse.chunksLent`: each chunk's memory is reused once the next is asked for. */
  readonly chunksLent?: boolean
  /** As `ReadResponse.keep`. */
  readonly keep?: (chunk: Uint8Array) => () => void
}

/** Reads a remote object. It owns signing and the wire, and maps every failure to a TransportError. */
export interface Transport {
  /** Stable, credential-free identity of the object (e.g. `oss://bucket/key?versionId=…`). */
  readonly id: string
  /** Learns the object's size and identity. */
  stat(options?: CallOptions): Promise<ObjectInfo>
  /** Reads exactly one range; rejects with a TransportError on any failure. */
  read(request: ReadRequest): Promise<ReadResponse>
  /**
   * Optional: one GET of the whole object, whose response headers tell what `stat` would (size,
   * ETag, CRC-64, …) and whose body is the object. A batch uses it for listed objects that fit in
   * one request, saving a round trip per object (`oneRequestTransport`).
   */
  readWhole?(request: WholeReadRequest): Promise<WholeRead>
}

/** How a Target is opened. */
export interface TargetOpenOptions {
  /** Final size of the object; a Target may pre-allocate. 0 when `sizeKnown` is false. */
  readonly size: number
  /** False for an object of unknown length: writes extend the file, `setSize` comes before `commit`. */
  readonly sizeKnown?: boolean
  /** True to reopen an existing temporary file (resume), false to start empty. */
  readonly resume: boolean
  /**
   * True when `resume` is false although a checkpoint for this destination was found (and
   * discarded: damaged, stale, of another object): a temporary file already there is an earlier
   * run's, to be replaced. A Target may refuse to replace one nothing vouches for (a user's file
   * that only has the temporary file's name); `resume: true` vouches for it too.
   */
  readonly checkpointDiscarded?: boolean
}

/** What opening a Target found. */
export interface TargetOpenResult {
  /** False when `resume` was asked but there was nothing to reopen: the engine starts over. */
  readonly resumed: boolean
  /**
   * When resumed: how many bytes the reopened temporary place holds (a file's size). Parts the
   * checkpoint names past it were lost (a truncated or replaced file) and are fetched again.
   * Omit when it cannot be told (e.g. the place was allocated at full size).
   */
  readonly length?: number
  /**
   * When `resume` was asked but refused although a temporary place was there (e.g. a file longer
   * than the object, or a hard link): why, in a sentence naming the place. The engine reports it
   * as a `checkpoint-discarded` event with problem `temp-unusable`; omitted, the problem is
   * `temp-missing` (nothing to reopen). Optional, so a Target that cannot tell need not.
   */
  readonly notResumedReason?: string
}

/** Where bytes land: a temporary place written at offsets, made durable by `sync`, published by `commit`. */
export interface Target {
  /** Stable identity of the destination (e.g. an absolute path); recorded in checkpoints. */
  readonly id: string
  /** Creates or reopens the temporary place. */
  open(options: TargetOpenOptions): Promise<TargetOpenResult>
  /** Writes `data` at `offset`. Not durable until `sync` resolves. */
  write(offset: number, data: Uint8Array): Promise<void>
  /**
   * Optional gather write: `chunks` back to back from `offset`, as one `write` of their
   * concatenation would. When present the engine hands over body chunks as they arrived instead of
   * copying them into a buffer first (one copy less per byte). Not durable until `sync` resolves.
   * Undefined, like absent, makes the engine copy (a Target that knows copying pays where it runs).
   */
  readonly writeChunks?:
    | ((offset: number, chunks: readonly Uint8Array[]) => Promise<void>)
    | undefined
  /** Reads back `length` bytes at `offset` (used to re-verify resumed parts and the MD5). */
  read(offset: number, length: number): Promise<Uint8Array>
  /**
   * False when written bytes cannot be read back (a pipe such as stdout): checks that need a second
   * pass over the bytes (the MD5) are then skipped, and the result says so. Omitted means true.
   */
  readonly readable?: boolean
  /**
   * Optional: the MD5 (32 lower-case hex digits) of the first `length` bytes written, computed
   * the runtime's native way. Without it the engine reads the bytes back and hashes them in
   * JavaScript, about 2.5× slower.
   */
  md5?(length: number): Promise<string>
  /**
   * Optional: the digest (lower-case hex) of the first `length` bytes written, for the `digest`
   * download option. Without it only an MD5 can be checked (core reads the bytes back). An abort
   * of `signal` (a pause) should stop the reading: a huge file takes minutes to hash.
   */
  digest?(
    algorithm: DigestAlgorithm,
    length: number,
    options?: TargetDigestOptions,
  ): Promise<string>
  /**
   * Optional: the digests `digest` (or `md5`) will be asked for once every byte is in place, said
   * before the parts are fetched, so the Target may hash its bytes from offset 0 as writes complete
   * instead of reading the whole object back at the end. A hint: `digest` must give the digest of
   * the bytes in place whether or not the Target used it, so a byte written twice (a part fetched
   * again) must make the Target read it back. `options.present` names the spans already in place
   * from an earlier run (a resume). Called after each `open`, whose own `open` starts over.
   */
  hashAhead?(algorithms: readonly DigestAlgorithm[], options?: TargetHashAheadOptions): void
  /**
   * Optional: how many bytes from offset 0 `digest(algorithm, length)` (or `md5(length)`) has
   * already hashed ahead ({@link Target.hashAhead}) and will not read again; 0 when it would read
   * every byte (nothing hashed, a byte written twice, another algorithm). Asked just before the
   * check, for the `verifying` event's `bytes` (what is left to read). Omitted means 0.
   */
  hashedAhead?(algorithm: DigestAlgorithm, length: number): number
  /** Durability barrier: every write that resolved before this call is durable when it resolves. */
  sync(): Promise<void>
  /**
   * Gives the final size of an object opened with `sizeKnown: false`, once its stream has ended,
   * before `commit`. Optional: a Target without it cannot take an object of unknown length.
   */
  setSize?(size: number): Promise<void>
  /**
   * Makes the complete object appear at the destination atomically. `options` carry what the
   * store said of the object that a destination may keep (its modification time); a Target that
   * cannot keep it ignores it.
   */
  commit(options?: TargetCommitOptions): Promise<void>
  /** Closes the temporary place; removes it unless `keep` is true. */
  abort(options: TargetAbortOptions): Promise<void>
}

/** How a Target's `digest` is asked. */
export interface TargetDigestOptions {
  /** Aborted to stop reading (a pause). */
  readonly signal?: AbortSignal | undefined
}

/** What the engine tells a Target with {@link Target.hashAhead}. */
export interface TargetHashAheadOptions {
  /** Spans of the object already in place (resumed parts), in no particular order. */
  readonly present?: readonly TargetSpan[]
}

/** Bytes `start` (inclusive) to `end` (exclusive) of the object. */
export interface TargetSpan {
  readonly start: number
  readonly end: number
}

/** What the engine hands a Target with the complete object. */
export interface TargetCommitOptions {
  /**
   * When the store last modified the object (its `Last-Modified`), in ms since the epoch; absent
   * when the store gave none. A file Target may give the published file this modification time,
   * so that a later comparison with the store (a sync's "is it newer?") compares like with like.
   */
  readonly modifiedMs?: number
}

/** How a Target is closed without publishing. */
export interface TargetAbortOptions {
  /** Keep the temporary place for a later resume. */
  readonly keep: boolean
  /**
   * This process opens the target again soon (the engine waits for a store that stopped
   * answering): whatever keeps other processes off the destination, such as a lock file, stays
   * until that `open`, or until an `abort` without `reopen`.
   */
  readonly reopen?: boolean
}

/**
 * Computes CRC-64s away from the calling thread, so that the thread reading sockets does not also
 * hash every byte. The engine uses it only for the CRC-64s (`crc64xz`, `crc64nvme`) of chunks in
 * shared memory (`SharedArrayBuffer` views, which another thread reads without a copy, as Node's
 * socket wire lends them), and computes every other CRC itself.
 */
export interface ChecksumThread {
  /** Starts a running CRC from `previous` (0n for none). */
  begin(algorithm: Crc64Algorithm, previous: bigint): ChecksumRun
}

/** One running CRC of a {@link ChecksumThread}: pieces go in as they arrive, the value comes out once. */
export interface ChecksumRun {
  /** Hands over the next pieces, in order; each stays unchanged until `value()` settles. */
  update(pieces: readonly Uint8Array[]): void
  /**
   * The CRC of every piece handed over, back to back, as `crc(algorithm, concatenation, previous)`
   * gives it; the run ends. A rejection (the thread failed) leaves the CRC to the caller.
   */
  value(): Promise<bigint>
}

/** Persists checkpoint bytes under a key. Format and validation live in core. */
export interface CheckpointStore {
  /** The bytes last saved under `key`, or undefined when there are none. */
  load(key: string): Promise<Uint8Array | undefined>
  /** Replaces the bytes under `key` atomically: a reader sees the old bytes or the new, never a mix. */
  save(key: string, data: Uint8Array): Promise<void>
  /** Removes `key`; succeeds when it does not exist. */
  remove(key: string): Promise<void>
  /**
   * Asked of `bytes` loaded for `key` that do not decode as a checkpoint: whether they are
   * something this store did not write (a user's file that only has the checkpoint's name), which
   * a download must not discard and later save over. A TargetError (kind `exists`, naming the
   * file) fails the download before it writes anything; undefined lets the bytes be discarded as
   * a damaged checkpoint. Omitted: every such file is taken for a damaged checkpoint.
   */
  foreignFile?(key: string, bytes: Uint8Array): Promise<TargetError | undefined>
}
