// Proxy settings of the Node wire: proxy URLs, NO_PROXY matching and the environment variables.
// Pure functions, no Node API: they run (and are tested) anywhere.
import type { ProxyStage } from '@resumable/core/http'

/** A proxy per target protocol; `false` or absent: that protocol goes direct. */
export interface NodeWireProxies {
  /** Proxy for `http:` URLs. */
  readonly http?: string | false | undefined
  /** Proxy for `https:` URLs (reached through a `CONNECT` tunnel). */
  readonly https?: string | false | undefined
}

/** Proxy options of the Node wire, as {@link proxyFromEnv} reads them from the environment. */
export interface NodeWireProxyOptions {
  /** One proxy URL for both protocols, one per protocol, or `false`/absent for none. */
  readonly proxy?: string | false | NodeWireProxies | undefined
  /** Hosts reached directly, in `NO_PROXY` syntax. */
  readonly noProxy?: string | undefined
}

/** Where a proxied connection goes first. Credential-free except `authorization`. */
export interface ProxyEndpoint {
  /** As `URL.hostname`: an IPv6 address keeps its brackets. */
  readonly hostname: string
  readonly port: number
  /** `Basic …` when the proxy URL carries credentials; sent to the proxy only. */
  readonly authorization: string | undefined
  /** `host:port`: names the proxy in errors and in the pool's keys (never the credentials). */
  readonly name: string
}

/** Chooses the proxy of one request's URL, or `undefined` to go direct. */
export type ProxyRoute = (url: URL, port: number) => ProxyEndpoint | undefined

function basic(username: string, password: string): string {
  const bytes = new TextEncoder().encode(
    `${decodeURIComponent(username)}:${decodeURIComponent(password)}`,
  )
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return `Basic ${btoa(binary)}`
}

/**
 * A proxy variable of the environment (`http_proxy`, `HTTPS_PROXY`, `ALL_PROXY`…) holds no usable
 * proxy URL. The message names the variable as it was set, never its value (it may carry a
 * password): bad input, like a bad option.
 */
export class ProxyVariableError extends TypeError {
  override name = 'ProxyVariableError'
  /** The variable the refused URL was read from. */
  readonly variable: string
  constructor(variable: string, message: string) {
    super(message)
    this.variable = variable
  }
}

/**
 * Parses a proxy URL (`http://[user:pass@]host[:port]`; a bare `host:port` means `http://`).
 * Errors name `what` (an option or a variable), never the URL: it may carry a password.
 */
export function parseProxyUrl(value: string, what: string): ProxyEndpoint {
  const text = value.includes('://') ? value : `http://${value}`
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new TypeError(`${what} is not a valid proxy URL`)
  }
  if (url.protocol !== 'http:') {
    throw new TypeError(
      `${what}: ${url.protocol}// proxies are not supported, only http:// proxies (an https:// target still travels encrypted, through CONNECT)`,
    )
  }
  if (url.hostname === '') throw new TypeError(`${what} names no proxy host`)
  const port = url.port === '' ? 80 : Number(url.port)
  const authorization =
    url.username !== '' || url.password !== '' ? basic(url.username, url.password) : undefined
  return { hostname: url.hostname, port, authorization, name: `${url.hostname}:${port}` }
}

/**
 * The error of a proxied connection that failed while the proxy was the party to act (`stage`):
 * the runtime's error as `cause`, its `code` kept (so it is classified as before). A connection
 * that ended without one gets code `ECONNRESET`, and words the HTTP layer reads as a clean close
 * only for a FIN (`end`). It carries `proxy`, the proxy's credential-free origin, and
 * `proxyStage`, so the message names the proxy and what it failed to do, not the store.
 */
export function proxyStageError(
  error: Error | 'end' | undefined,
  proxy: ProxyEndpoint,
  stage: ProxyStage,
): Error {
  const origin = `http://${proxy.name}`
  const marked = { proxy: origin, proxyStage: stage }
  if (error === undefined || error === 'end') {
    const ended = new Error(
      error === 'end'
        ? `the proxy ${origin} closed the connection before answering`
        : `the connection to the proxy ${origin} ended before an answer`,
    )
    return Object.assign(ended, marked, { code: 'ECONNRESET' })
  }
  if (typeof (error as { proxy?: unknown }).proxy === 'string') return error
  const { code } = error as { code?: unknown }
  const wrapped = new Error(`the connection to the proxy ${origin} failed: ${error.message}`, {
    cause: error,
  })
  return Object.assign(wrapped, marked, typeof code === 'string' ? { code } : {})
}

