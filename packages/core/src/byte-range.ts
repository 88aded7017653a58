import { OptionsError } from './errors/options-error.ts'
import { TransportError } from './errors/transport-error.ts'
import type { CallOptions, ObjectInfo, ReadRequest, ReadResponse, Transport } from './ports.ts'
import { isRangeIgnored } from './sequential.ts'
import type { Verification } from './verify.ts'

/** A byte range of the object to download instead of all of it, inclusive at both ends like HTTP `Range`. */
export interface ByteRange {
  /** First byte offset. */
  readonly start: number
  /** Last byte offset (inclusive); omitted for "to the end of the object". Clipped to the object. */
  readonly end?: number
}

/** What is verified for a range: the store's checksum covers the whole object only. */
export const RANGE_VERIFICATION: Verification = {
  method: 'size',
  reason:
    "a byte range: the store's CRC covers the whole object and cannot be compared with it; " +
    'checked: the byte count of every response and If-Match on the ETag of every request',
}

/** Checks a `range` option; throws OptionsError before anything is touched. */
export function checkByteRange(range: unknown): ByteRange {
  const value = range as Partial<ByteRange> | null
  const start = value?.start
  const end = value?.end
  if (typeof value !== 'object' || value === null) {
    throw new OptionsError('range', 'expected { start, end? }')
  }
  if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0) {
    throw new OptionsError('range', `start must be a non-negative integer, got ${String(start)}`)
  }
  if (end !== undefined && (typeof end !== 'number' || !Number.isSafeInteger(end) || end < start)) {
    throw new OptionsError('range', `end must be an integer ≥ start (${start}), got ${String(end)}`)
  }
  return end === undefined ? { start } : { start, end }
}

/**
 * A Transport that presents bytes `range.start`..`range.end` of `inner`'s object as an object of
 * their own: the engine plans, resumes and checkpoints the slice as it would a whole object. Its
 * id names the range, so a checkpoint for another range (or the whole object) is never used.
 * The store's whole-object checksum is dropped: it cannot describe a slice.
 */
export function rangeTransport(inner: Transport, range: ByteRange): Transport {
  let whole: ObjectInfo | undefined
  return {
    id: `${inner.id}#bytes=${range.start}-${range.end ?? ''}`,
    async stat(options?: CallOptions): Promise<ObjectInfo> {
      const info = await inner.stat(options)
      if (info.sizeKnown === false) {
        throw new TransportError(
          'invalid-request',
          `${inner.id} has no known length (no Content-Length): a byte range of it cannot be planned`,
          { retryable: false },
        )
      }
      if (range.start >= info.size) {
        throw new TransportError(
          'range-not-satisfiable',
          `the range starts at byte ${range.start} but ${inner.id} has ${info.size} bytes`,
          { retryable: false },
        )
      }
      whole = info
      const end = Math.min(range.end ?? info.size - 1, info.size - 1)
      const { checksum: _wholeObjectOnly, ...rest } = info
      return { ...rest, size: end - range.start + 1 }
    },
    async read(request: ReadRequest): Promise<ReadResponse> {
      if (!whole)
        throw new TransportError('invalid-request', 'read before stat', { retryable: false })
      const offset = range.start
      let response: ReadResponse
      try {
        response = await inner.read({
          ...request,
          start: request.start + offset,
          end: request.end + offset,
          object: whole,
        })
      } catch (error) {
        if (isRangeIgnored(error)) throw rangeUnavailable(inner.id, error)
        throw error
      }
      const { start, end } = response.range
      if (start === 0 && end === whole.size - 1 && request.start + offset !== 0) {
        throw rangeUnavailable(inner.id)
      }
      return { ...response, range: { start: start - offset, end: end - offset } }
    },
  }
}

/** Not retryable, and not the engine's RangeIgnored: a range cannot be had as a whole-object stream. */
function rangeUnavailable(id: string, cause?: unknown): TransportError {
  return new TransportError(
    'protocol',
    `the server of ${id} ignores Range (it answered with the whole object): a byte range cannot be downloaded from it`,
    { retryable: false, ...(cause === undefined ? {} : { cause }) },
  )
}
