const URL_QUERY = /(\bhttps?:\/\/[^\s?#"'<>()]*)\?[^\s#"'<>()]*/gi
const URL_USERINFO = /(\bhttps?:\/\/)[^\s/@"'<>()]+@/gi
// OSS V4 / AWS SigV4 `Authorization` values and OSS V1 `OSS <AccessKeyId>:<signature>`.
const AUTH_V4 = /\b(OSS4-HMAC-SHA256|AWS4-HMAC-SHA256)\s+[^\s"'<>]+(?:,\s*[^\s,"'<>]+)*/g
const AUTH_V1 = /\bOSS\s+[\w.-]+:[A-Za-z0-9+/=]+/g
const SIGNING_PARAM =
  /\b((?:x-oss-|x-amz-)?(?:signature|security-token|credential)|OSSAccessKeyId)=[^&\s"'<>()]+/gi
// SignatureDoesNotMatch bodies echo what was signed; ali-oss appends raw XML when it cannot parse it.
const SIGNING_XML =
  /<(StringToSign|StringToSignBytes|SignatureProvided|OSSAccessKeyId|CanonicalRequest)>[^<]*<\/\1>/gi
// urllib appends ", GET <url> <status> (connected: …)\nheaders: {…}" to network errors.
const URLLIB_TAIL = /,\s+(?:GET|HEAD|PUT|POST|DELETE)\s+https?:\/\/[\s\S]*$/

/** Text safe to show: URL queries, authorization values and the given secrets are masked. */
export function redactText(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text
    .replace(URLLIB_TAIL, '')
    .replace(SIGNING_XML, '<$1><redacted></$1>')
    .replace(URL_USERINFO, '$1<redacted>@')
    .replace(URL_QUERY, '$1?<redacted>')
    .replace(AUTH_V4, '$1 <redacted>')
    .replace(AUTH_V1, 'OSS <redacted>')
    .replace(SIGNING_PARAM, '$1=<redacted>')
  for (const secret of secrets) {
    // Short strings would mask innocent text; keys, secrets and tokens are long.
    if (secret !== undefined && secret.length >= 8) out = out.split(secret).join('<redacted>')
  }
  return out
}

/**
 * A plain stand-in for an ali-oss error: its name, redacted message and code. The original keeps
 * the urllib response (and through it the signed request), which must not ride along as `cause`.
 */
export function redactError(error: unknown, secrets: readonly (string | undefined)[] = []): Error {
  const source = error instanceof Error ? error : new Error(String(error))
  const copy = new Error(redactText(source.message, secrets))
  copy.name = source.name
  const code = (source as { code?: unknown }).code
  if (typeof code === 'string' || typeof code === 'number') {
    Object.defineProperty(copy, 'code', { value: code, enumerable: true })
  }
  return copy
}
