import { concatBytes } from '@resumable/core'
import { hmacSha256, sha256, utf8 } from './web-crypto.ts'

type SourceData = string | ArrayBuffer | ArrayBufferView

function bytesOf(data: SourceData): Uint8Array<ArrayBuffer> {
  if (typeof data === 'string') return utf8(data)
  const view =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  // Copy: Web Crypto wants an ArrayBuffer-backed view, and callers may reuse theirs.
  return new Uint8Array(view)
}

/**
 * SHA-256 / HMAC-SHA256 in the `Checksum` shape @smithy/signature-v4 expects, on Web Crypto so it
 * runs unchanged on Node, Deno, Bun and browsers: for presigning S3 URLs with smithy yourself (the
 * transports sign with their own SigV4 and do not need it). It buffers input: signing hashes short strings only.
 */
export class WebCryptoSha256 {
  readonly #secret: Uint8Array<ArrayBuffer> | undefined
  #chunks: Uint8Array<ArrayBuffer>[] = []

  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : bytesOf(secret)
  }

  /** Adds bytes to the digest input. */
  update(data: SourceData): void {
    this.#chunks.push(bytesOf(data))
  }

  /** The SHA-256 (or HMAC-SHA256 when constructed with a secret) of everything updated so far. */
  async digest(): Promise<Uint8Array> {
    const all = concatBytes(this.#chunks)
    return this.#secret ? hmacSha256(this.#secret, all) : sha256(all)
  }

  /** Forgets the input. */
  reset(): void {
    this.#chunks = []
  }
}
