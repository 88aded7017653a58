/**
 * The main entry as Node loads it (the `node` export condition, listed after `bun`, `deno` and
 * `browser`, so only Node reaches it): everything in `index.ts`, with the transport and lister factories
 * reading through {@link defaultNodeWire} (HTTP/1.1 on `node:net`/`node:tls`, reading into reused memory) unless the caller names a `wire`
 * or a `fetch`. Nothing runs at import (the package stays `sideEffects: false`); the wire is
 * created on the first factory call. Bun, Deno and browsers keep `fetch`. Its `fetchWire` reads
 * bodies as undici hands them out (`readInto: false`), which was faster on Node.
 * @module
 */
import {
  type BucketLister,
  createFetchTransport as createFetchTransportOnFetch,
  createOssLister as createOssListerOnFetch,
  createOssTransport as createOssTransportOnFetch,
  createS3Lister as createS3ListerOnFetch,
  createS3Transport as createS3TransportOnFetch,
  createUrlTransport as createUrlTransportOnFetch,
  type FetchTransport,
  type FetchTransportOptions,
  fetchWire as fetchWireAnywhere,
  type OidcRoleOptions,
  type OssListerOptions,
  type OssTransportOptions,
  oidcRoleCredentials as oidcRoleCredentialsOnFetch,
  type RamRoleArnOptions,
  ramRoleArnCredentials as ramRoleArnCredentialsOnFetch,
  type S3ListerOptions,
  type S3TransportOptions,
  type UrlTransportOptions,
} from './index.ts'
import { requireOptionsObject } from './options-object.ts'
import type { CommonTransportOptions, CredentialsProvider, FetchLike } from './types.ts'
import { defaultNodeWire } from './wire/default-wire-node.ts'
import type { FetchWireOptions } from './wire/fetch-wire.ts'
import type { Wire } from './wire/wire.ts'

export * from './index.ts'

/**
 * A Wire over `fetch`, as everywhere, except that a byte-stream body is read as undici hands it
 * out unless `readInto` says otherwise: reading it into a reused buffer cost Node 15 % more CPU
 * for the same GiB (undici copies each queued chunk once more), where it saved Deno two thirds.
 *
 * @example
 * ```ts
 * import { createUrlTransport, fetchWire } from '@resumable/transport-fetch'
 * const transport = createUrlTransport({ url: 'https://example.com/big.iso', wire: fetchWire() })
 * ```
 */
export function fetchWire(fetchImpl?: FetchLike, options: FetchWireOptions = {}): Wire {
  return fetchWireAnywhere(fetchImpl, { ...options, readInto: options.readInto ?? false })
}

/** `options` with the shared Node wire, or with Node's `fetchWire` over the caller's `fetch`. */
function onNodeWire<T extends CommonTransportOptions>(options: T): T {
  requireOptionsObject(options)
  if (options.wire !== undefined) return options
  if (options.fetch !== undefined) return { ...options, wire: fetchWire(options.fetch) }
  return { ...options, wire: defaultNodeWire() }
}

/**
 * Creates a Transport for a plain or presigned URL; on Node it reads through the Node wire
 * unless `wire` or `fetch` is given.
 *
 * @example
 * ```ts
 * import { createUrlTransport } from '@resumable/transport-fetch'
 * const transport = createUrlTransport({ url: 'https://example.com/big.iso' })
 * ```
 */
export function createUrlTransport(options: UrlTransportOptions): FetchTransport {
  return createUrlTransportOnFetch(onNodeWire(options))
}

/**
 * Creates a Transport for an OSS object (Signature V4); on Node it reads through the Node
 * wire unless `wire` or `fetch` is given.
 *
 * @example
 * ```ts
 * import { createOssTransport } from '@resumable/transport-fetch'
 * const transport = createOssTransport({ region: 'cn-hangzhou', bucket: 'b', key: 'k', credentials })
 * ```
 */
export function createOssTransport(options: OssTransportOptions): FetchTransport {
  return createOssTransportOnFetch(onNodeWire(options))
}

/**
 * Creates a Transport for an S3-compatible object (SigV4); on Node it reads through the Node
 * wire unless `wire` or `fetch` is given.
 *
 * @example
 * ```ts
 * import { createS3Transport } from '@resumable/transport-fetch'
 * const transport = createS3Transport({ region: 'us-east-1', bucket: 'b', key: 'k', credentials })
 * ```
 */
