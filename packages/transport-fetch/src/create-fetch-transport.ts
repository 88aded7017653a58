import { OptionsError } from '@resumable/core'
import type { FetchTransport } from './fetch-transport.ts'
import { requireOptionsObject } from './options-object.ts'
import { createOssTransport, type OssTransportOptions } from './oss-transport.ts'
import { createS3Transport, type S3TransportOptions } from './s3-transport.ts'
import { createUrlTransport, type UrlTransportOptions } from './url-transport.ts'

/** Options of any mode, told apart by `mode`. */
export type FetchTransportOptions =
  | ({ readonly mode: 'url' } & UrlTransportOptions)
  | ({ readonly mode: 'oss' } & OssTransportOptions)
  | ({ readonly mode: 's3' } & S3TransportOptions)

/**
 * Creates a Transport for a URL, an OSS object (V4-signed) or an S3-compatible object (SigV4).
 *
 * @example
 * ```ts
 * import { createFetchTransport } from '@resumable/transport-fetch'
 *
 * const transport = createFetchTransport({ mode: 'url', url: 'https://example.com/big.iso' })
 * ```
 */
export function createFetchTransport(options: FetchTransportOptions): FetchTransport {
  requireOptionsObject(options)
  switch (options.mode) {
    case 'url':
      return createUrlTransport(options)
    case 'oss':
      return createOssTransport(options)
    case 's3':
      return createS3Transport(options)
    default:
      throw new OptionsError('mode', 'must be "url", "oss" or "s3"')
  }
}
