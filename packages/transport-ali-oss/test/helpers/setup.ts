import { type Fault, MockOss, type ServedRequest } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import OSS from 'ali-oss'

/** Credentials that must never appear in any message. */
export const ACCESS_KEY_ID = 'LTAI5tTestAccessKeyId01'
export const ACCESS_KEY_SECRET = 'TestSecretMustNeverLeak0123456789'
export const BUCKET = 'examplebucket'
export const KEY = 'exampledir/exampleobject.txt'

/** A real ali-oss client pointed at the mock. */
export function makeClient(endpoint: string, extra: Partial<OSS.Options> = {}): OSS {
  return new OSS({
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: ACCESS_KEY_SECRET,
    bucket: BUCKET,
    endpoint,
    ...extra,
  })
}

/**
 * Testkit's mock OSS on a loopback socket (ali-oss talks node:http), verifying V1 signatures made
 * with the credentials above; `versioned` creates BUCKET versioned, so objects carry versionIds.
 */
export async function startOss(versioned = false): Promise<MockOssServer> {
  const oss = new MockOss({
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: ACCESS_KEY_SECRET },
  })
  oss.createBucket(BUCKET, { versioning: versioned })
  return startMockOss({ oss })
}

/** Injects `fault` into the next `method` request only (the next GET unless told). */
export function once(oss: MockOss, fault: Fault, method: 'GET' | 'HEAD' = 'GET'): void {
  oss.faults.add({ fault, match: { method }, times: 1 })
}

/** The last request the mock answered, with its query parsed. */
export function lastRequest(oss: MockOss): ServedRequest & { query: URLSearchParams } {
  const request = oss.served.log.at(-1)
  if (!request) throw new Error('the mock saw no request')
  return { ...request, query: new URL(request.url).searchParams }
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
