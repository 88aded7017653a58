import { isTransportError, TransportError } from './errors/transport-error.ts'

/**
 * The `code` of the TransportError a Transport throws when a server answers a ranged GET with
 * `200` and the whole object (it ignores `Range`: `python3 -m http.server`, nginx `max_ranges 0`).
 * The engine then switches the download to one sequential stream instead of retrying the refusal.
 */
export const RANGE_IGNORED_CODE = 'RangeIgnored'

/**
 * Why a download is planned as one sequential stream instead of parallel ranged parts, before it
 * starts (the `sequential` event). A switch during the download has its own event and reason
 * ({@link PlanSwitchReason}).
 */
export type SequentialReason =
  /** The server said `Accept-Ranges: none` (or a range probe came back 200). */
  | 'ranges-refused'
  /** The server did not say how long the object is (no `Content-Length`). */
  | 'unknown-size'

/** Why a download already started gave up its plan for one sequential stream (`plan-switched`). */
export type PlanSwitchReason =
  /** A ranged GET was answered with 200 and the whole object, beyond what is forgiven as a glitch. */
  'range-ignored'

/** What a resume of a sequential download will do, in the words the CLI prints. */
export const SEQUENTIAL_RESUME_NOTE =
  'a resume continues from the saved offset only if the server honours Range then; otherwise it starts again from byte 0'

/**
 * The plan size of an object of unknown length: one part that ends where the stream ends. A
 * checkpoint whose object size is this value describes such a stream.
 */
export const UNKNOWN_LENGTH: number = Number.MAX_SAFE_INTEGER

/** The refusal as a non-retryable TransportError: retrying the same request gets the same 200. */
export function rangeIgnoredError(message: string, status?: number): TransportError {
  return new TransportError('protocol', message, {
    code: RANGE_IGNORED_CODE,
    retryable: false,
    ...(status === undefined ? {} : { status }),
  })
}

/** True for the error a Transport (or the engine's own response check) raises on an ignored Range. */
export function isRangeIgnored(error: unknown): error is TransportError {
  return isTransportError(error) && error.code === RANGE_IGNORED_CODE
}
