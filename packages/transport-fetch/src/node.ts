/**
 * The Node wire of `@resumable/transport-fetch` (Node, Bun, Deno): HTTP/1.1 on sockets.
 * Importing it loads `node:net` (and `node:tls` at the first https:// connection); the main entry
 * never does (outside Node's own build), so it stays usable in browsers.
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
export {
  type NodeWireProxies,
  type NodeWireProxyOptions,
  noProxyMatcher,
  type ProxyEnv,
  ProxyVariableError,
  proxyFromEnv,
} from './wire/proxy.ts'
export type { Wire, WireRequest, WireResponse } from './wire/wire.ts'
