/**
 * Node-API parts of the testkit (also run on Deno and Bun): the loopback mock server and `node:test` binding.
 *
 * @module @resumable/testkit/node
 */
export {
  type StsBehaviour,
  type StsRequest,
  type StsServer,
  startAlibabaStsServer,
} from './alibaba-sts-server.ts'
export { bindContract, type ContractHooks } from './bind-node-test.ts'
export { type CorsOptions, EXPOSED_HEADERS } from './cors.ts'
export {
  type EcsMetadataBehaviour,
  type EcsMetadataRequest,
  type EcsMetadataServer,
  ecsRoleCredentials,
  startEcsMetadataServer,
} from './ecs-metadata-server.ts'
export {
  type ForwardProxy,
  type ForwardProxyOptions,
  type ProxiedRequest,
  startForwardProxy,
} from './forward-proxy.ts'
export { type LockRefresher, startLockRefresher } from './lock-refresher.ts'
export { type MockOssServer, type MockOssServerOptions, startMockOss } from './loopback-server.ts'
export { runtimeCommand } from './runtime-command.ts'
export { keyPath, type S3rverHandle, startS3rver } from './s3rver.ts'
