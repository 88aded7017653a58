import { AheadHashing, crcOfPieces } from './ahead-hashing.ts'
import { type ChunkReader, chunkReader } from './byte-source.ts'
import type { Crc64Algorithm } from './crc/algorithm.ts'
import { crc as crcOf } from './crc/index.ts'
import { ObjectChangedError } from './errors/object-changed-error.ts'
import { isResumableError } from './errors/resumable-error.ts'
import { isTransportError, TransportError } from './errors/transport-error.ts'
import { LazyAbortController } from './lazy-abort.ts'
import type { Segment } from './part-work.ts'
import type { ObjectInfo, ReadRequest, ReadResponse } from './ports.ts'
import { backOffOrThrow } from './retry.ts'
import type { RunContext } from './run-context.ts'
import { isRangeIgnored, rangeIgnoredError } from './sequential.ts'
import { StallWatch } from './stall-guard.ts'

/** Marks an error from the Target: local failures are never retried as if the network caused them. */
class TargetFailure {
  readonly error: unknown
  constructor(error: unknown) {
    this.error = error
  }
}

/**
 * Fetches `segment` (a whole part, or a tail split off one) to the target, continuing from its
 * recorded offset, retrying failures from the last byte written, and records it done with its
 * CRC; true when that completed its part. When another worker splits off the segment's tail, the
 * request in flight stops where the segment now ends. `writeBuffer` gives the worker's buffer,
 * reused across parts so memory stays at concurrency × buffer size whatever the part size; it is
 * asked for only when chunks are copied (no gather writes, or lent chunks).
 */
