import { bytesToHex } from '@resumable/core'

const encoder = new TextEncoder()

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text)
}

/** Lower-case hex of bytes. */
export const toHex: (bytes: Uint8Array) => string = bytesToHex

/** The part of `node:crypto` signing needs. */
interface NodeHashes {
  createHash(algorithm: 'sha256'): { update(data: Uint8Array): { digest(): Uint8Array } }
  createHmac(
    algorithm: 'sha256',
    key: Uint8Array,
  ): { update(data: Uint8Array): { digest(): Uint8Array } }
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