export function createS3Transport(options: S3TransportOptions): FetchTransport {
  return createS3TransportOnFetch(onNodeWire(options))
}

/**
 * Creates a Transport for a URL, an OSS or an S3-compatible object; on Node it reads through
 * the Node wire unless `wire` or `fetch` is given.
 *
 * @example
 * ```ts
 * import { createFetchTransport } from '@resumable/transport-fetch'
 * const transport = createFetchTransport({ mode: 'url', url: 'https://example.com/big.iso' })
 * ```
 */
export function createFetchTransport(options: FetchTransportOptions): FetchTransport {
  return createFetchTransportOnFetch(onNodeWire(options))
}

/**
 * Lists an OSS bucket (ListObjectsV2); on Node it reads through the Node wire unless `wire` or
 * `fetch` is given, so a listing goes through the same proxies (`http_proxy`…) as the downloads.
 *
 * @example
 * ```ts
 * import { createOssLister } from '@resumable/transport-fetch'
 * const lister = createOssLister({ region: 'cn-hangzhou', bucket: 'b', prefix: 'logs/' })
 * ```
 */
export function createOssLister(options: OssListerOptions): BucketLister {
  return createOssListerOnFetch(onNodeWire(options))
}

/**
 * Lists an S3-compatible bucket (ListObjectsV2); on Node it reads through the Node wire unless
 * `wire` or `fetch` is given, so a listing goes through the same proxies as the downloads.
 *
 * @example
 * ```ts
 * import { createS3Lister } from '@resumable/transport-fetch'
 * const lister = createS3Lister({ bucket: 'logs', region: 'eu-west-1', prefix: '2026/' })
 * ```
 */
export function createS3Lister(options: S3ListerOptions): BucketLister {
  return createS3ListerOnFetch(onNodeWire(options))
}

/**
 * Credentials of a RAM role assumed through STS `AssumeRole`; on Node the calls to STS go through
 * the Node wire unless `wire` is given, so they take the same proxies (`https_proxy`…) as the
 * downloads. Node's own `fetch` ignores those variables.
 *
 * @example
 * ```ts
 * import { createOssTransport, ramRoleArnCredentials } from '@resumable/transport-fetch'
 * const credentials = ramRoleArnCredentials({
 *   credentials: () => ({ accessKeyId: 'LTAI…', secretAccessKey: '…' }),
 *   roleArn: 'acs:ram::1234567890123456:role/oss-reader',
 *   region: 'cn-hangzhou',
 * })
 * const transport = createOssTransport({ region: 'cn-hangzhou', bucket: 'b', key: 'k', credentials })
 * ```
 */
export function ramRoleArnCredentials(options: RamRoleArnOptions): CredentialsProvider {
  requireOptionsObject(options)
  return ramRoleArnCredentialsOnFetch({ ...options, wire: options.wire ?? defaultNodeWire() })
}

/**
 * Credentials of a RAM role assumed with an OIDC token through STS `AssumeRoleWithOIDC` (RRSA);
 * on Node the calls to STS go through the Node wire unless `wire` is given, so they take the same
 * proxies (`https_proxy`…) as the downloads. Node's own `fetch` ignores those variables.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises'
 * import { createOssTransport, oidcRoleCredentials } from '@resumable/transport-fetch'
 * const credentials = oidcRoleCredentials({
 *   roleArn: process.env.ALIBABA_CLOUD_ROLE_ARN!,
 *   oidcProviderArn: process.env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN!,
 *   oidcToken: () => readFile(process.env.ALIBABA_CLOUD_OIDC_TOKEN_FILE!, 'utf8'),
 *   region: 'cn-hangzhou',
 * })
 * const transport = createOssTransport({ region: 'cn-hangzhou', bucket: 'b', key: 'k', credentials })
 * ```
 */
export function oidcRoleCredentials(options: OidcRoleOptions): CredentialsProvider {
  requireOptionsObject(options)
  return oidcRoleCredentialsOnFetch({ ...options, wire: options.wire ?? defaultNodeWire() })
}
