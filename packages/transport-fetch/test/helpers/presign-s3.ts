import assert from 'node:assert/strict'
import { isTransportError } from '@resumable/core'
import { SignatureV4 } from '@smithy/signature-v4'
import { type Credentials, WebCryptoSha256 } from '../../src/index.ts'

/**
 * `url` presigned for a GET with AWS SigV4 query auth by the AWS SDK's own signer; `headers` stay
 * signed headers the request must carry (as botocore presigns them), not query parameters.
 */
export async function presignS3Get(
  url: URL,
  credentials: Credentials,
  headers: Record<string, string> = {},
): Promise<URL> {
  const presigned = await new SignatureV4({
    service: 's3',
    region: 'us-east-1',
    credentials,
    sha256: WebCryptoSha256,
    uriEscapePath: false,
  }).presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: { host: url.host, ...headers },
    },
    { expiresIn: 600, unhoistableHeaders: new Set(Object.keys(headers)) },
  )
  const signed = new URL(url.href)
  for (const [k, v] of Object.entries(presigned.query ?? {})) signed.searchParams.set(k, String(v))
  return signed
}

/** Rejects with a TransportError carrying this HTTP status and store Code. */
export function rejectsWithStatus(
  p: Promise<unknown>,
  status: number,
  /** undefined for an S3 HEAD: S3 answers it with the status alone, no error body. */
  code: string | undefined,
): Promise<void> {
  return assert.rejects(p, (e) => {
    assert.ok(isTransportError(e), String(e))
    assert.equal(e.status, status, e.message)
    assert.equal(e.code, code, e.message)
    return true
  })
}
