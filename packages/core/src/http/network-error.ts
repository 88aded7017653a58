import { TransportError } from '../errors/transport-error.ts'
import {
  connectionFault,
  describeFailure,
  errorChain,
  FAULT_WORDS,
  noAnswerWords,
  unresolvedHost,
} from './network-cause.ts'
import { proxyFailure } from './proxy-words.ts'
import { redactError, redactText } from './redact.ts'

/** Where a request failed without a response, for the message and for masking. */
export interface NetworkFailureContext {
  /** e.g. `GET oss://bucket/key bytes 0-99`; credential-free. */
  readonly describe: string
  /** Values to mask should they appear in a message. */
  readonly secrets?: readonly (string | undefined)[] | undefined
  /** The kind when the error says nothing more specific (a client may already know it timed out). @default 'network' */
  readonly kind?: 'network' | 'timeout' | undefined
  /**
   * What to check when the host name does not resolve (a transport that put the bucket in the
   * host name knows to say so). @default 'check the endpoint, region or URL'
   */
  readonly unresolvedAdvice?: string | undefined
}

// Node/Bun (OpenSSL) verification codes for a certificate nobody here trusts.
const UNTRUSTED_CERT_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])
// Deno (rustls) words it in the message only.
const UNTRUSTED_CERT_TEXT =
  /invalid peer certificate|certificate verify failed|self[- ]signed certificate|unable to verify the first certificate/i

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])

// Node's fetch and the Node wire: `redirect count exceeded`; Deno: `Maximum number of redirects (20)
// reached`; Bun: code TooManyRedirects. Also a redirect to a scheme no HTTP client can follow.
const REDIRECT_LOOP_TEXT =
  /redirect count exceeded|maximum number of redirects|redirected too many times/i
const REDIRECT_LOOP_CODES: ReadonlySet<string> = new Set([
  'TooManyRedirects',
  'ERR_TOO_MANY_REDIRECTS',
])
// Node wire, Node's fetch, Deno; Bun says UnsupportedRedirectProtocol.
const REDIRECT_SCHEME_TEXT =
  /redirect to an unsupported protocol|URL scheme must be a HTTP\(S\) scheme|redirect to a non HTTP\(s\) url|UnsupportedRedirectProtocol/i
// Node's fetch refuses a `Location` that carries a user name or password (its requests have no
// origin, so every such Location counts as cross-origin), and so does `followRedirects`: the same
// answer on every attempt.
const REDIRECT_CREDENTIALS_TEXT =
  /cross origin not allowed for request mode|redirect to a URL with a user name or password/i

const CA_HINT =
  'if a private CA signed it, trust that CA: NODE_EXTRA_CA_CERTS=<ca.pem> on Node and Bun, --cert <ca.pem> or DENO_CERT=<ca.pem> on Deno'

/**
 * Classifies a request that failed without a response (the runtime's own error, `cause` and
 * `code` kept). Resets, refusals and timeouts are retryable. A refusal, a reset and a host name
 * that does not resolve are worded the same whichever runtime or wire reported them (Deno gives
 * no code, only its own words); a server that closed the connection cleanly without answering is
 * said to have, where the runtime's words tell it from a reset, and neither is claimed where not;
 * anything else gives the runtime's reason once (`fetch failed` unwrapped). A host name that does not exist and a
 * TLS certificate that is not trusted are not, nor a proxy's 407 to `CONNECT` (a wire's error with
 * code `ERR_PROXY_AUTHENTICATION_REQUIRED`), nor a redirect loop or a redirect to a scheme other
 * than http(s) or to another origin with credentials in it, since retrying cannot cure them; the message says what to check. The cause chain is redacted.
 *
 * @example
 * ```ts
 * try { await wire.send(request) } catch (e) { throw networkFailure(e, { describe, secrets }) }
 * ```
 */
export function networkFailure(error: unknown, context: NetworkFailureContext): TransportError {
  const secrets = context.secrets ?? []
  const cause = redactError(error, secrets)
  const said = redactText(describeFailure(error), secrets)
  const chain = errorChain(error)
  const { codes, names, text } = chain
  const fault = connectionFault(chain)
  const certCode = codes.find((code) => UNTRUSTED_CERT_CODES.has(code))
  if (certCode !== undefined || UNTRUSTED_CERT_TEXT.test(text)) {
    return new TransportError(
      'network',
      `${context.describe}: the server's TLS certificate is not trusted (${said}); ${CA_HINT}`,
      { retryable: false, cause },
    )
  }
  const proxy = chain.proxy === undefined ? undefined : redactText(chain.proxy, secrets)
  if (codes.includes('ERR_PROXY_AUTHENTICATION_REQUIRED')) {
    const who = proxy === undefined ? 'the proxy' : `the proxy ${proxy}`
    const answer = chain.proxyAnswer
    const what = answer === undefined ? said : `it answered CONNECT with ${answer.line}`
    return new TransportError(
      'auth',
      `${context.describe}: ${who} requires authentication (${what}): check the user and password in the proxy URL`,
      { retryable: false, status: 407, cause },
    )
  }
  // The wire's proxy failed or dropped it: the store may never have been asked, so the proxy is named.
  const viaProxy = proxy === undefined ? undefined : proxyFailure(chain, fault, proxy, said)
  if (viaProxy !== undefined) {
    return new TransportError('network', `${context.describe}: ${viaProxy.words}`, {
      cause,
      retryable: viaProxy.retryable,
    })
  }
  if (fault === 'unresolved') {
    // Named from the error, not the request: after a redirect it is the host that failed.
    const host = unresolvedHost(chain)
    const name = host === undefined ? 'the host name' : `the host name ${redactText(host, secrets)}`
    return new TransportError(
      'network',
      `${context.describe}: ${name} does not resolve (ENOTFOUND): ${context.unresolvedAdvice ?? 'check the endpoint, region or URL'}`,
      { retryable: false, cause },
    )
  }
  if (codes.some((code) => REDIRECT_LOOP_CODES.has(code)) || REDIRECT_LOOP_TEXT.test(text)) {
    return new TransportError(
      'protocol',
      `${context.describe}: the server kept redirecting the request, in a loop or too long a chain (${said}): check the URL`,
      { retryable: false, cause },
    )
  }
  if (REDIRECT_SCHEME_TEXT.test(text)) {
    return new TransportError(
      'protocol',
      `${context.describe}: the server redirected the request away from HTTP(S) (${said})`,
      { retryable: false, cause },
    )
  }
  if (REDIRECT_CREDENTIALS_TEXT.test(text)) {
    return new TransportError(
      'protocol',
      `${context.describe}: the server redirected the request to an address with a user name and password in it, which is not followed (${said})`,
      { retryable: false, cause },
    )
  }
  const timedOut =
    context.kind === 'timeout' ||
    codes.some((code) => TIMEOUT_CODES.has(code)) ||
    names.includes('TimeoutError')
  if (timedOut) {
    return new TransportError('timeout', `${context.describe}: timed out (${said})`, { cause })
  }
  // Each runtime words these its own way (Deno gives no code at all): one wording for all. A bare
  // ECONNRESET is no proof of an RST (Node's wire and Bun's fetch give it to a clean close too).
  if (fault === 'refused') {
    return new TransportError('network', `${context.describe}: ${FAULT_WORDS.refused}`, { cause })
  }
  if (fault === 'reset') {
    return new TransportError('network', `${context.describe}: ${noAnswerWords(chain)}`, { cause })
  }
  return new TransportError('network', `${context.describe}: the connection failed (${said})`, {
    cause,
  })
}
