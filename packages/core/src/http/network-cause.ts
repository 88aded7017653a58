import type { ProxyStage } from './proxy-words.ts'

/** An error and its `cause` chain (depth 5): each link's code, name and message. */
export interface ErrorChain {
  readonly codes: readonly string[]
  readonly names: readonly string[]
  /** Every link's message, joined with ` | `. */
  readonly text: string
  /** The first `hostname` a link carries (Node's and Bun's DNS errors have one). */
  readonly hostname?: string | undefined
  /**
   * The proxy a link says the connection to it failed (a wire's `proxy`, its credential-free
   * origin): the fault is then the proxy's, not the store's.
   */
  readonly proxy?: string | undefined
  /** How far the connection to {@link proxy} got (a wire's `proxyStage`), when the wire says. */
  readonly proxyStage?: ProxyStage | undefined
  /** The proxy's answer to `CONNECT` when it refused the tunnel (a wire's `proxyAnswer`). */
  readonly proxyAnswer?: { readonly status: number; readonly line: string } | undefined
}

const PROXY_STAGES: ReadonlySet<string> = new Set(['connect', 'tunnel', 'tls', 'request'])

/** A link's `proxyAnswer`, when it is one: `{ status, line }`. */
function answerOf(value: unknown): ErrorChain['proxyAnswer'] {
  if (typeof value !== 'object' || value === null) return undefined
  const { status, line } = value as { status?: unknown; line?: unknown }
  return typeof status === 'number' && typeof line === 'string' ? { status, line } : undefined
}

/** Reads `error` and its `cause` chain. */
export function errorChain(error: unknown): ErrorChain {
  const codes: string[] = []
  const names: string[] = []
  const messages: string[] = []
  let hostname: string | undefined
  let proxy: string | undefined
  let proxyStage: ProxyStage | undefined
  let proxyAnswer: ErrorChain['proxyAnswer']
  let link: unknown = error
  for (let depth = 0; depth < 5 && link !== undefined && link !== null; depth++) {
    const {
      code,
      hostname: host,
      proxy: via,
      proxyStage: stage,
      proxyAnswer: answer,
    } = link as {
      code?: unknown
      hostname?: unknown
      proxy?: unknown
      proxyStage?: unknown
      proxyAnswer?: unknown
    }
    if (typeof code === 'string') codes.push(code)
    if (hostname === undefined && typeof host === 'string' && host !== '') hostname = host
    if (proxy === undefined && typeof via === 'string' && via !== '') {
      // The stage and answer of the link that names the proxy, not of another.
      proxy = via
      if (typeof stage === 'string' && PROXY_STAGES.has(stage)) proxyStage = stage as ProxyStage
      proxyAnswer = answerOf(answer)
    }
    if (link instanceof Error) {
      names.push(link.name)
      messages.push(link.message)
      link = link.cause
    } else {
      messages.push(String(link))
      link = undefined
    }
  }
  return { codes, names, text: messages.join(' | '), hostname, proxy, proxyStage, proxyAnswer }
}

/** A connection failure every runtime reports, each in its own words, named in ours. */
export type ConnectionFault = 'refused' | 'reset' | 'unresolved'

// Node and the Node wire: `cause.code` ECONNREFUSED; Bun: `code` ECONNREFUSED (older Bun:
// ConnectionRefused); Deno: only its message, `tcp connect error: Connection refused (os error 111)`.
const REFUSED_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ConnectionRefused'])
const REFUSED_TEXT = /\bECONNREFUSED\b|connection refused/i

// Node's fetch mid-body: `terminated` caused by UND_ERR_SOCKET `other side closed`; the Node wire
// and Bun: ECONNRESET (older Bun: ConnectionClosed); Deno: `error reading a body from connection`,
// or `connection reset` / `connection closed before message completed` before the head.
const RESET_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'ConnectionClosed',
])
const RESET_TEXT =
  /\bECONNRESET\b|connection reset|other side closed|connection closed before message completed|error reading a body from connection|socket connection was closed unexpectedly/i

// ENOTFOUND: the name does not exist. EAI_AGAIN (the resolver did not answer) is transient and
// stays retryable, so glibc's `Temporary failure in name resolution` is not matched.
const UNRESOLVED_TEXT =
  /\bENOTFOUND\b|Name or service not known|nodename nor servname provided|No address associated with hostname/i

