import { isResumableError, isTransportError, OptionsError, TargetError } from '@resumable/core'
import { remedyFlags } from './exists-hint.ts'
import { UsageError } from './usage-error.ts'

/**
 * The fields of a JSON `error` event: `name` (the error class) and `kind` always; `status`, `code`, `requestId`, `hostId`,
 * `retryable` for store failures; `option` for an invalid option; `flags` for a file already at
 * the destination (those that would have replaced it). Fields that do not apply are
 * null rather than absent, so scripts can read them without checking.
 */
export function errorJson(error: unknown, message: string): Record<string, unknown> {
  const base = {
    name: error instanceof Error ? error.name : 'Error',
    kind: 'unknown',
    message,
    status: null,
    code: null,
    requestId: null,
    hostId: null,
    retryable: false,
  }
  if (error instanceof UsageError) return { ...base, kind: 'usage' }
  if (error instanceof OptionsError) return { ...base, kind: error.kind, option: error.option }
  if (isTransportError(error)) {
    return {
      ...base,
      kind: error.kind,
      status: error.status ?? null,
      code: error.code ?? null,
      requestId: error.requestId ?? null,
      hostId: error.hostId ?? null,
      retryable: error.retryable,
    }
  }
  if (error instanceof TargetError && error.remedies !== undefined)
    return { ...base, kind: error.kind, flags: remedyFlags(error.remedies) }
  if (isResumableError(error)) return { ...base, kind: error.kind }
  return base
}
