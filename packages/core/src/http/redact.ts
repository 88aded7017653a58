const URL_QUERY = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"'<>()]*)\?[^\s#"'<>()]*/gi
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>()]+@/gi
// OSS V4 / AWS SigV4 `Authorization` values.
const AUTH_V4 = /\b(OSS4-HMAC-SHA256|AWS4-HMAC-SHA256)\s+[^\s,"'<>]+(?:,\s*[^\s,"'<>]+)*/g
// OSS V1: `OSS <AccessKeyId>:<base64 signature>`.
const AUTH_V1 = /\bOSS\s+[\w.-]+:[A-Za-z0-9+/=]+/g
const SIGNING_PARAM =
  /\b((?:x-oss-|x-amz-)?(?:signature|security-token|credential|expires)|OSSAccessKeyId)=[^&\s"'<>()]+/gi
// An SSE-C customer key in a header dump (`x-amz-server-side-encryption-customer-key: <base64>`,
// or JSON-quoted): a secret even when the caller forgot to list it. The -MD5 header is left alone.
const SSE_C_KEY =
  /(x-amz-server-side-encryption-customer-key(?!-md5)["']?\s*[:=]\s*["']?)[A-Za-z0-9+/=]+/gi
// SignatureDoesNotMatch bodies echo what was signed; ali-oss appends raw XML it cannot parse.
const SIGNING_XML =
  /<(StringToSign|StringToSignBytes|SignatureProvided|OSSAccessKeyId|CanonicalRequest)>[^<]*<\/\1>/gi
// urllib (under ali-oss) appends ", GET <url> <status> (connected: …)\nheaders: {…}" to its errors.
const URLLIB_TAIL = /,\s+(?:GET|HEAD|PUT|POST|DELETE)\s+https?:\/\/[\s\S]*$/

/**
 * Text safe to show: URL queries (signed URLs) and user info, authorization values, signing
 * parameters, echoed signing XML and SSE-C customer keys in header dumps are masked, and so is every given secret of 8 characters or more.
 *
 * @example
 * ```ts
 * redactText('GET https://b.example/k?Signature=abc failed') // 'GET https://b.example/k?<redacted> failed'
 * ```
 */
export function redactText(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text
    .replace(URLLIB_TAIL, '')
    .replace(SIGNING_XML, '<$1><redacted></$1>')
    .replace(URL_USERINFO, '$1<redacted>@')
    .replace(URL_QUERY, '$1?<redacted>')
    .replace(AUTH_V4, '$1 <redacted>')
    .replace(AUTH_V1, 'OSS <redacted>')
    .replace(SIGNING_PARAM, '$1=<redacted>')
    .replace(SSE_C_KEY, '$1<redacted>')
  for (const secret of secrets) {
    // Short strings would mask innocent text and say little; keys, secrets and tokens are long.
    if (secret !== undefined && secret.length >= 8) out = out.split(secret).join('<redacted>')
  }
  return out
}

/**
 * A stand-in for `error`: its name, code and redacted message, and the same for its `cause`
 * chain to depth 3. The original may hold a signed request (urllib keeps it), so it never rides along.
 */
export function redactError(
  error: unknown,
  secrets: readonly (string | undefined)[] = [],
  depth = 0,
): Error {
  const source = error instanceof Error ? error : new Error(String(error))
  const copy = new Error(redactText(source.message, secrets))
  copy.name = source.name
  const code = (source as { code?: unknown }).code
  if (typeof code === 'string' || typeof code === 'number') {
    Object.defineProperty(copy, 'code', { value: code, enumerable: true })
  }
  if (source.cause !== undefined && depth < 3) {
    Object.defineProperty(copy, 'cause', {
      value: redactError(source.cause, secrets, depth + 1),
      enumerable: false,
      configurable: true,
      writable: true,
    })
  }
  // The original stack names the same message; keep ours, which starts from here.
  return copy
}
