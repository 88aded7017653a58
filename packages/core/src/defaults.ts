import { DEFAULT_MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE } from './plan.ts'

/** What an option's number counts. */
export type OptionUnit = 'bytes' | 'bytes/s' | 'ms' | 'count'

/** Default and accepted range of one numeric option. */
export interface NumericOptionSpec {
  /** The value used when the option is omitted; `undefined` means off (no limit). */
  readonly default: number | undefined
  /** When set, the default is the value of this other option (e.g. `partSize`). */
  readonly defaultFrom?: 'partSize'
  /** Smallest accepted value (inclusive). */
  readonly min: number
  /** Largest accepted value (inclusive). */
  readonly max: number
  /** What the number counts. */
  readonly unit: OptionUnit
  /** One line saying what the option does. */
  readonly description: string
}

/** A numeric option that always has a value. */
export interface DefaultedOptionSpec extends NumericOptionSpec {
  readonly default: number
}

/** The numeric options of `download`, one spec each. */
export interface OptionTable {
  readonly partSize: DefaultedOptionSpec
  readonly concurrency: DefaultedOptionSpec
  readonly singleRequestThreshold: DefaultedOptionSpec
  readonly maxParts: DefaultedOptionSpec
  readonly retries: DefaultedOptionSpec
  readonly retryBaseDelayMs: DefaultedOptionSpec
  readonly retryMaxDelayMs: DefaultedOptionSpec
  readonly stallTimeoutMs: DefaultedOptionSpec
  readonly checkpointIntervalMs: DefaultedOptionSpec
  readonly writeBufferSize: DefaultedOptionSpec
  readonly maxRestarts: DefaultedOptionSpec
  readonly maxBytesPerSecond: NumericOptionSpec
  readonly outageWaitMs: DefaultedOptionSpec
  readonly progressIntervalMs: DefaultedOptionSpec
}

/** The options of `download` that are not numbers, one spec each. */
export interface ChoiceTable {
  readonly verify: ChoiceOptionSpec<boolean>
  readonly recheckResumedParts: ChoiceOptionSpec<boolean>
  readonly onObjectChanged: ChoiceOptionSpec<'restart' | 'fail'>
}

/** Default of one option that is not a number. */
export interface ChoiceOptionSpec<T> {
  /** The value used when the option is omitted. */
  readonly default: T
  /** Every accepted value. */
  readonly choices: readonly T[]
  /** One line saying what the option does. */
  readonly description: string
}

const MIB = 1024 * 1024
const HOUR_MS = 3_600_000
/** A timer cannot be longer than 2^31 - 1 ms (24.8 days): a week is well inside. */
const WEEK_MS = 7 * 24 * HOUR_MS

/**
 * Every tunable option of `download`: its default, its limits, its unit and what it does. The
 * single source that `resolveOptions` reads and the TSDoc, the core README and the CLI's `--help`
 * are checked against (`test/defaults-drift.test.ts`).
 */
export const OPTION_TABLE: OptionTable = {
  partSize: {
    default: 8 * MIB,
    min: MIN_PART_SIZE,
    max: MAX_PART_SIZE,
    unit: 'bytes',
    description: 'Bytes per ranged part; raised automatically to keep at most `maxParts`.',
  },
  concurrency: {
    default: 8,
    min: 1,
    max: 1024,
    unit: 'count',
    description: 'Parts fetched at once.',
  },
  singleRequestThreshold: {
    default: 8 * MIB,
    defaultFrom: 'partSize',
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'bytes',
    description: 'Objects up to this size are fetched with a single request.',
  },
  maxParts: {
    default: DEFAULT_MAX_PARTS,
    min: 1,
    max: 1_000_000,
    unit: 'count',
    description: 'Ceiling on the part count.',
  },
  retries: {
    default: 5,
    min: 0,
    max: 1000,
    unit: 'count',
    description: 'Consecutive failed attempts without progress before a part (or stat) fails.',
  },
  retryBaseDelayMs: {
    default: 200,
    min: 0,
    max: HOUR_MS,
    unit: 'ms',
    description: 'Base of the full-jitter exponential backoff.',
  },
  retryMaxDelayMs: {
    default: 20_000,
    min: 0,
    max: HOUR_MS,
    unit: 'ms',
    description:
      'Cap of the backoff (at least `retryBaseDelayMs`; Retry-After may ask for longer).',
  },
  stallTimeoutMs: {
    default: 30_000,
    min: 1,
    max: HOUR_MS,
    unit: 'ms',
    description: 'A request that delivers no byte for this long is aborted and retried.',
  },
  checkpointIntervalMs: {
    default: 1000,
    min: 1,
    max: HOUR_MS,
    unit: 'ms',
    description: 'How often durable progress is checkpointed (group commit).',
  },
  writeBufferSize: {
    default: MIB,
    min: 1,
    max: 256 * MIB,
    unit: 'bytes',
    description: 'Bytes buffered per part before one positional write.',
  },
  maxRestarts: {
    default: 2,
    min: 0,
    max: 100,
    unit: 'count',
    description: 'Restarts allowed because the object changed.',
  },
  maxBytesPerSecond: {
    default: undefined,
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    unit: 'bytes/s',
    description: 'Client-side bandwidth cap across all parts.',
  },
  outageWaitMs: {
    default: 300_000,
    min: 0,
    max: WEEK_MS,
    unit: 'ms',
    description:
      'How long a store that stopped answering is waited for (probed now and then) before the download fails; 0 fails at once.',
  },
  progressIntervalMs: {
    default: 250,
    min: 0,
    max: HOUR_MS,
    unit: 'ms',
    description: 'Minimum interval between progress reports.',
  },
}

/** The options that take a number. */
export type NumericOption = keyof OptionTable

/** Defaults of the options that are not numbers. */
export const CHOICE_TABLE: ChoiceTable = {
  verify: {
    default: true,
    choices: [true, false],
    description: "Compare the combined CRC with the store's before committing.",
  },
  recheckResumedParts: {
    default: false,
    choices: [true, false],
    description: 'On resume, read back claimed parts and re-fetch any whose CRC differs.',
  },
  onObjectChanged: {
    default: 'restart',
    choices: ['restart', 'fail'],
    description: 'Restart (bounded by `maxRestarts`) or fail when the object changes.',
  },
}
