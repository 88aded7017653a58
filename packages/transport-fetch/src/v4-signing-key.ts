import { hmacSha256, utf8 } from './web-crypto.ts'

/** How a V4 scheme derives its key: OSS V4 (`aliyun_v4`…) and AWS SigV4 (`AWS4`…) differ only here. */
export interface V4KeyScheme {
  /** Put before the secret for the first HMAC (`aliyun_v4`, `AWS4`). */
  readonly secretPrefix: string
  /** The scope's last element, the last HMAC's data (`aliyun_v4_request`, `aws4_request`). */
  readonly terminator: string
}

/** `20231216T162057Z`: the ISO 8601 basic form both V4 signatures use. */
export function v4DateTime(date: Date): string {
  // Every request of a batch is signed: those of one second share the text (an invalid date is
  // NaN, never equal, and throws in toISOString as before).
  const second = Math.floor(date.getTime() / 1000)
  if (second !== lastSecond) {
    lastText = date
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '')
    lastSecond = second
  }
  return lastText
}

let lastSecond = Number.NaN
let lastText = ''

/**
 * Signing keys derived lately, by scheme, secret, day, region and service: a key serves a whole
 * UTC day, so deriving it (four HMACs) for every request of a batch of thousands is wasted work.
 * In memory only, never logged; bounded so rotated secrets do not accumulate.
 */
const signingKeys = new Map<string, Promise<Uint8Array<ArrayBuffer>>>()
const MAX_SIGNING_KEYS = 16

/** The V4 signing key of `scheme` for `secret` on `day` (`YYYYMMDD`) in `region` for `service`. */
export function v4SigningKey(
  scheme: V4KeyScheme,
  secret: string,
  day: string,
  region: string,
  service: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const id = `${scheme.secretPrefix}\n${day}\n${region}\n${service}\n${secret}`
  let key = signingKeys.get(id)
  if (key === undefined) {
    key = (async () => {
      let k = await hmacSha256(utf8(`${scheme.secretPrefix}${secret}`), utf8(day))
      k = await hmacSha256(k, utf8(region))
      k = await hmacSha256(k, utf8(service))
      return hmacSha256(k, utf8(scheme.terminator))
    })()
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear()
    signingKeys.set(id, key)
    // A failed derivation must not be served from the cache.
    key.catch(() => signingKeys.delete(id))
  }
  return key
}
