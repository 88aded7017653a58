/** RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~` (what OSS V4 and SigV4 both sign). */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/** Encodes an object key for a URL path: each segment RFC 3986-encoded, `/` kept. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeRfc3986).join('/')
}

/** Encodes `[name, value]` pairs as a query string, in the given order. */
export function encodeQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`).join('&')
}
