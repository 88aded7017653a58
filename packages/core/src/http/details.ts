import type { TransportErrorDetails } from '../errors/transport-error.ts'

/** TransportErrorDetails whose fields may also be explicitly undefined. */
export type LooseDetails = {
  readonly [K in keyof TransportErrorDetails]?: TransportErrorDetails[K] | undefined
}

/** Drops undefined fields: TransportErrorDetails uses exact optional properties. */
export function details(loose: LooseDetails): TransportErrorDetails {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(loose)) if (value !== undefined) out[key] = value
  return out as TransportErrorDetails
}
