/**
 * The pieces of the `resumable` command, for embedding and testing it.
 *
 * @module @resumable/cli
 */
export type { CliEnvironment, FilePlaces } from './cli-environment.ts'
export { type Command, parseCommandLine } from './command-line.ts'
export { ExitCode } from './exit-codes.ts'
export { filePlaces } from './file-places.ts'
export { main, VERSION } from './main.ts'
export { processEnvironment } from './process-environment.ts'
export { formatBytes, formatDuration, parseRate, parseSize } from './units.ts'
export { UsageError } from './usage-error.ts'
