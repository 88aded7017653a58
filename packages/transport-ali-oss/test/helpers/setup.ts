import OSS from 'ali-oss'
import { OssStub, type StubObject } from './oss-stub.ts'

/** Credentials that must never appear in any message. */
export const ACCESS_KEY_ID = 'LTAI5tTestAccessKeyId01'
export const ACCESS_KEY_SECRET = 'TestSecretMustNeverLeak0123456789'
export const BUCKET = 'examplebucket'
export const KEY = 'exampledir/exampleobject.txt'

/** Deterministic pseudo-random bytes. */
export function bytesOf(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** A real ali-oss client pointed at the stub. */
export function makeClient(endpoint: string, extra: Partial<OSS.Options> = {}): OSS {
  return new OSS({
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
    bucket: BUCKET,
    endpoint,
    ...extra,
  })
}

/** Starts a stub holding `object` at BUCKET/KEY. */
export async function startStub(object?: StubObject): Promise<OssStub> {
  const stub = new OssStub()
  if (object) stub.put(BUCKET, KEY, object)
  await stub.start()
  return stub
}

/** Reads a whole body. */
export async function collect(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk)
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** Fails when `text` shows a credential or a signature. */
export function assertNoSecrets(text: string): void {
  for (const bad of [
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    'Signature=',
    'signature=',
    'OSS4-HMAC-SHA256 Credential',
  ]) {
    if (text.includes(bad)) throw new Error(`leaked ${bad}: ${text}`)
  }
}
