import { OptionsError } from '@resumable/core'
import { credentialSource } from './credentials.ts'
import { encodeQuery } from './encode.ts'
import { type OssLocationOptions, resolveOssLocation } from './oss-location.ts'
import { presignOssV4 } from './oss-v4-signer.ts'
import { RequestHeaders } from './request-headers.ts'
import { checkRequestPayer } from './store-headers.ts'
import type { Credentials, CredentialsProvider } from './types.ts'

/** What to presign. */
export interface PresignOssUrlOptions extends OssLocationOptions {
  /** Keys to sign with. @default OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET / OSS_SESSION_TOKEN */
  readonly credentials?: Credentials | CredentialsProvider
  /** Seconds the URL stays valid, 1–604800 (7 days). @default 3600 */
  readonly expiresIn?: number
  /** Method the URL is good for. @default 'GET' */
  readonly method?: 'GET' | 'HEAD'
  /** A specific version. */
  readonly versionId?: string
  /** Signing time. @default now */
  readonly date?: Date
  /**
   * Sign `x-oss-request-payer=requester` into the query, so the URL reads a pay-by-requester
   * bucket at the signer's charge, in any client: OSS wants it there on a signed URL ("append
   * x-oss-request-payer=requester as a query parameter in the URL", error 0003-00000702).
   * @default false
   */
  readonly requestPayer?: boolean
}

const MAX_EXPIRES = 604800

/**
 * An OSS V4 presigned URL (query auth) to hand to a third party. Range and Accept-Encoding are not
 * signed, so one URL serves every ranged part of a download.
 */
export async function presignOssUrl(options: PresignOssUrlOptions): Promise<string> {
  const { url, region } = resolveOssLocation(options)
  if (!region) throw new OptionsError('region', 'is required to sign for a custom endpoint')
  const expiresIn = options.expiresIn ?? 3600
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES) {
    throw new OptionsError(
      'expiresIn',
      `must be a whole number of seconds from 1 to ${MAX_EXPIRES}`,
    )
  }
  const requestPayer = checkRequestPayer(options.requestPayer)
  const credentials = await credentialSource(options.credentials, ['oss'])()
  const query: [string, string][] =
    options.versionId === undefined ? [] : [['versionId', options.versionId]]
  // A query parameter, not a header: V4 signs every query parameter, and the URL then needs no
  // header from whoever uses it.
  if (requestPayer) query.push(['x-oss-request-payer', 'requester'])
  const signed = await presignOssV4({
    method: options.method ?? 'GET',
    bucket: options.bucket,
    key: options.key,
    query,
    headers: new RequestHeaders(),
    credentials,
    region,
    date: options.date ?? new Date(),
    expiresIn,
  })
  return `${url.href}?${encodeQuery(signed)}`
}
