import { parseArgs } from 'node:util'
import {
  DIGEST_HEX_LENGTH,
  digestValueProblem,
  type ExpectedDigest,
  isDigestAlgorithm,
  OPTION_TABLE,
} from '@resumable/core'
import { BATCH_PARSE_OPTIONS, type BatchFlags, batchFlags } from './batch/batch-flags.ts'
import { integerFlag } from './integer-flag.ts'
import { redactUrl } from './redact-url.ts'
import { checkHeaderFlags } from './request-headers.ts'
import type { SourceFlags } from './sources.ts'
import { parseRate, parseSize } from './units.ts'
import { UsageError } from './usage-error.ts'

/** Settings of `resumable get`. */
export interface GetCommand extends SourceFlags {
  readonly command: 'get'
  readonly source: string
  /** A file, or a directory (existing, or ending in `/`) to save under the object's name; `.` when omitted. */
  readonly destination: string
  readonly partSize: number | undefined
  readonly concurrency: number | undefined
  readonly checkpoint: string | undefined
  readonly noCheckpoint: boolean
  readonly verify: boolean
  readonly recheck: boolean
  /** False with `--no-remote-time`: files keep the time they were written, not the store's Last-Modified. */
  readonly remoteTime: boolean
  /**
   * `--content-disposition`: a download into a directory is saved under the name the server's
   * `Content-Disposition` suggests, when it suggests one (as `curl -OJ`, `wget --content-disposition`).
   */
  readonly contentDisposition: boolean
  readonly limitRate: number | undefined
  readonly retries: number | undefined
  readonly stallTimeoutSeconds: number | undefined
  /** `--outage-wait <s>`: how long a store that stopped answering is waited for (core's `outageWaitMs`). */
  readonly outageWaitSeconds: number | undefined
  readonly onChange: 'restart' | 'fail' | undefined
  readonly force: boolean
  readonly quiet: boolean
  readonly json: boolean
  /** `--checksum sha256=<hex>`: a digest the finished file must have before it is published. */
  readonly checksum: ExpectedDigest | undefined
  /** `--checksum-file SHA256SUMS`: where to find that digest, by the object's or the file's name. */
  readonly checksumFile: string | undefined
  /** `--range first-last` or `first-`: only these bytes of the object. */
  readonly range: { readonly start: number; readonly end?: number } | undefined
  /** `--wire`: the HTTP client of the fetch transports; the runtime's default when unset. */
  readonly wire: 'fetch' | 'node' | undefined
  /** Set for a batch (`--recursive` or `--manifest`); see batch/batch-flags.ts. */
  readonly batch?: BatchFlags | undefined
}

/** Settings of `resumable status` and `resumable cancel`. */
export interface DestinationCommand {
  readonly command: 'status' | 'cancel'
  readonly destination: string
  readonly checkpoint: string | undefined
  readonly json: boolean
}

/** What the command line asked for. */
export type Command = GetCommand | DestinationCommand | { readonly command: 'help' | 'version' }

/** The lowest and highest `x-oss-traffic-limit` OSS accepts, in bytes/s (819200–838860800 bit/s). */
const TRAFFIC_LIMIT_BYTES = { min: 819_200 / 8, max: 838_860_800 / 8 }

const SECRET_FLAGS = [
  'sse-c-key',
  'sse-customer-key',
  'access-key-secret',
  'secret-access-key',
  'secret',
  'password',
  'session-token',
]

/**
 * `--stall-timeout`'s range in the flag's own unit, whole seconds: core's range in milliseconds,
 * narrowed to the seconds inside it, so the CLI's check is the only one a user ever meets.
 */
const STALL_TIMEOUT_SECONDS = {
  min: Math.max(1, Math.ceil(OPTION_TABLE.stallTimeoutMs.min / 1000)),
  max: Math.floor(OPTION_TABLE.stallTimeoutMs.max / 1000),
}

