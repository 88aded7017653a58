import type { BatchListingFailure, FailureDetails } from '@resumable/core'
import { quoteForTerminal, terminalText } from '../units.ts'

/**
 * ` [Code X, RequestId Y]` for what the store said that the message does not already say
 * (TransportError's messages carry them), or nothing.
 */
export function storeDetailsText(
  f: Pick<FailureDetails, 'code' | 'requestId' | 'message'>,
): string {
  const details = [f.code ? `Code ${f.code}` : '', f.requestId ? `RequestId ${f.requestId}` : '']
    .filter((detail) => detail !== '' && !f.message.includes(detail))
    .join(', ')
  return details ? ` [${terminalText(details)}]` : ''
}

/** `after "key": kind — message [Code X, RequestId Y]`, escaped for a terminal. */
export function listingFailureText(f: BatchListingFailure): string {
  return `after ${quoteForTerminal(f.afterKey)}: ${f.kind} — ${terminalText(f.message)}${storeDetailsText(f)}`
}

/** A failure's kind, message and what the store said, as JSON (null where the store said nothing). */
export function detailsJson(f: FailureDetails): Record<string, unknown> {
  return {
    kind: f.kind,
    message: f.message,
    status: f.status ?? null,
    code: f.code ?? null,
    requestId: f.requestId ?? null,
    hostId: f.hostId ?? null,
  }
}

/** A listing failure as JSON: the last key listed, then its details. */
export function listingFailureJson(f: BatchListingFailure): Record<string, unknown> {
  return { afterKey: f.afterKey, ...detailsJson(f) }
}