/** Which {@link ConnectionFault} the chain reports, if any. */
export function connectionFault(chain: ErrorChain): ConnectionFault | undefined {
  const { codes, text } = chain
  if (codes.includes('ENOTFOUND') || UNRESOLVED_TEXT.test(text)) return 'unresolved'
  if (codes.some((code) => REFUSED_CODES.has(code)) || REFUSED_TEXT.test(text)) return 'refused'
  if (codes.some((code) => RESET_CODES.has(code)) || RESET_TEXT.test(text)) return 'reset'
  return undefined
}

/** How a connection that dropped mid-answer ended, when the runtime's words tell. */
export type ConnectionDrop = 'closed' | 'reset'

// A system call that failed on an RST: a read (Node, and the Node wire on every runtime), a write,
// or the connect itself (`connect ECONNRESET`, as urllib under ali-oss reports it). A bare code
// ECONNRESET proves nothing: Node's own client, the Node wire and Bun's fetch give it to a clean
// close too.
const RST_TEXT = /\b(?:read|write|connect) ECONNRESET\b|connection reset by peer/i
// A clean close (FIN) before the announced end: Node's fetch (undici's `other side closed`, on the
// socket's `end`), the Node wire (`the server closed the connection before …`); before the head,
// Deno's fetch too (hyper's `connection closed before message completed`, where an RST reads
// `Connection reset by peer`).
const FIN_TEXT =
  /other side closed|the (?:server|proxy \S+) closed the connection before|connection closed before message completed/i

/**
 * Whether the chain shows a connection reset (an RST) or closed cleanly by the server (a FIN);
 * undefined when its words do not tell (Bun's fetch says the same of both, and so does Deno's
 * mid-body).
 */
export function connectionDrop(chain: ErrorChain): ConnectionDrop | undefined {
  if (RST_TEXT.test(chain.text)) return 'reset'
  return FIN_TEXT.test(chain.text) ? 'closed' : undefined
}

/**
 * The host name that did not resolve: a link's `hostname` (Node, Bun), or the host of the URL
 * Deno names in its message (`error sending request for url (http://h/…)`). Only the host is
 * taken, so a presigned query in that URL goes nowhere.
 */
export function unresolvedHost(chain: ErrorChain): string | undefined {
  if (chain.hostname !== undefined) return chain.hostname
  const named = /getaddrinfo ENOTFOUND (\S+)/.exec(chain.text)?.[1]
  if (named !== undefined) return named
  const url = /for url \((\S+?)\)/.exec(chain.text)?.[1]
  if (url === undefined || !URL.canParse(url)) return undefined
  return new URL(url).hostname || undefined
}

/** How a fault reads in a message, the same on every runtime and wire. */
export const FAULT_WORDS: Readonly<Record<'refused' | 'reset', string>> = {
  refused: 'the connection was refused (ECONNREFUSED)',
  reset: 'the connection was reset (ECONNRESET)',
}

/**
 * How a connection that ended before any response reads: a reset only where the runtime's words
 * say RST, a clean close only where they say FIN, neither claimed where they do not tell.
 */
export function noAnswerWords(chain: ErrorChain): string {
  const drop = connectionDrop(chain)
  if (drop === 'closed') return 'the server closed the connection without answering'
  if (drop === 'reset') return FAULT_WORDS.reset
  return 'the connection was closed or reset before the server answered'
}

/** How a fault in connecting to the proxy `proxy` (its origin) reads in a message. */
export function proxyFaultWords(fault: ConnectionFault, proxy: string): string {
  const what =
    fault === 'unresolved'
      ? `the proxy ${proxy} does not resolve (ENOTFOUND)`
      : fault === 'refused'
        ? `the proxy ${proxy} refused the connection (ECONNREFUSED)`
        : `the connection to the proxy ${proxy} was reset (ECONNRESET)`
  return `${what}: check the proxy setting (http_proxy, https_proxy, all_proxy or the wire's proxy option)`
}

/**
 * What a rejected request says, with its cause, first line only. Node's and Deno's fetch say only
 * `fetch failed` and keep the reason in `cause`: the reason alone is given, not nested in it.
 */
export function describeFailure(error: unknown): string {
  let text: string
  if (!(error instanceof Error)) text = String(error)
  else {
    const cause = error.cause instanceof Error ? error.cause.message : undefined
    if (cause === undefined || error.message.includes(cause)) text = error.message
    else if (/^fetch failed$/i.test(error.message)) text = cause
    else text = `${error.message} (${cause})`
  }
  const line = text.split('\n', 1)[0] ?? ''
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}
