const encoder = new TextEncoder()

/** The part of `node:crypto` the checks need. */
interface NodeHashes {
  createHash(algorithm: 'sha256'): { update(data: string): { digest(encoding: 'hex'): string } }
  createHmac(
    algorithm: 'sha1' | 'sha256',
    key: Uint8Array,
  ): { update(data: string): { digest(): Uint8Array } }
}

/**
 * `node:crypto` where the runtime offers it without an import (`process.getBuiltinModule`: Node
 * ≥ 20.16, Deno, Bun), else undefined (browsers, which take Web Crypto). Its hashes run in the
 * calling thread; on Node each Web Crypto call is a trip through libuv's pool, which made the
 * mock's signature checks the larger part of its CPU in a batch of small objects. The checks'
 * canonical forms stay the testkit's own either way: only the hash primitives are the runtime's.
 */
const nodeHashes = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as NodeHashes | undefined

/** HMAC of `data` (UTF-8) under `key`. */
export async function hmac(
  hash: 'SHA-1' | 'SHA-256',
  key: Uint8Array | string,
  data: string,
): Promise<Uint8Array> {
  const raw = typeof key === 'string' ? encoder.encode(key) : key
  if (nodeHashes) {
    const algorithm = hash === 'SHA-1' ? 'sha1' : 'sha256'
    return new Uint8Array(nodeHashes.createHmac(algorithm, raw).update(data).digest())
  }
  const imported = await crypto.subtle.importKey(
    'raw',
    raw as BufferSource,
    { name: 'HMAC', hash },
    false,
    ['sign'],
  )
  return new Uint8Array(await crypto.subtle.sign('HMAC', imported, encoder.encode(data)))
}

/**
 * Signing keys of the V4 schemes, by secret and scope: deriving one takes four HMACs, and every
 * request of a day, region and service uses the same one.
 */
const v4Keys = new Map<string, Promise<Uint8Array>>()
const MAX_V4_KEYS = 256

/**
 * The hex V4 signature of `toSign` (AWS SigV4 and OSS V4 alike): HMAC-SHA256 chained from
 * `prefix + secret` over the day, the region, the service and the terminator, then over `toSign`.
 * The derived key is kept, so a request costs one HMAC here, not five.
 */
export async function v4Signature(
  scheme: { readonly prefix: string; readonly terminator: string },
  secret: string,
  scope: { readonly day: string; readonly region: string; readonly service: string },
  toSign: string,
): Promise<string> {
  const id = [
    scheme.prefix,
    scheme.terminator,
    scope.day,
    scope.region,
    scope.service,
    secret,
  ].join('\n')
  let key = v4Keys.get(id)
  if (key === undefined) {
    key = (async () => {
      let k = await hmac('SHA-256', `${scheme.prefix}${secret}`, scope.day)
      for (const part of [scope.region, scope.service, scheme.terminator])
        k = await hmac('SHA-256', k, part)
      return k
    })()
    if (v4Keys.size >= MAX_V4_KEYS) v4Keys.clear()
    v4Keys.set(id, key)
    key.catch(() => v4Keys.delete(id))
  }
  return hex(await hmac('SHA-256', await key, toSign))
}

/** Hex SHA-256 of a string. */
export async function sha256Hex(data: string): Promise<string> {
  if (nodeHashes) return nodeHashes.createHash('sha256').update(data).digest('hex')
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
