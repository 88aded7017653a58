export { AbortedError } from './aborted-error.ts'
export { CheckpointError, type CheckpointProblem } from './checkpoint-error.ts'
export { IntegrityError } from './integrity-error.ts'
export { type KeyRefusal, KeyRefusedError } from './key-refused-error.ts'
export { ObjectChangedError } from './object-changed-error.ts'
export { OptionsError, type OptionsErrorDetails } from './options-error.ts'
export { isResumableError, ResumableError } from './resumable-error.ts'
export {
  type ExistsRemedy,
  TargetError,
  type TargetErrorKind,
  type TargetSpace,
} from './target-error.ts'
export {
  isTransportError,
  TransportError,
  type TransportErrorDetails,
  type TransportErrorKind,
} from './transport-error.ts'
