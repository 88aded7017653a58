import { nodeWire } from './node-wire.ts'
import type { Wire } from './wire.ts'

let shared: Wire | undefined

/**
 * The wire Node's build of the main entry uses when a transport's options name none: one
 * {@link nodeWire} per process, so every transport shares its kept-alive connections. Creating it
 * opens nothing; connections open on the first request.
 */
export function defaultNodeWire(): Wire {
  shared ??= nodeWire()
  return shared
}
