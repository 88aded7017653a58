/**
 * A mocked OSS with fault injection, and the contract suites every adapter must pass.
 *
 * @module @resumable/testkit
 */
export { checkSignature, type MockCredentials } from './check-signature.ts'
export type { ContractCase } from './contract-case.ts'
export type { StoreDialect } from './dialect.ts'
export {
  type FakeObject,
  FakeTransport,
  makeObject,
  type ReadRecord,
  type TransportFault,
} from './fake-transport.ts'
export type { Fault, FaultMatch, FaultRule, FaultType } from './faults.ts'
export { FaultPlan } from './faults.ts'
export { handleOssRequest, locate } from './handle-request.ts'
export { collect, makeBytes, withClockAhead } from './helpers.ts'
export { isListObjectsV2, type ListDialect, listObjectsV2 } from './list-objects.ts'
export { createMockFetch, ossHandlers } from './msw-handlers.ts'
export {
  MockOss,
  type MockOssOptions,
  type ObjectType,
  type PutObjectInit,
  type RestoreStatus,
  type S3ChecksumAlgorithm,
  type StorageClass,
  type StoredObject,
} from './oss-model.ts'
export { PowerSwitch } from './power-switch.ts'
export type { ServedCounters, ServedRequest } from './served-counters.ts'
export { generatedSource } from './source/generated-source.ts'
export { bytesSource, type ObjectSource, readAll, sourceCrc } from './source/object-source.ts'
export { storeContract } from './store-contract.ts'
export { type StoreUnderTest, storeDownloadContract } from './store-download-contract.ts'
export type { Refusal, SseCustomerKey } from './store-rules.ts'
export { type TargetUnderTest, targetContract } from './target-contract.ts'
export { targetDownloadContract } from './target-download-contract.ts'
export {
  CONTRACT_CREDENTIALS,
  type ServedMock,
  type ServeMock,
  type TransportCapabilities,
  type TransportContext,
  type TransportFactory,
} from './transport-context.ts'
export { type TransportContractOptions, transportContract } from './transport-contract.ts'
export { transportDownloadContract } from './transport-download-contract.ts'