/** `--outage-wait`'s range and default in whole seconds, from core's in milliseconds. */
export const OUTAGE_WAIT_SECONDS: {
  readonly min: number
  readonly max: number
  readonly default: number
} = {
  min: OPTION_TABLE.outageWaitMs.min / 1000,
  max: Math.floor(OPTION_TABLE.outageWaitMs.max / 1000),
  default: OPTION_TABLE.outageWaitMs.default / 1000,
}

/** Parses argv (without the runtime and script) into a Command; throws UsageError. */
export function parseCommandLine(argv: readonly string[]): Command {
  const secret = argv.find((a) =>
    SECRET_FLAGS.some((f) => a === `--${f}` || a.startsWith(`--${f}=`)),
  )
  if (secret?.startsWith('--sse-c')) {
    throw new UsageError(
      `${secret.split('=')[0]} is not accepted: a key on a command line lands in shell history and process lists. ` +
        'Set RESUMABLE_SSE_C_KEY (base64) or give --sse-c-key-file <path> instead.',
    )
  }
  if (secret) {
    throw new UsageError(
      `${secret.split('=')[0]} is not accepted: secrets on a command line land in shell history and process lists. ` +
        'Set OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) instead.',
    )
  }
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    throw new UsageError(parseErrorText(error))
  }
  const { values, positionals } = parsed
  if (values.version) return { command: 'version' }
  const [command, ...rest] = positionals
  if (values.help || command === undefined || command === 'help') return { command: 'help' }
  if (command === 'status' || command === 'cancel') {
    if (rest.length !== 1)
      throw new UsageError(`resumable ${command} takes <dest> [--checkpoint <file|dir>] [--json]`)
    // A `get` flag here would be silently ignored: the user would believe it acted.
    const foreign = Object.keys(values).find(
      (name) =>
        name !== 'checkpoint' &&
        name !== 'json' &&
        values[name as keyof typeof values] !== undefined,
    )
    if (foreign !== undefined)
      throw new UsageError(
        `--${foreign} does not apply to ${command}, which takes only --checkpoint and --json`,
      )
    if (rest[0] === '-')
      throw new UsageError(
        `${command} - : streaming to stdout keeps no progress, so there is nothing to ${command === 'status' ? 'show' : 'remove'}`,
      )
    return {
      command,
      destination: rest[0] as string,
      checkpoint: values.checkpoint,
      json: values.json ?? false,
    }
  }
  if (command !== 'get')
    throw new UsageError(`unknown command "${command}" (expected get, status or cancel)`)
  const batch = batchFlags(values, argv)
  // `get --manifest objects.txt [dest-dir]`: the manifest is the source; no directory means the
  // current one, as for `--recursive` and for a single object.
  if (batch?.manifest !== undefined) {
    if (rest.length > 1)
      throw new UsageError(
        'resumable get --manifest takes <file> [dest-dir] (dest-dir defaults to the current directory)',
      )
    rest.unshift(batch.manifest)
  }
  if (rest.length < 1 || rest.length > 2)
    throw new UsageError(
      'resumable get takes <source> [dest] (dest defaults to the current directory)',
    )
  const transport = values.transport
  if (transport !== undefined && transport !== 'ali-oss' && transport !== 'fetch') {
    throw new UsageError(`--transport must be ali-oss or fetch, got "${transport}"`)
  }
  const wire = values.wire
  if (wire !== undefined && wire !== 'fetch' && wire !== 'node') {
    throw new UsageError(`--wire must be fetch or node, got "${wire}"`)
  }
  const onChange = values['on-change']
  if (onChange !== undefined && onChange !== 'restart' && onChange !== 'fail') {
    throw new UsageError(`--on-change must be restart or fail, got "${onChange}"`)
  }
  if (values.checksum !== undefined && values['checksum-file'] !== undefined) {
    throw new UsageError('--checksum and --checksum-file cannot be combined: give one digest')
  }
  if (values['no-checkpoint'] && values.checkpoint !== undefined) {
    throw new UsageError('--checkpoint and --no-checkpoint cannot be combined')
  }
  // A batch's outage wait holds objects, not one download's checkpoint: it needs none.
  if (batch === undefined && values['no-checkpoint'] && values['outage-wait'] !== undefined) {
    throw new UsageError(
      '--outage-wait cannot be combined with --no-checkpoint: after an outage a download resumes from its checkpoint',
    )
  }
  checkHeaderFlags(values.header)
  // Signed requests (oss://, s3://) take no headers or passwords of the user's; a manifest may
  // list http(s) sources among others, and only they get them.
  const httpOnly = (['header', 'header-file', 'netrc', 'netrc-file'] as const).find(
    (flag) => values[flag] !== undefined,
  )
  if (
    httpOnly !== undefined &&
    batch?.manifest === undefined &&
    !/^https?:\/\//i.test(rest[0] as string)
  )
    throw new UsageError(
      `--${httpOnly} applies to http(s):// sources (requests to oss:// and s3:// are signed)`,
    )
  // `aws s3 cp` takes an s3:// destination; resumable only downloads, to a local path.
  if (rest[1] !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(rest[1]))
    throw new UsageError(
      `destination "${redactUrl(rest[1])}" is a URL: resumable downloads to a local directory or file (give its path)`,
    )
  // A batch refuses `-` itself, with its own reason.
  if (batch === undefined && rest[1] === '-') refuseResumeFlagsOnStdout(values)
  return {
    command: 'get',
    source: rest[0] as string,
    // No destination means the current directory, under the object's own name (like `curl -O`).
    destination: rest[1] ?? '.',
    partSize: sizeFlag('--part-size', values['part-size'], parseSize),
    concurrency: integerFlag('--concurrency', values.concurrency, OPTION_TABLE.concurrency),
    checkpoint: values.checkpoint,
    noCheckpoint: values['no-checkpoint'] ?? false,
    verify: !(values['no-verify'] ?? false),
    recheck: values.recheck ?? false,
    remoteTime: !(values['no-remote-time'] ?? false),
    contentDisposition: values['content-disposition'] ?? false,
    limitRate: sizeFlag('--limit-rate', values['limit-rate'], parseRate),
    retries: integerFlag('--retries', values.retries, OPTION_TABLE.retries),
    stallTimeoutSeconds: integerFlag(
      '--stall-timeout',
      values['stall-timeout'],
      STALL_TIMEOUT_SECONDS,
      ' seconds',
    ),
    outageWaitSeconds: integerFlag(
      '--outage-wait',
      values['outage-wait'],
      OUTAGE_WAIT_SECONDS,
      ' seconds',
    ),
    onChange,
    force: values.force ?? false,
    quiet: values.quiet ?? false,
    json: values.json ?? false,
    endpoint: values.endpoint,
    region: values.region,
    versionId: values['version-id'],
    transport,
    pathStyle: values['path-style'] ?? false,
    cname: values.cname ?? false,
    requestPayer: values['request-payer'] ?? false,
    noSignRequest: values['no-sign-request'] ?? false,
    sseCustomerKeyFile: values['sse-c-key-file'],
    trafficLimit: trafficLimitFlag(values['traffic-limit']),
    range: rangeFlag(values.range),
    checksum: checksumFlag(values.checksum),
    checksumFile: values['checksum-file'],
    wire,
    headers: values.header,
    headerFile: values['header-file'],
    netrc: values.netrc,
    netrcFile: values['netrc-file'],
    ...(batch === undefined ? {} : { batch }),
  }
}

