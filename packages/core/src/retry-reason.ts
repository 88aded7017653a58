import type { TransportError } from './errors/transport-error.ts'
import type { RetryReason } from './events.ts'

/** The credential-free summary of a failed attempt that retry events carry. */
export function retryReason(error: TransportError): RetryReason {
  return {
    kind: error.kind,
    message: error.message,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.code === undefined ? {} : { code: error.code }),
  }
}
