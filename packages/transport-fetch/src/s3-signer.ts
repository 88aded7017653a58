import type { SignatureV4 } from '@smithy/signature-v4'
import { WebCryptoSha256 } from './sha256.ts'
import type { Credentials } from './types.ts'

/** A request about to be signed with AWS Signature V4. */
export interface S3SignRequest {
  /** HTTP method. */
  readonly method: string
  /** The URL as it will be fetched; its path must already be encoded once (S3 is not double-encoded). */
  readonly url: URL
  /** Query parameters, unencoded, exactly those in `url`. */
  readonly query: readonly (readonly [string, string])[]
  /** Request headers; the signature headers are added in place. */
  readonly headers: Headers
  /** Signing time. */
  readonly date: Date
}

/** Signs requests in place with the given keys. */
export type S3Signer = (request: S3SignRequest, credentials: Credentials) => Promise<void>

// Node's fetch rewrites Accept-Encoding when a Range header is present ("identity, identity"),
// so a signed accept-encoding would not match what reaches the server.
const UNSIGNABLE = new Set(['accept-encoding'])

// Loaded on the first S3 signature, not at import: @smithy/signature-v4 and its imports add ~15 MB
// of RSS and ~0.1 s of start-up to every process, and a URL or OSS download never signs for S3.
let smithy: Promise<typeof import('@smithy/signature-v4')> | undefined

async function smithySigner(region: string, service: string, c: Credentials): Promise<SignatureV4> {
  smithy ??= import('@smithy/signature-v4')
  const { SignatureV4 } = await smithy
  const identity = c.sessionToken
    ? {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
      }
    : { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }
  return new SignatureV4({
    service,
    region,
    credentials: identity,
    sha256: WebCryptoSha256,
    // The path is encoded once already; S3 signs it as sent (no double encoding, no normalisation).
    uriEscapePath: false,
    applyChecksum: false,
  })
}

const signersByScope = new Map<string, WeakMap<Credentials, Promise<SignatureV4>>>()

/** Builds a SigV4 signer over @smithy/signature-v4 with a Web Crypto SHA-256, `UNSIGNED-PAYLOAD` bodies. */
export function createS3Signer(options: {
  readonly region: string
  readonly service?: string
}): S3Signer {
  const service = options.service ?? 's3'
  // One smithy signer per credentials object and scope, shared by every transport (a batch makes
  // one per object), so its signing-key cache is reused until a rotation.
  const scope = `${options.region}\n${service}`
  let signers = signersByScope.get(scope)
  if (!signers) {
    signers = new WeakMap<Credentials, Promise<SignatureV4>>()
    signersByScope.set(scope, signers)
  }
  return async ({ method, url, query, headers, date }, credentials) => {
    let signer = signers.get(credentials)
    if (!signer) {
      signer = smithySigner(options.region, service, credentials)
      signers.set(credentials, signer)
    }
    // GETs carry no body: UNSIGNED-PAYLOAD, unless the caller fixed a hash (the AWS test vectors do).
    if (!headers.has('x-amz-content-sha256'))
      headers.set('x-amz-content-sha256', 'UNSIGNED-PAYLOAD')
    const bag: Record<string, string> = { host: url.host }
    for (const [name, value] of headers) bag[name] = value
    const signed = await (await signer).sign(
      {
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        path: url.pathname,
        query: Object.fromEntries(query),
        headers: bag,
        ...(url.port ? { port: Number(url.port) } : {}),
      },
      { signingDate: date, unsignableHeaders: UNSIGNABLE },
    )
    for (const [name, value] of Object.entries(signed.headers)) {
      // fetch sets Host itself from the URL (the same url.host that was signed).
      if (name.toLowerCase() !== 'host') headers.set(name, value)
    }
  }
}