/**
 * `--checksum <algorithm>=<hex>` (or `:`), as a checksum file gives it: md5, sha1, sha256 or
 * sha512, also spelled `SHA-256` (aria2's `--checksum`).
 */
function checksumFlag(texts: readonly string[] | undefined): ExpectedDigest | undefined {
  if (texts === undefined) return undefined
  if (texts.length > 1) throw new UsageError('--checksum is given more than once: give one digest')
  const text = texts[0] as string
  const match = /^([A-Za-z0-9-]+)[=:]([0-9A-Fa-f]*)$/.exec(text.trim())
  const algorithm = match?.[1]?.toLowerCase().replace(/^sha-/, 'sha')
  const names = Object.keys(DIGEST_HEX_LENGTH).join(', ')
  if (!match || !isDigestAlgorithm(algorithm))
    throw new UsageError(
      `--checksum "${text}" is not <algorithm>=<hex digest> with an algorithm of ${names} (example: sha256=9f86d0…)`,
    )
  const value = match[2] as string
  const problem = digestValueProblem(algorithm, value)
  if (problem !== undefined) throw new UsageError(`--checksum: ${problem}`)
  return { algorithm, value: value.toLowerCase() }
}

/** `--traffic-limit` as bit/s: typed as a rate like `--limit-rate`, checked against OSS's range. */
function trafficLimitFlag(text: string | undefined): number | undefined {
  const bytesPerSecond = sizeFlag('--traffic-limit', text, parseRate)
  if (bytesPerSecond === undefined) return undefined
  if (bytesPerSecond < TRAFFIC_LIMIT_BYTES.min || bytesPerSecond > TRAFFIC_LIMIT_BYTES.max) {
    throw new UsageError(
      `--traffic-limit "${text}" is outside what OSS accepts: 100KiB/s to 100MiB/s (819200–838860800 bit/s)`,
    )
  }
  return Math.floor(bytesPerSecond * 8)
}

