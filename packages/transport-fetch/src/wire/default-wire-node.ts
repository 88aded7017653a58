import { nodeWire } from './node-wire.ts'
import { type ProxyEnv, proxyFromEnv } from './proxy.ts'
import type { Wire } from './wire.ts'

let shared: Wire | undefined

/** The process's environment, or none where reading it is not allowed (Deno without `--allow-env`). */
function environment(): ProxyEnv {
  try {
    const env = (globalThis as { process?: { env?: ProxyEnv } }).process?.env
    return env === undefined ? {} : { ...env }
  } catch {
    return {}
  }
}

/**
 * The wire Node's build of the main entry uses when a transport's options name none: one
 * {@link nodeWire} per process, so every transport shares its kept-alive connections. Creating it
 * opens nothing; connections open on the first request. It goes through the proxies the
 * environment names when it is created ({@link proxyFromEnv}: `http_proxy`, `HTTPS_PROXY`,
 * `ALL_PROXY`, `NO_PROXY`…); a malformed one is a TypeError naming the variables, not their value.
 */
export function defaultNodeWire(): Wire {
  if (shared === undefined) {
    try {
      shared = nodeWire(proxyFromEnv(environment()))
    } catch (error) {
      throw new TypeError(
        `the proxy environment variables (http_proxy, HTTPS_PROXY, ALL_PROXY…): ${(error as Error).message}`,
      )
    }
  }
  return shared
}
