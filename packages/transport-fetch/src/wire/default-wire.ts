import type { Wire } from './wire.ts'

let factory: (() => Wire) | undefined
let shared: Wire | undefined

/**
 * The wire a transport uses when its options name none: the one a runtime entry registered
 * (the Node entry registers the undici wire), or `undefined`, meaning fetch. One instance per
 * process, so every transport shares its kept-alive connections.
 */
export function defaultWire(): Wire | undefined {
  if (factory) shared ??= factory()
  return shared
}

/** Makes `create` the process's default wire (`undefined`: back to fetch). */
export function setDefaultWire(create: (() => Wire) | undefined): void {
  factory = create
  shared = undefined
}