/** What parseArgs refused, in our words: an unknown option names its likeliest intended one. */
function parseErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  // parseArgs' own text is three lines, and the one after `usage error:` reads as a question.
  const dashed = /^Option '(?:-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(text)?.[1]
  if (dashed !== undefined)
    return `${dashed} was followed by a value starting with "-", taken for an option: write ${dashed}=<value> to give such a value`
  const unknown = /^Unknown option '(-{1,2}[^']*)'/.exec(text)?.[1]
  if (unknown === undefined) return text
  const guess = closestOption(unknown.replace(/^-+/, ''))
  return `unknown option ${unknown}${guess === undefined ? '' : ` (did you mean --${guess}?)`}`
}

/** The known long option nearest to `name` (edit distance ≤ 2, or a prefix of one), if any. */
function closestOption(name: string): string | undefined {
  let best: { option: string; distance: number } | undefined
  for (const option of Object.keys(OPTIONS)) {
    const distance = option.startsWith(name) && name.length >= 3 ? 1 : editDistance(name, option)
    if (distance <= 2 && (best === undefined || distance < best.distance))
      best = { option, distance }
  }
  return best?.option
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(substitute, (previous[j] as number) + 1, (current[j - 1] as number) + 1)
    }
    previous = current
  }
  return previous[b.length] as number
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: OPTIONS,
  })
}

const OPTIONS = {
  'part-size': { type: 'string' },
  concurrency: { type: 'string' },
  checkpoint: { type: 'string' },
  'no-checkpoint': { type: 'boolean' },
  'no-verify': { type: 'boolean' },
  recheck: { type: 'boolean' },
  'no-remote-time': { type: 'boolean' },
  'content-disposition': { type: 'boolean' },
  'limit-rate': { type: 'string' },
  retries: { type: 'string' },
  'stall-timeout': { type: 'string' },
  'outage-wait': { type: 'string' },
  'on-change': { type: 'string' },
  force: { type: 'boolean', short: 'f' },
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'version-id': { type: 'string' },
  transport: { type: 'string' },
  'path-style': { type: 'boolean' },
  cname: { type: 'boolean' },
  'request-payer': { type: 'boolean' },
  'no-sign-request': { type: 'boolean' },
  'sse-c-key-file': { type: 'string' },
  'traffic-limit': { type: 'string' },
  range: { type: 'string' },
  // Multiple, so that a second one is refused rather than silently replacing the first.
  checksum: { type: 'string', multiple: true },
  'checksum-file': { type: 'string' },
  wire: { type: 'string' },
  // Multiple: each is one header.
  header: { type: 'string', multiple: true },
  'header-file': { type: 'string' },
  netrc: { type: 'boolean' },
  'netrc-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  ...BATCH_PARSE_OPTIONS,
} as const

