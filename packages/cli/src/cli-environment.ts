import type { CheckpointStore, Target } from '@resumable/core'
import type { Output } from './reporter.ts'
import type { AliOssFactory } from './sources.ts'
import type { ByteSink } from './stdout-target.ts'

/** The destination file and where its checkpoint lives. */
export interface FilePlaces {
  readonly target: Target
  readonly checkpoint: CheckpointStore
  /** The key the checkpoint is stored under (the Target's id). */
  readonly key: string
  /**
   * The live process writing this destination (from its lock file), or undefined when none is.
   * A lock naming another host counts as live, unless `watch`: then it is watched for its lease.
   */
  readonly runningDownload: (options?: {
    readonly watch?: boolean
  }) => Promise<RunningDownload | undefined>
  /** The partial file, lock file and checkpoint of this destination that exist now. */
  readonly leftovers: () => Promise<readonly string[]>
  /**
   * Why the next run would not resume the partial file for an object of `size` bytes (`missing`:
   * there is none), or undefined when it would. Optional: places that cannot tell omit it.
   */
  readonly partialFileProblem?: (
    size: number,
  ) => { readonly missing: boolean; readonly reason: string } | undefined
  /**
   * How many bytes the partial file holds, or undefined when there is none. Optional: places
   * that cannot tell omit it.
   */
  readonly partialFileLength?: () => Promise<number | undefined>
}

/** How `CliEnvironment.files` opens a destination's places. */
export interface FilePlacesMode {
  /** Only to look (`status`, `cancel`): the destination's name is not checked for writing. */
  readonly inspectOnly?: boolean
  /** Told when a lock naming another host is watched before it is taken over (up to `ms`). */
  readonly onLockWatch?: (owner: RunningDownload, ms: number) => void
  /** False: the file keeps the time it was written, not the store's Last-Modified. @default true */
  readonly remoteTime?: boolean
}

/** The process's standard input, read whole. */
export interface StandardInput {
  /** A terminal: nothing is piped in, and reading would wait for the user to type. */
  readonly isTTY: boolean
  /** Everything until end of input, as UTF-8. */
  text(): Promise<string>
}

/** Who is writing a destination right now. */
export interface RunningDownload {
  readonly pid: number
  readonly host: string
  /** When it took the lock (ISO 8601). */
  readonly startedAt: string
}

/** Everything the commands take from the process, injected so tests can run them in-process. */
export interface CliEnvironment {
  readonly io: Output
  readonly env: Readonly<Record<string, string | undefined>>
  /** Writes object bytes to stdout (for `-`). */
  readonly stdoutSink: ByteSink
  /** Opens the file Target and CheckpointStore for a destination. */
  readonly files: (
    destination: string,
    checkpoint: string | undefined,
    overwrite: boolean,
    mode?: FilePlacesMode,
  ) => Promise<FilePlaces>
  /** Builds an ali-oss Transport (lazily imports ali-oss). */
  readonly aliOss: AliOssFactory
  /**
   * Standard input, for `--manifest -`; absent in an environment that has none (a test's, unless
   * it gives one).
   */
  readonly stdin?: StandardInput
  /** Calls `pause` on Ctrl-C / SIGTERM; returns a function that stops listening. */
  readonly onInterrupt: (pause: () => void) => () => void
}
