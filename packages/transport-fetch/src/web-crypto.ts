import { bytesToHex } from '@resumable/core'

const encoder = new TextEncoder()

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text)
}

/** Lower-case hex of bytes. */
export const toHex: (bytes: Uint8Array) => string = bytesToHex

/** What `node:crypto`'s hash objects offer signing: bytes, or hex straight from native code. */
interface NodeDigest {
  update(data: Uint8Array | string): NodeDigest
  digest(): Uint8Array
  digest(encoding: 'hex'): string
}

/** The part of `node:crypto` signing needs. */
interface NodeHashes {
  createHash(algorithm: 'sha256'): NodeDigest
  createHmac(algorithm: 'sha256', key: Uint8Array): NodeDigest
  /** One-shot hash (Node ≥ 20.12, Deno, Bun): no Hash object to build and collect. */
  hash?: (algorithm: 'sha256', data: string, encoding: 'hex') => string
}

/**
 * `node:crypto` where the runtime offers it without an import (`process.getBuiltinModule`: Node
 * ≥ 20.16, Deno, Bun), else undefined (browsers). Its hashes run in the calling thread; Web
 * Crypto's are a round trip through libuv's threadpool on Node, which for a batch signing
 * thousands of small requests cost more than the hashing itself.
 */
const nodeHashes = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as NodeHashes | undefined

/** SHA-256: `node:crypto` where available, else Web Crypto (present on Node ≥ 20, Deno, Bun and browsers). */
export async function sha256(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  if (nodeHashes) return new Uint8Array(nodeHashes.createHash('sha256').update(data).digest())
  return webSha256(data)
}

/**
 * Lower-case hex SHA-256 of `text`'s UTF-8 bytes. Signing hashes a string for every request: on
 * `node:crypto` the string goes in and the hex comes out natively, with no encoder, no Hash object
 * where the one-shot `hash` exists, and no hex built byte by byte in JavaScript.
 */
export async function sha256Hex(text: string): Promise<string> {
  if (nodeHashes) {
    return nodeHashes.hash
      ? nodeHashes.hash('sha256', text, 'hex')
      : nodeHashes.createHash('sha256').update(text).digest('hex')
  }
  return toHex(await webSha256(utf8(text)))
}

/** SHA-256 via Web Crypto: the browsers' path. */
export async function webSha256(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data))
}

/** HMAC-SHA256: `node:crypto` where available, else Web Crypto. */
export async function hmacSha256(
  key: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  if (nodeHashes) return new Uint8Array(nodeHashes.createHmac('sha256', key).update(data).digest())
  return webHmacSha256(key, data)
}

/** Lower-case hex HMAC-SHA256 of `text`'s UTF-8 bytes (the signature itself), as `sha256Hex`. */
export async function hmacSha256Hex(key: Uint8Array<ArrayBuffer>, text: string): Promise<string> {
  if (nodeHashes) return nodeHashes.createHmac('sha256', key).update(text).digest('hex')
  return toHex(await webHmacSha256(key, utf8(text)))
}

/** HMAC-SHA256 via Web Crypto: the browsers' path. */
export async function webHmacSha256(
  key: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ])
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data))
}