/**
 * The error of a `CONNECT` the proxy answered with a status other than 2xx: `proxyAnswer` holds
 * the status and its line for the HTTP layer; a 407 also gets code
 * `ERR_PROXY_AUTHENTICATION_REQUIRED`, since retrying with the same credentials cannot help.
 */
export function tunnelRefusedError(
  proxy: ProxyEndpoint,
  target: string,
  answer: { readonly status: number; readonly line: string },
): Error {
  const origin = `http://${proxy.name}`
  const refused = new Error(`the proxy ${origin} answered CONNECT ${target} with ${answer.line}`)
  return Object.assign(
    refused,
    {
      proxy: origin,
      proxyStage: 'tunnel',
      proxyAnswer: { status: answer.status, line: answer.line },
    },
    answer.status === 407 ? { code: 'ERR_PROXY_AUTHENTICATION_REQUIRED' } : {},
  )
}

// ---------------------------------------------------------------------------------------------
// NO_PROXY

type HostTest = (host: string, port: number) => boolean

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

function ipv4Bits(text: string): bigint | undefined {
  const parts = IPV4.exec(text)
  if (!parts) return undefined
  let bits = 0n
  for (let i = 1; i <= 4; i++) {
    const octet = Number(parts[i])
    if (octet > 255) return undefined
    bits = (bits << 8n) | BigInt(octet)
  }
  return bits
}

function ipv6Bits(text: string): bigint | undefined {
  if (!text.includes(':')) return undefined
  let canonical: string
  try {
    canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1)
  } catch {
    return undefined
  }
  const [head = '', tail] = canonical.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  // The URL parser writes an embedded IPv4 address as hex groups: each group is 16 bits.
  const groups =
    tail === undefined
      ? left
      : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right]
  let bits = 0n
  for (const group of groups) bits = (bits << 16n) | BigInt(Number.parseInt(group, 16))
  return bits
}

/** An IP address as bits and width, or undefined for a host name. `host` may have brackets. */
function ipOf(host: string): { bits: bigint; width: number } | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  const v4 = ipv4Bits(bare)
  if (v4 !== undefined) return { bits: v4, width: 32 }
  const v6 = ipv6Bits(bare)
  return v6 === undefined ? undefined : { bits: v6, width: 128 }
}

/** One NO_PROXY entry: `name`, `.name`, `name:port`, an IP, `[v6]:port` or a CIDR block. */
function entryTest(raw: string): HostTest | undefined {
  let entry = raw.toLowerCase()
  let port: number | undefined
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry)
  if (bracketed) {
    entry = bracketed[1] ?? ''
    if (bracketed[2] !== undefined) port = Number(bracketed[2])
  } else {
    // One colon: name:port. Several: an IPv6 address without a port.
    const colon = entry.indexOf(':')
    if (colon >= 0 && colon === entry.lastIndexOf(':')) {
      const digits = entry.slice(colon + 1)
      if (!/^\d+$/.test(digits)) return undefined
      port = Number(digits)
      entry = entry.slice(0, colon)
    }
  }
  const portMatches = (p: number): boolean => port === undefined || port === p
  const slash = entry.indexOf('/')
  const block = ipOf(slash >= 0 ? entry.slice(0, slash) : entry)
  if (block !== undefined) {
    const prefix = slash >= 0 ? Number(entry.slice(slash + 1)) : block.width
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > block.width) return undefined
    const shift = BigInt(block.width - prefix)
    const network = block.bits >> shift
    return (host, p) => {
      const ip = ipOf(host)
      return (
        ip !== undefined &&
        ip.width === block.width &&
        ip.bits >> shift === network &&
        portMatches(p)
      )
    }
  }
  if (slash >= 0) return undefined
  const name = entry.replace(/^\.+/, '').replace(/\.$/, '')
  if (name === '') return undefined
  const suffix = `.${name}`
  return (host, p) =>
    portMatches(p) && ipOf(host) === undefined && (host === name || host.endsWith(suffix))
}

/**
 * A test of whether a host goes direct, from a `NO_PROXY` value with curl's rules: entries
 * separated by commas or white space; `*` alone bypasses the proxy for every host; a name matches
 * itself and every subdomain (`example.com` and `.example.com` both match `a.example.com`); an
 * entry may end in `:port`; an IP address (or a CIDR block: `10.0.0.0/8`, `fd00::/8`) matches
 * addresses only, never as a name suffix; case does not matter. `localhost` and loopback
 * addresses are proxied like any host unless listed. Malformed entries are ignored.
 *
 * @example
 * ```ts
 * const direct = noProxyMatcher('.corp.example, 10.0.0.0/8, localhost:8080')
 * direct('files.corp.example', 443) // true
 * direct('localhost', 3000) // false
 * ```
 */