export async function fetchSegment(
  ctx: RunContext,
  segment: Segment,
  writeBuffer: () => Uint8Array,
): Promise<boolean> {
  const { options, state, limiter } = ctx
  const { start } = segment
  // The most a rate limit lets through at once; a chunk above it is released in slices.
  const slice = limiter?.sliceBytes ?? Number.POSITIVE_INFINITY
  const algorithm = state.algorithm
  // An object of unknown length: one stream, complete where it ends (ports.ts, ReadRequest.toEnd).
  const toEnd = ctx.object.sizeKnown === false
  let written = segment.written
  let crc = segment.crc
  let buffered = 0
  let failures = 0
  // On a slow link a buffer can take minutes to fill; flushing at the checkpoint cadence keeps what
  // a crash loses to about one interval of transfer instead of a whole buffer per part.
  let flushedAt = Date.now()
  // Copied chunks fill `room` while the other half of the worker's buffer is being written
  // (`writing`): the part reads on during its own write instead of waiting for it.
  let room: Uint8Array | undefined
  let other: Uint8Array | undefined
  let writing: Promise<void> | undefined
  // A Target with gather writes takes the chunks as they arrived (no copy into `room`), unless the
  // transport lends them and cannot keep them: their memory is reused after the next read, so they
  // are copied. Kept chunks are released once their write is done.
  const gatherWrite = options.target.writeChunks?.bind(options.target)
  let gather = gatherWrite
  let keep: ((chunk: Uint8Array) => () => void) | undefined
  const limit = Math.min(options.writeBufferSize, segment.end - start + 1)
  let held: Uint8Array[] = []
  let kept: (() => void)[] = []
  // Every path that empties `held` goes through `flush`, which ends the thread's run first.
  const ahead = new AheadHashing(options.checksumThread, algorithm)

  /** Lets go of chunks that will not be written (after a failure). */
  const dropHeld = (): void => {
    for (const release of kept) release()
    kept = []
    held = []
    buffered = 0
  }

  /** Waits for the write in flight; the partial record names its bytes only once it is done. */
  const settle = async (): Promise<void> => {
    const pending = writing
    if (pending === undefined) return
    writing = undefined
    await pending
  }

  /** Starts writing what is buffered (copied chunks: without waiting for it to finish). */
  const flush = async (): Promise<void> => {
    await settle()
    if (buffered === 0) return
    if (gather) {
      // Written and waited for, not overlapped like the copied halves: kept chunks pin the wire's
      // memory, and gathering a second buffer's worth meanwhile cost up to 25 MiB more peak RSS
      // at concurrency 8 for no gain in wall time (BENCHMARKS.md). What the checksum thread has
      // not hashed yet goes to it now, and it hashes while the write runs.
      const hashing = ahead.finish(held, algorithm as Crc64Algorithm, crc)
      try {
        await gather(start + written, held)
      } catch (error) {
        // The thread may still be reading the pieces: they go back to the wire only after it.
        await hashing
        dropHeld()
        throw new TargetFailure(error)
      }
      if (hashing) crc = await hashing
      else if (algorithm) crc = crcOfPieces(algorithm, held, crc)
      for (const release of kept) release()
      kept = []
      written += buffered
      buffered = 0
      held = []
      flushedAt = Date.now()
      segment.record(written, crc)
      return
    }
    const data = (room as Uint8Array).subarray(0, buffered)
    const bytes = buffered
    const done = options.target.write(start + written, data).then(
      () => {
        if (algorithm) crc = crcOf(algorithm, data, crc)
        written += bytes
        flushedAt = Date.now()
        segment.record(written, crc)
      },
      (error: unknown) => {
        throw new TargetFailure(error)
      },
    )
    // Rejections surface at the next settle; until then they are not unhandled.
    done.catch(() => undefined)
    writing = done
    buffered = 0
    flushedAt = Date.now()
    if (other === undefined) await settle()
    else [room, other] = [other, room]
  }

  /** Writes everything buffered and waits until it is written. */
  const drain = async (): Promise<void> => {
    await flush()
    await settle()
  }

  while (start + written <= segment.end) {
    if (ctx.signal.aborted) throw ctx.signal.reason
    const from = start + written
    const end = segment.end
    const before = written
    // Aborted by the run's signal or a stall; the watch links it to the run (stall-guard.ts). Its
    // signal is made only if the read asks for it: a held body's does not (lazy-abort.ts).
    const attempt = new LazyAbortController()
    // A stall names the request, as every other failure of it does.
    const watch = new StallWatch(
      options.stallTimeoutMs,
      attempt,
      `read ${options.transport.id} bytes ${from}-${toEnd ? '' : end}`,
      ctx.signal,
    )
    let reader: ChunkReader | undefined
    const askedAt = Date.now()
    segment.asked(askedAt)
    try {
      const response = await watch.guard(
        () => options.transport.read(readRequest(from, end, ctx.object, attempt, toEnd)),
        (late) => void chunkReader(late.body).cancel(),
      )
      reader = chunkReader(response.body)
      const answeredAt = Date.now()
      segment.answered(answeredAt)
      ctx.answered?.(answeredAt - askedAt)
      keep = response.chunksLent ? response.keep : undefined
      gather = response.chunksLent && keep === undefined ? undefined : gatherWrite
      checkResponse(ctx, response, from, toEnd ? response.range.end : end)
      if (response.md5 !== undefined) ctx.vouchedMd5?.(response.md5, response.md5Source)
      ctx.rangeHonoured?.(from)
      for (;;) {
        const current = reader
        const chunk = await watch.guard(() => current.next())
        if (chunk === undefined) break
        if (chunk.length === 0) continue
        if (chunk.length > end - (start + segment.taken) + 1) {
          throw new TransportError(
            'protocol',
            `the server sent more than the ${end - from + 1} bytes requested`,
          )
        }
        // A low rate limit releases a chunk in slices it pays for in a short interval, each
        // counted and written as it passes: held whole, a 64 KiB chunk at 4 KiB/s would land
        // in one burst after 16 s. Above the chunk size (any fast limit) the chunk is one piece:
        // no view, no extra await (rate-limiter.ts).
        const step = Math.min(slice, chunk.length)
        for (let at = 0; at < chunk.length; at += step) {
          let piece = step === chunk.length ? chunk : chunk.subarray(at, at + step)
          if (limiter) {
            // Time the cap holds the segment back is not time its connection was slow.
            segment.holding(Date.now())
            try {
              await limiter.take(piece.length, attempt.signal)
            } finally {
              segment.released(Date.now())
            }
          }
          // Another worker took the tail (maybe while this piece waited): keep what is still
          // ours and end this request there.
          const ours = segment.end - (start + segment.taken) + 1
          if (ours <= 0) break
          if (piece.length > ours) piece = piece.subarray(0, ours)
          segment.taken += piece.length
          ctx.counters.fetchedBytes += piece.length
          if (gather) {
            // Kept before it is held: a keep() that throws (the wire already let the body go)
            // must not leave a piece in `held` that `buffered` does not count, which the next
            // write would put in the file and the CRC beyond the bytes recorded as written.
            if (keep) kept.push(keep(piece))
            held.push(piece)
            buffered += piece.length
            // Kept chunks stay put until written: the checksum thread can hash them meanwhile.
            if (keep && ahead.usable(piece)) ahead.add(held, algorithm as Crc64Algorithm, crc)
            if (buffered >= limit) await flush()
          } else {
            if (room === undefined) {
              const whole = writeBuffer()
              const buffer = whole.subarray(0, Math.min(whole.length, end - start + 1))
              // Halves when each is still a sizeable write; a small buffer is written and waited for.
              const half = Math.ceil(buffer.length / 2)
              if (half >= 64 * 1024) {
                room = buffer.subarray(0, half)
                other = buffer.subarray(half)
              } else room = buffer
            }
            for (let copied = 0; copied < piece.length; ) {
              const n = Math.min(room.length - buffered, piece.length - copied)
              room.set(piece.subarray(copied, copied + n), buffered)
              buffered += n
              copied += n
              if (buffered === room.length) await flush()
            }
          }
          if (buffered > 0 && Date.now() - flushedAt >= options.checkpointIntervalMs) await flush()
          ctx.reportProgress()
        }
        if (segment.end < end && start + segment.taken > segment.end) break
      }
      await drain()
      // Its length is what arrived; the engine reads it from the partial record.
      if (toEnd) return true
      if (start + written > segment.end) {
        // A split left the rest of this response unread: the connection cannot carry another.
        if (segment.end < end) void reader.cancel()
        break
      }
      throw new TransportError(
        'network',
        `the response ended after ${start + written - from} of ${end - from + 1} bytes`,
      )
    } catch (caught) {
      if (caught instanceof TargetFailure) {
        dropHeld()
        throw caught.error
      }
      // Bytes that arrived before the failure sit at their true offsets: keep them.
      try {
        await drain()
      } catch (flushError) {
        throw flushError instanceof TargetFailure ? flushError.error : flushError
      } finally {
        dropHeld()
      }
      if (reader) void reader.cancel(caught)
      // Every byte of the segment arrived before the failure: it is done, whatever came after.
      if (start + written > segment.end) break
      if (ctx.signal.aborted) throw ctx.signal.reason
      // Once a 206 proved ranges work, the first 200 may be a glitch in between (a proxy): retried
      // once; any further one switches to the sequential stream (run-parts.ts).
      const forgive = isRangeIgnored(caught) && ctx.forgiveIgnoredRange?.() === true
      const error = classify(forgive ? rangeGlitch(caught) : caught)
      failures = written > before ? 1 : failures + 1
      segment.taken = written
      await backOffOrThrow(ctx, segment.part.index, failures, error)
    } finally {
      watch.stop()
    }
  }
  return segment.finish(crc)
}

