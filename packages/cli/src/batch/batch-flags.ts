import { quoteForTerminal } from '../units.ts'
import { UsageError } from '../usage-error.ts'
import { GlobError, globToRegExp } from './glob.ts'

/** The `resumable get` flags of a batch (a prefix with --recursive, or a --manifest). */
export interface BatchFlags {
  /** `--recursive`: the source names a prefix; every object under it is downloaded. */
  readonly recursive: boolean
  /** `--manifest <file>`: one source per line, or NDJSON `{"source","dest"}` lines. */
  readonly manifest: string | undefined
  /** `--include` / `--exclude`, in command-line order (the last matching one wins; see `compileFilters`). */
  readonly filters: readonly BatchFilter[]
  /** `--shard i/N` (i from 0; `auto/N` reads JOB_COMPLETION_INDEX). */
  readonly shard: { readonly index: number | 'auto'; readonly count: number } | undefined
  readonly skipExisting: boolean
  readonly update: boolean
  readonly failFast: boolean
  readonly dryRun: boolean
}

/** One `--include` or `--exclude` pattern. */
export interface BatchFilter {
  readonly include: boolean
  readonly pattern: string
}

/** The parseArgs option table of the batch flags, merged into `resumable get`'s. */
export const BATCH_PARSE_OPTIONS = {
  recursive: { type: 'boolean', short: 'r' },
  manifest: { type: 'string' },
  include: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  shard: { type: 'string' },
  'skip-existing': { type: 'boolean' },
  update: { type: 'boolean' },
  'fail-fast': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const

/** The batch flags from parsed values; undefined when none was given (a single-object get). */
export function batchFlags(
  values: Readonly<Record<string, unknown>>,
  argv: readonly string[],
): BatchFlags | undefined {
  const flag = (name: string): boolean => values[name] === true
  const manifest = values.manifest as string | undefined
  const recursive = flag('recursive')
  const shardText = values.shard as string | undefined
  const batchOnly = [
    'include',
    'exclude',
    'shard',
    'skip-existing',
    'update',
    'fail-fast',
    'dry-run',
  ]
  if (!recursive && manifest === undefined) {
    const stray = batchOnly.find((name) => values[name] !== undefined)
    if (stray) throw new UsageError(`--${stray} needs --recursive or --manifest`)
    return undefined
  }
  if (recursive && manifest !== undefined)
    throw new UsageError('--recursive and --manifest cannot be combined')
  if (flag('skip-existing') && flag('update'))
    throw new UsageError('--skip-existing and --update cannot be combined')
  return {
    recursive,
    manifest,
    filters: checkedFilters(filtersInOrder(argv)),
    shard: shardText === undefined ? undefined : parseShard(shardText),
    skipExisting: flag('skip-existing'),
    update: flag('update'),
    failFast: flag('fail-fast'),
    dryRun: flag('dry-run'),
  }
}

/** `i/N` with 0 ≤ i < N, or `auto/N` (the index from JOB_COMPLETION_INDEX at run time). */
export function parseShard(text: string): { index: number | 'auto'; count: number } {
  const m = /^(\d+|auto)\/(\d+)$/.exec(text)
  const count = m ? Number(m[2]) : Number.NaN
  if (!m || !Number.isSafeInteger(count) || count < 1)
    throw new UsageError(
      `--shard must be i/N (e.g. 3/16, or auto/16 for JOB_COMPLETION_INDEX), got "${text}"`,
    )
  if (m[1] === 'auto') return { index: 'auto', count }
  const index = Number(m[1])
  if (index >= count)
    throw new UsageError(`--shard ${text}: the index must be from 0 to ${count - 1}`)
  return { index, count }
}

/** The shard with `auto` resolved from the environment (a Kubernetes Indexed Job's JOB_COMPLETION_INDEX). */
export function resolveShard(
  shard: BatchFlags['shard'],
  env: Readonly<Record<string, string | undefined>>,
): { index: number; count: number } | undefined {
  if (shard === undefined) return undefined
  if (shard.index !== 'auto') return { index: shard.index, count: shard.count }
  const text = env.JOB_COMPLETION_INDEX
  if (text === undefined)
    throw new UsageError(
      '--shard auto/N needs JOB_COMPLETION_INDEX in the environment (a Kubernetes Indexed Job sets it)',
    )
  const index = Number(text)
  // Set but wrong (`-1`, ` 2`, empty) is not missing: say what it holds, so the Job spec can be fixed.
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(index))
    throw new UsageError(
      `--shard auto/N: JOB_COMPLETION_INDEX is ${quoteValue(text)}, not an index (a whole number from 0, as a Kubernetes Indexed Job sets it)`,
    )
  if (index >= shard.count)
    throw new UsageError(
      `JOB_COMPLETION_INDEX ${index} is not below the shard count ${shard.count}`,
    )
  return { index, count: shard.count }
}

/** At most this many characters of an environment value are quoted in an error. */
const QUOTED_VALUE_MAX = 40

/** `"value"`, quoted for a terminal and cut to its first 40 characters: it may be anything. */
function quoteValue(text: string): string {
  const chars = Array.from(text)
  return chars.length <= QUOTED_VALUE_MAX
    ? quoteForTerminal(text)
    : `${quoteForTerminal(chars.slice(0, QUOTED_VALUE_MAX).join(''))}… (${chars.length} characters)`
}

/**
 * The filters, each glob compiled once here, so a bad one (`[z-a]`) is a usage error when the
 * command line is read: before any listing, and in the usual `error` event under --json.
 */
function checkedFilters(filters: BatchFilter[]): BatchFilter[] {
  for (const filter of filters) {
    try {
      globToRegExp(filter.pattern)
    } catch (error) {
      if (!(error instanceof GlobError)) throw error
      throw new UsageError(`--${filter.include ? 'include' : 'exclude'}: ${error.message}`)
    }
  }
  return filters
}

/** parseArgs keeps includes and excludes apart; their relative order is read back from argv. */
function filtersInOrder(argv: readonly string[]): BatchFilter[] {
  const filters: BatchFilter[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') break
    const m = /^--(include|exclude)(?:=(.*))?$/s.exec(arg)
    if (!m) continue
    const pattern = m[2] ?? argv[++i]
    if (pattern === undefined) continue
    filters.push({ include: m[1] === 'include', pattern })
  }
  return filters
}
