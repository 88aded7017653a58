import { nodeWire } from './node-wire.ts'
import { checkProxyVariables, type ProxyEnv, proxyFromEnv } from './proxy.ts'
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
 * `ALL_PROXY`, `NO_PROXY`…); a malformed one is a {@link ProxyVariableError} naming the variable
 * (`http_proxy is not a valid proxy URL`), never its value.
 */
export function defaultNodeWire(): Wire {
  if (shared === undefined) {
    const env = environment()
    checkProxyVariables(env)
    shared = nodeWire(proxyFromEnv(env))
  }
  return shared
}