function sizeFlag(
  flag: string,
  text: string | undefined,
  parser: (t: string) => number | undefined,
): number | undefined {
  if (text === undefined) return undefined
  const value = parser(text)
  if (value === undefined || value <= 0) {
    const examples = parser === parseRate ? '50MiB/s, 10MB/s, 1G' : '8MiB, 512KiB, 1GiB'
    throw new UsageError(
      `${flag} "${text}" is not a ${parser === parseRate ? 'rate' : 'size'} (examples: ${examples})`,
    )
  }
  return value
}

/**
 * `-` streams to stdout with no checkpoint and no resume: flags that only act on a checkpoint or
 * a resume (or a restart) would be silently ignored there, so they are refused as
 * `--no-checkpoint` with `--checkpoint` is. (`--no-checkpoint` and `--on-change fail` only say
 * what `-` does anyway, and stay accepted.)
 */
function refuseResumeFlagsOnStdout(values: {
  readonly checkpoint?: string | undefined
  readonly recheck?: boolean | undefined
  readonly 'on-change'?: string | undefined
  readonly 'outage-wait'?: string | undefined
  readonly checksum?: readonly string[] | undefined
  readonly 'checksum-file'?: string | undefined
}): void {
  if (values['on-change'] === 'restart') {
    throw new UsageError(
      '--on-change restart cannot be combined with - (stdout): bytes already written to stdout cannot be taken back, so a changed object can only fail the run',
    )
  }
  if (values.checkpoint !== undefined) {
    throw new UsageError(
      '--checkpoint cannot be combined with - (stdout): streaming keeps no checkpoint and cannot resume',
    )
  }
  if (values.recheck) {
    throw new UsageError(
      '--recheck cannot be combined with - (stdout): streaming never resumes, so there are no saved parts to recheck',
    )
  }
  if (values['outage-wait'] !== undefined) {
    throw new UsageError(
      '--outage-wait cannot be combined with - (stdout): after an outage a download resumes from its checkpoint, and streaming keeps none',
    )
  }
  for (const flag of ['checksum', 'checksum-file'] as const) {
    if (values[flag] !== undefined)
      throw new UsageError(
        `--${flag} cannot be combined with - (stdout): bytes streamed out cannot be held back until their digest is known`,
      )
  }
}

/**
 * Whether `argv` streams the object to stdout (`-` as a positional), read leniently so that it
 * can be told even of a command line that does not parse: where its usage error goes hangs on it.
 */
export function streamsToStdout(argv: readonly string[]): boolean {
  try {
    const { positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: false,
      options: OPTIONS,
    })
    return positionals[0] === 'get' && positionals.slice(1).includes('-')
  } catch {
    return argv.includes('-')
  }
}

/** `--range 100-199` (inclusive, as HTTP) or `--range 100-` (to the end); bytes, no units. */
function rangeFlag(text: string | undefined): GetCommand['range'] {
  if (text === undefined) return undefined
  const m = /^(\d+)-(\d*)$/.exec(text)
  const start = Number(m?.[1])
  const end = m?.[2] ? Number(m[2]) : undefined
  if (
    !m ||
    !Number.isSafeInteger(start) ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw new UsageError(
      `--range "${text}" is not a byte range: give <first>-<last> (inclusive, last ≥ first) or <first>-, in bytes`,
    )
  }
  return end === undefined ? { start } : { start, end }
}
