export { AliOssTransport, aliOssTransport } from './ali-oss-transport.ts'
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
