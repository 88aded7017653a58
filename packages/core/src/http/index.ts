/**
 * The HTTP reading layer every transport shares: range and length parsing, response checks,
 * body guarding, error classification (with the credential-rotation and clock-skew rules as
 * parameters), Retry-After, redaction, headers → ObjectInfo, archive state and object ids.
 * Web-standard, zero dependencies; a transport brings only its wire and its signing.
 *
 * @module @resumable/core/http
 */

export { reportProxyWait } from '../proxy-wait.ts'
// Listings and other requests outside the engine take the engine's stall deadline.
export { type Abortable, StallWatch } from '../stall-guard.ts'
export {
  type ArchiveState,
  archiveState,
  assertRestored,
  isArchivalClass,
  type RestoreCheck,
} from './archive.ts'
export { readBodyText, readWholeBody } from './body-text.ts'
export {
  type CheckedRange,
  type CheckedStream,
  checkRangeResponse,
  checkStreamResponse,
  type RangeAsked,
  refuseEncoding,
  requireContentLength,
} from './check-response.ts'
export {
  CLOCK_SKEW_CODES,
  type Classification,
  classifyStatus,
  EXPIRED_TOKEN_CODES,
} from './classify.ts'
export { contentDispositionFileName } from './content-disposition.ts'
export {
  type ContentRange,
  parseContentLength,
  parseContentRange,
  parseUnsatisfiedRange,
} from './content-range.ts'
export { details, type LooseDetails } from './details.ts'
export { type BodyGuardContext, guardBody } from './guard-body.ts'
export { type NetworkFailureContext, networkFailure } from './network-error.ts'
export {
  type CompositeChecksum,
  compositeChecksum,
  md5FromS3Etag,
  type ObjectHeadOptions,
  objectInfoFromHead,
  parseChecksum,
  parseCrc64Decimal,
  parseGoogleCrc32c,
  parseHttpDigests,
  parseMetadata,
  parseRestore,
  parseStoreDigest,
  type RecordedMd5,
  recordedMd5,
  serverMd5,
} from './object-headers.ts'
export { ossObjectId, s3ObjectId, urlObjectId } from './object-id.ts'
export { type ProxyStage, type ProxyWait, proxySilenceWords } from './proxy-words.ts'
export { redactError, redactText } from './redact.ts'
export {
  headFromHeaders,
  headFromRecord,
  type ResponseHead,
  requestIdOf,
} from './response-head.ts'
export { parseRetryAfter } from './retry-after.ts'
export {
  parseErrorXml,
  parseOssErrHeader,
  type StoreErrorFields,
  storeErrorFields,
} from './store-error.ts'
export {
  type StoreFailure,
  type StoreFailureContext,
  type StoreFailureRules,
  storeFailure,
} from './store-failure.ts'
