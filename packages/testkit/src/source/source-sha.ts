import type { ObjectSource } from './object-source.ts'

/** The part of `node:crypto` an object's SHA needs. */
interface NodeHash {
  createHash(algorithm: 'sha1' | 'sha256'): {
    update(data: Uint8Array): void
    digest(): Uint8Array
  }
}

const nodeCrypto = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as NodeHash | undefined

const digests = new WeakMap<ObjectSource, Map<string, Uint8Array>>()

/**
 * The SHA-256 or SHA-1 of a whole source, computed once per source and algorithm. It needs
 * `node:crypto` (Node, Deno, Bun): an S3 object stored with a SHA checksum is a mock for those
 * runtimes; Web Crypto has no synchronous, incremental hash for the browser's mock.
 */
export function sourceSha(source: ObjectSource, algorithm: 'sha1' | 'sha256'): Uint8Array {
  const known = digests.get(source)?.get(algorithm)
  if (known) return known
  if (!nodeCrypto)
    throw new Error(`an object stored with a ${algorithm} checksum needs node:crypto`)
  const hash = nodeCrypto.createHash(algorithm)
  for (const chunk of source.chunks(0, source.size - 1, 1024 * 1024)) hash.update(chunk)
  const digest = hash.digest()
  const forSource = digests.get(source) ?? new Map<string, Uint8Array>()
  forSource.set(algorithm, digest)
  digests.set(source, forSource)
  return digest
}