export function noProxyMatcher(noProxy: string): (hostname: string, port: number) => boolean {
  const entries = noProxy.split(/[\s,]+/).filter((entry) => entry !== '')
  if (entries.includes('*')) return () => true
  const tests = entries.map(entryTest).filter((test): test is HostTest => test !== undefined)
  if (tests.length === 0) return () => false
  return (hostname, port) => {
    const host = hostname.toLowerCase().replace(/\.$/, '')
    return tests.some((test) => test(host, port))
  }
}

// ---------------------------------------------------------------------------------------------
// Options and environment

function proxyFor(
  option: NodeWireProxyOptions['proxy'],
  protocol: 'http' | 'https',
): ProxyEndpoint | undefined {
  const value = typeof option === 'object' ? option[protocol] : option
  if (value === undefined || value === false || value === '') return undefined
  if (typeof value !== 'string') throw new TypeError(`proxy.${protocol} must be a URL string`)
  return parseProxyUrl(value, typeof option === 'object' ? `proxy.${protocol}` : 'proxy')
}

/**
 * How the wire picks a proxy for a URL, or `undefined` when no protocol has one (every request
 * goes direct and nothing is looked at per request). Throws a TypeError for a malformed proxy.
 */
export function proxyRoute(options: NodeWireProxyOptions): ProxyRoute | undefined {
  const http = proxyFor(options.proxy, 'http')
  const https = proxyFor(options.proxy, 'https')
  if (http === undefined && https === undefined) return undefined
  const direct = options.noProxy ? noProxyMatcher(options.noProxy) : undefined
  return (url, port) => {
    const proxy = url.protocol === 'https:' ? https : http
    if (proxy === undefined || direct?.(url.hostname, port)) return undefined
    return proxy
  }
}

/** An environment: `process.env`, `Deno.env.toObject()`, or a test's record. */
export type ProxyEnv = Readonly<Record<string, string | undefined>>

/** The first of `names` set to something other than blanks (empty counts as unset). */
function firstSet(env: ProxyEnv, names: readonly string[]): string | undefined {
  return names.find((name) => (env[name]?.trim() ?? '') !== '')
}

/** The trimmed value of variable `name`, when there is one. */
function variableValue(env: ProxyEnv, name: string | undefined): string | undefined {
  return name === undefined ? undefined : env[name]?.trim()
}

/**
 * The proxy options the environment asks for, as curl reads them: for `http:` URLs `http_proxy`,
 * then `HTTP_PROXY`; for `https:` URLs `https_proxy`, then `HTTPS_PROXY`; then `all_proxy`,
 * `ALL_PROXY` for both; `no_proxy`, then `NO_PROXY`. Empty values count as unset. Under CGI
 * (`REQUEST_METHOD` set) `HTTP_PROXY` is ignored: a client's `Proxy:` request header arrives
 * there ("httpoxy"). `defaultNodeWire()` passes `process.env` once, when it is created.
 *
 * @example
 * ```ts
 * import { nodeWire, proxyFromEnv } from '@resumable/transport-fetch/node'
 * const wire = nodeWire({ ...proxyFromEnv(process.env), maxSockets: 16 })
 * ```
 */
export function proxyFromEnv(env: ProxyEnv): {
  proxy: { http: string | false; https: string | false }
  noProxy: string | undefined
} {
  const { http, https } = proxyVariables(env)
  return {
    proxy: { http: variableValue(env, http) ?? false, https: variableValue(env, https) ?? false },
    noProxy: variableValue(env, firstSet(env, ['no_proxy', 'NO_PROXY'])),
  }
}

/** Which variable each protocol's proxy is read from (curl's order, `HTTP_PROXY` not under CGI). */
function proxyVariables(env: ProxyEnv): { http?: string; https?: string } {
  const cgi = env.REQUEST_METHOD !== undefined
  const all = ['all_proxy', 'ALL_PROXY']
  const http = firstSet(env, cgi ? ['http_proxy', ...all] : ['http_proxy', 'HTTP_PROXY', ...all])
  const https = firstSet(env, ['https_proxy', 'HTTPS_PROXY', ...all])
  return { ...(http ? { http } : {}), ...(https ? { https } : {}) }
}

/**
 * Checks the proxy URLs {@link proxyFromEnv} reads from `env`; throws a {@link ProxyVariableError}
 * naming the variable of the first one that is malformed.
 */
export function checkProxyVariables(env: ProxyEnv): void {
  for (const variable of Object.values(proxyVariables(env))) {
    try {
      parseProxyUrl(variableValue(env, variable) as string, variable)
    } catch (error) {
      throw new ProxyVariableError(variable, (error as Error).message)
    }
  }
}
