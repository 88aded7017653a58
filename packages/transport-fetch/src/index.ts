/**
 * Transport over standard `fetch` (or any Wire): plain and signed URLs, OSS (Signature V4) and S3-compatible stores (SigV4).
 *
 * @module @resumable/transport-fetch
 */
export { createFetchTransport, type FetchTransportOptions } from './create-fetch-transport.ts'
export { type CredentialsEnv, credentialsFromEnv } from './credentials.ts'
export { type CredentialsUriOptions, credentialsUriCredentials } from './credentials-uri.ts'
export { type EcsRamRoleOptions, ecsRamRoleCredentials } from './ecs-ram-role.ts'
export { FetchTransport, type FetchTransportSettings } from './fetch-transport.ts'
export {
  BucketLister,
  createOssLister,
  createS3Lister,
  type ListOptions,
  type OssListerOptions,
  parseListPage,
  type S3ListerOptions,
} from './list/index.ts'
export { type OidcRoleOptions, oidcRoleCredentials } from './oidc-role.ts'
export type { OssLocationOptions } from './oss-location.ts'
export { createOssTransport, type OssTransportOptions } from './oss-transport.ts'
export { type OssV4Request, ossCanonicalRequest, presignOssV4, signOssV4 } from './oss-v4-signer.ts'
export { type PresignOssUrlOptions, presignOssUrl } from './presign-oss-url.ts'
export { type RamRoleArnOptions, ramRoleArnCredentials } from './ram-role-arn.ts'
export { type HeaderFields, RequestHeaders } from './request-headers.ts'
export { createS3Transport, type S3TransportOptions } from './s3-transport.ts'
export { WebCryptoSha256 } from './sha256.ts'
export { ossRegionOfHost } from './store-hosts.ts'
export type { StsSessionOptions } from './sts-session.ts'
export type {
  CommonTransportOptions,
  Credentials,
  CredentialsProvider,
  FetchLike,
} from './types.ts'
export { createUrlTransport, type UrlTransportOptions } from './url-transport.ts'
export { type FetchWireOptions, fetchWire, type ListedWireResponse } from './wire/fetch-wire.ts'
export { ProxyVariableError } from './wire/proxy.ts'
export type { Wire, WireRequest, WireResponse } from './wire/wire.ts'
export type { PreparedRequest, WirePlan } from './wire-plan.ts'
