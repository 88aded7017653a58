const encoder = new TextEncoder()

/** HMAC with Web Crypto (every runtime has it), so the testkit's checks stay independent of node:crypto. */
export async function hmac(
  hash: 'SHA-1' | 'SHA-256',
  key: Uint8Array | string,
  data: string,
): Promise<Uint8Array> {
  const raw = typeof key === 'string' ? encoder.encode(key) : key
  const imported = await crypto.subtle.importKey(
    'raw',
    raw as BufferSource,
    { name: 'HMAC', hash },
    false,
    ['sign'],
  )
  return new Uint8Array(await crypto.subtle.sign('HMAC', imported, encoder.encode(data)))
}

/** Hex SHA-256 of a string. */
export async function sha256Hex(data: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(data))))
}

/** Lower-case hex. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** RFC 3986 encoding, as both V4 schemes canonicalise names and values. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}
