/**
 * Node-only entry of `@resumable/transport-fetch`: the `node:http` wire. Importing it loads
 * `node:http` and `node:https`; the main entry never does, so it stays usable in browsers.
 *
 * @example
 * ```ts
 * import { nodeWire } from '@resumable/transport-fetch/node'
 * const wire = nodeWire({ maxSockets: 16 })
 * ```
 * @module
 */
export { defaultNodeWire } from './wire/default-wire-node.ts'
export { type NodeWireOptions, nodeWire } from './wire/node-wire.ts'
export type { Wire, WireRequest, WireResponse } from './wire/wire.ts'
