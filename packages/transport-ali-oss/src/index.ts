/**
 * Transport over your own `ali-oss` client.
 *
 * @module @resumable/transport-ali-oss
 */
export {
  type AliOssListerOptions,
  type AliOssListV2Client,
  createAliOssLister,
} from './ali-oss-lister.ts'
export { AliOssTransport, aliOssTransport, createAliOssTransport } from './ali-oss-transport.ts'
export {
  type AliOssTransportOptions,
  TRAFFIC_LIMIT_MAX,
  TRAFFIC_LIMIT_MIN,
} from './options.ts'
export type {
  AliOssClient,
  AliOssClientOptions,
  AliOssGetStreamOptions,
  AliOssGetStreamResult,
  AliOssHeadOptions,
  AliOssHeadResult,
  AliOssResponse,
} from './types.ts'
