export { bindContract } from './bind-node-test.ts'
export { type MockOssServer, type MockOssServerOptions, startMockOss } from './loopback-server.ts'
export { runtimeCommand } from './runtime-command.ts'