/** Refuses a response whose range or ETag is not the one asked for, before a byte is written. */
function checkResponse(ctx: RunContext, response: ReadResponse, start: number, end: number): void {
  const { range, etag, lastModified } = response
  if (etag !== undefined && ctx.object.etag !== undefined) {
    if (etag !== ctx.object.etag)
      throw new ObjectChangedError(
        `the object changed during the download: ETag ${ctx.object.etag} became ${etag}`,
      )
  } else if (changedTime(ctx.object.lastModified, lastModified)) {
    // No ETag to compare: Last-Modified is the only validator, and a server that ignores
    // If-Unmodified-Since would hand out the new version's bytes at the old one's offsets.
    throw new ObjectChangedError(
      `the object changed during the download: Last-Modified ${ctx.object.lastModified} became ${lastModified}`,
    )
  }
  const { size } = ctx.object
  if (range.start === 0 && range.end === size - 1 && (start !== 0 || end !== size - 1)) {
    throw rangeIgnoredError(
      `asked for bytes ${start}-${end} but the server ignored Range and sent the whole object`,
    )
  }
  if (range.start !== start || range.end !== end) {
    throw new TransportError(
      'protocol',
      `asked for bytes ${start}-${end} but the server answered with bytes ${range.start}-${range.end}`,
    )
  }
}

/** True when both times are given and name different instants (or, unparseable, differ as text). */
function changedTime(before: string | undefined, now: string | undefined): boolean {
  if (before === undefined || now === undefined) return false
  const [a, b] = [Date.parse(before), Date.parse(now)]
  return Number.isNaN(a) || Number.isNaN(b) ? before !== now : a !== b
}

/** An ignored Range forgiven after ranges were proven, as a retryable protocol error. */
function rangeGlitch(error: TransportError): TransportError {
  return new TransportError('protocol', error.message, { retryable: true, cause: error })
}

/** Maps a failure to a retryable TransportError, or rethrows what must end the download. */
function classify(error: unknown): TransportError {
  if (error instanceof ObjectChangedError) throw error
  if (isTransportError(error)) {
    if (error.kind === 'precondition-failed') {
      throw new ObjectChangedError(`the object changed during the download (${error.message})`, {
        cause: error,
      })
    }
    if (error.kind === 'range-not-satisfiable') {
      throw new ObjectChangedError(
        `the object is shorter than when the download began (${error.message})`,
        {
          cause: error,
        },
      )
    }
    if (!error.retryable) throw error
    return error
  }
  if (isResumableError(error)) throw error
  const message = error instanceof Error ? error.message : String(error)
  return new TransportError('network', `reading the response failed: ${message}`, { cause: error })
}

/** A read of bytes `start`..`end` whose signal is `attempt`'s, made only if the transport asks. */
function readRequest(
  start: number,
  end: number,
  object: ObjectInfo,
  attempt: LazyAbortController,
  toEnd: boolean,
): ReadRequest {
  const request = {
    start,
    end,
    object,
    get signal(): AbortSignal {
      return attempt.signal
    },
  }
  return toEnd ? Object.assign(request, { toEnd }) : request
}
