const URL_QUERY = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"'<>()]*)\?[^\s#"'<>()]*/gi
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>()]+@/gi
const AUTH_HEADER = /\b(OSS4-HMAC-SHA256|AWS4-HMAC-SHA256)\s+[^\s,"'<>]+(?:,\s*[^\s,"'<>]+)*/g
// OSS V1: `OSS <AccessKeyId>:<base64 signature>`.
const AUTH_V1 = /\bOSS\s+[\w.-]+:[A-Za-z0-9+/=]+/g
const SIGNING_PARAM =
  /\b((?:x-oss-|x-amz-)?(?:signature|security-token|credential|expires)|OSSAccessKeyId)=[^&\s"'<>()]+/gi

/** Text safe to show: signed URLs lose their query, authorization values and known secrets are masked. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text
    .replace(URL_USERINFO, '$1<redacted>@')
    .replace(URL_QUERY, '$1?<redacted>')
    .replace(AUTH_HEADER, '$1 <redacted>')
    .replace(AUTH_V1, 'OSS <redacted>')
    .replace(SIGNING_PARAM, '$1=<redacted>')
  for (const secret of secrets) {
    // Short strings would mask innocent text and say little; secrets and tokens are long.
    if (secret.length >= 8) out = out.split(secret).join('<redacted>')
  }
  return out
}

/** A stand-in for `error` with redacted messages, so a `cause` chain never carries a signed URL. */
export function redactError(error: unknown, secrets: readonly string[] = [], depth = 0): Error {
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
