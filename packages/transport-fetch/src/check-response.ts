import { TransportError } from '@resumable/core'
import { parseContentLength, parseContentRange } from './content-range.ts'

/** Refuses a compressed body: fetch would silently decode it, so sizes and offsets would be wrong. */
export function refuseEncoded(response: Response, describe: string): void {
  const encoding = response.headers.get('content-encoding')?.trim().toLowerCase()
  if (encoding && encoding !== 'identity') {
    throw new TransportError(
      'protocol',
      `${describe}: the server sent Content-Encoding ${encoding} despite Accept-Encoding: identity`,
      { status: response.status, retryable: false },
    )
  }
}

/** Checks a ranged GET's status, Content-Range and Content-Length against the request, before any byte is used. */
export function checkReadResponse(
  response: Response,
  start: number,
  end: number,
  size: number,
  describe: string,
): void {
  const { status, headers } = response
  const length = parseContentLength(headers.get('content-length'))
  if (status === 206) {
    const range = parseContentRange(headers.get('content-range'))
    if (!range) {
      throw new TransportError(
        'protocol',
        `${describe}: 206 without a valid Content-Range (${JSON.stringify(headers.get('content-range'))})`,
        { status },
      )
    }
    if (range.size !== undefined && range.size !== size) {
      throw new TransportError(
        'precondition-failed',
        `${describe}: the object is now ${range.size} bytes, not ${size}: it changed`,
        { status },
      )
    }
    if (range.start !== start || range.end !== end) {
      throw new TransportError(
        'protocol',
        `${describe}: the server answered with bytes ${range.start}-${range.end}`,
        { status },
      )
    }
    if (length !== undefined && length !== end - start + 1) {
      throw new TransportError(
        'protocol',
        `${describe}: Content-Length ${length} disagrees with Content-Range ${range.start}-${range.end}`,
        { status },
      )
    }
    return
  }
  if (status === 200) {
    if (start !== 0 || end !== size - 1) {
      // Never claim a range we did not get: the server ignored Range and is sending everything.
      throw new TransportError(
        'protocol',
        `${describe}: the server ignored Range and answered 200 with the whole object`,
        { status },
      )
    }
    if (length !== undefined && length !== size) {
      throw new TransportError(
        'precondition-failed',
        `${describe}: the object is now ${length} bytes, not ${size}: it changed`,
        { status },
      )
    }
    return
  }
  throw new TransportError('protocol', `${describe}: unexpected status ${status}`, { status })
}
