// How a failure of the proxy between here and the store reads: named after the proxy, never the
// store, and worded by what the proxy did, the same for a timeout as for a drop.
import {
  type ConnectionDrop,
  type ConnectionFault,
  connectionDrop,
  type ErrorChain,
  proxyFaultWords,
} from './network-cause.ts'

/**
 * How far a proxied connection got when it failed or went silent: `connect`, the TCP connection
 * to the proxy; `tunnel`, a `CONNECT` sent and not yet answered; `tls`, the tunnel open and the
 * TLS handshake with the store under way; `request`, a request forwarded to an HTTP proxy and
 * not yet answered.
 */
export type ProxyStage = 'connect' | 'tunnel' | 'tls' | 'request'

/** The proxy a request is waiting on (its credential-free origin) and what for. */
export interface ProxyWait {
  /** `http://host:port`: never the credentials. */
  readonly proxy: string
  readonly stage: ProxyStage
}

const PROXY_ADVICE =
  "check the proxy, and the proxy setting (http_proxy, https_proxy, all_proxy or the wire's proxy option)"

const TLS_ADVICE =
  'check that the proxy lets CONNECT through to this host and port, and that the server speaks TLS there'

function tlsFailed(proxy: string): string {
  return `the TLS handshake through the tunnel of the proxy ${proxy} failed`
}

/** What a proxied request waits on at `stage`, as `… did not <…> within N s`. */
function silence(wait: ProxyWait): string {
  const { proxy } = wait
  switch (wait.stage) {
    case 'connect':
      return `the proxy ${proxy} did not accept the connection`
    case 'tunnel':
      return `the proxy ${proxy} accepted the connection but did not answer the CONNECT`
    case 'tls':
      return `the proxy ${proxy} opened the tunnel but the TLS handshake with the server behind it did not complete`
    case 'request':
      return `the proxy ${proxy} accepted the connection but did not answer the request (nor did the store behind it)`
  }
}

/** Whole seconds when exact, else seconds with up to three decimals: `30 s`, `1.5 s`. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`
}

/**
 * How a proxied request that received nothing within the stall deadline reads: the proxy is the
 * silent party, not the store.
 */
export function proxySilenceWords(wait: ProxyWait, stallMs: number): string {
  return `${silence(wait)} within ${seconds(stallMs)}: ${PROXY_ADVICE}`
}

/** How a proxied connection that closed or was reset at `stage` (past `connect`) reads. */
export function proxyDropWords(
  stage: Exclude<ProxyStage, 'connect'>,
  proxy: string,
  drop: ConnectionDrop | undefined,
): string {
  const how =
    drop === 'closed'
      ? 'closed the connection'
      : drop === 'reset'
        ? 'reset the connection (ECONNRESET)'
        : 'closed or reset the connection'
  switch (stage) {
    case 'tunnel':
      return `the proxy ${proxy} ${how} without answering the CONNECT: ${PROXY_ADVICE}`
    case 'request':
      return `the proxy ${proxy} ${how} without answering the request: ${PROXY_ADVICE}`
    case 'tls': {
      const what =
        drop === 'reset'
          ? 'was reset (ECONNRESET)'
          : drop === 'closed'
            ? 'was closed'
            : 'was closed or reset'
      return `the tunnel through the proxy ${proxy} ${what} during the TLS handshake, by the proxy or the server behind it: ${TLS_ADVICE}`
    }
  }
}

/**
 * How a proxy's refusal to open a tunnel reads (a `CONNECT` answered with `status`, `line` its
 * status line), and whether trying again may help: a 5xx, 408 or 429 may pass, a 403 (the proxy's
 * rules) will not.
 */
export function tunnelRefusedWords(
  proxy: string,
  status: number,
  line: string,
): { words: string; retryable: boolean } {
  const answered = `the proxy ${proxy} refused to open a tunnel to the store: it answered CONNECT with ${line}`
  const retryable = status >= 500 || status === 408 || status === 429
  const why =
    status === 502 || status === 504
      ? 'it could not reach the store: check the endpoint, and that the proxy can reach it'
      : status === 503
        ? 'the proxy is unavailable or overloaded'
        : status === 403
          ? "the proxy's rules forbid this host or port: ask its administrator, or list the host in NO_PROXY"
          : PROXY_ADVICE
  return { words: `${answered} (${why})`, retryable }
}

/**
 * How a failure the wire laid at its proxy's door reads (the chain names a `proxy`), and whether
 * it is worth retrying; `undefined` when the chain names no proxy or no fault of it. `proxy` is
 * the proxy's origin and `said` the runtime's reason, both as they may be printed (redacted).
 */
export function proxyFailure(
  chain: ErrorChain,
  fault: ConnectionFault | undefined,
  proxy: string,
  said: string,
): { words: string; retryable: boolean } | undefined {
  if (chain.proxyAnswer !== undefined) {
    return tunnelRefusedWords(proxy, chain.proxyAnswer.status, chain.proxyAnswer.line)
  }
  const stage = chain.proxyStage
  // Refused or unresolved: the proxy was never reached, whatever the stage says.
  if (fault === 'refused' || fault === 'unresolved' || stage === undefined || stage === 'connect') {
    if (fault === undefined) return undefined
    return { words: proxyFaultWords(fault, proxy), retryable: fault !== 'unresolved' }
  }
  if (fault === undefined) {
    // The TLS layer's own words (Bun: `Socket is closed`, or a protocol error): given as they are.
    if (stage === 'tls')
      return { words: `${tlsFailed(proxy)} (${said}): ${TLS_ADVICE}`, retryable: true }
    // Bytes that are not an HTTP answer: another service on that port (SOCKS, SSH…) won't change.
    if (stage !== 'tunnel') return undefined
    return {
      words: `the proxy ${proxy} answered the CONNECT with something other than HTTP: check that the proxy setting names an HTTP proxy (http://host:port), not another service`,
      retryable: false,
    }
  }
  return { words: proxyDropWords(stage, proxy, connectionDrop(chain)), retryable: true }
}
