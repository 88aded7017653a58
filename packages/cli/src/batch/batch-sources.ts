import { createHash } from 'node:crypto'
import { readFile, realpath, stat } from 'node:fs/promises'
import {
  DIGEST_HEX_LENGTH,
  digestValueProblem,
  type ExpectedDigest,
  isDigestAlgorithm,
  type ListedObject,
  type Lister,
  type Transport,
} from '@resumable/core'
import { createOssLister, createS3Lister, ProxyVariableError } from '@resumable/transport-fetch'
import type { CliEnvironment, StandardInput } from '../cli-environment.ts'
import type { GetCommand } from '../command-line.ts'
import { redactUrl } from '../redact-url.ts'
import {
  type AliOssFactory,
  ossAccess,
  parseSource,
  type Source,
  type SourceFlags,
  s3Access,
  type TransportMaker,
  transportMaker,
} from '../sources.ts'
import { UsageError } from '../usage-error.ts'
import { wireOption } from '../wire-choice.ts'

/** What a batch reads: its objects, how to open each one, and the prefix its keys are relative to. */
export interface BatchInput {
  /** Names the batch in the journal: the source (prefix or manifest path), never a credential. */
  readonly source: string
  /** Stripped from each key to form its path under the destination. */
  readonly prefix: string
  readonly objects: Lister | Iterable<ListedObject>
  /** The Transport of one listed object. */
  readonly transportFor: (object: ListedObject) => Promise<Transport>
  /** The store-side name of an object, for messages and dry runs. */
  readonly describe: (object: ListedObject) => string
  /** A manifest batch's file, and the line each of its objects came from. */
  readonly manifest?: ManifestSource
  /**
   * `object` with `fields` added (a checksum file's digest), still the same object to `manifest`,
   * `transportFor` and `describe`, which a manifest answers by object.
   */
  readonly extend: (object: ListedObject, fields: Partial<ListedObject>) => ListedObject
}

/** Where a manifest batch's objects came from, so a refusal can name the line to fix. */
export interface ManifestSource {
  /** The manifest's path as given on the command line. */
  readonly path: string
  /** The 1-based line (as editors count) an object of this manifest was read from. */
  lineOf(object: ListedObject): number | undefined
  /** The first line that names `key` as its destination (a later one is refused as a duplicate). */
  firstLineOf(key: string): number | undefined
}

/** A duplicate's refusal with the line that claimed the destination first, when that is known. */
export function withFirstLine(
  message: string,
  error: unknown,
  key: string,
  manifest: ManifestSource | undefined,
): string {
  // KeyRefusedError's reason, read by shape (it may come from another copy of core).
  const duplicate = (error as { reason?: unknown } | undefined)?.reason === 'duplicate'
  const first = duplicate ? manifest?.firstLineOf(key) : undefined
  return first === undefined ? message : `${message} (first at line ${first})`
}

type Env = Readonly<Record<string, string | undefined>>

/**
 * A prefix source, with `aws s3 cp --recursive`'s trailing-slash rule: the source always names a
 * "directory", so `s3://b/logs` and `s3://b/logs/` both list `logs/` (never `logs2/…`), and the
 * objects land directly under the destination (`logs/a/b.txt` → `<dest>/a/b.txt`). `s3://b` or
 * `s3://b/` is the whole bucket.
 */
export async function listingInput(
  cmd: GetCommand,
  env: Env,
  aliOss: AliOssFactory,
): Promise<BatchInput> {
  const m = /^(oss|s3):\/\/([^/]+)(?:\/(.*))?$/s.exec(cmd.source)
  if (!m)
    throw new UsageError(
      `--recursive needs an oss://bucket/prefix/ or s3://bucket/prefix/ source, got "${redactUrl(cmd.source)}"`,
    )
  const scheme = m[1] as 'oss' | 's3'
  const bucket = m[2] as string
  let prefix = m[3] ?? ''
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/'
  // One fetch client for thousands of objects; ali-oss only when asked for (a client per object).
  const flags = { ...cmd, transport: cmd.transport ?? ('fetch' as const) }
  const transportOf = transportMaker(flags, env, aliOss)
  // Bad usage for one object is bad usage for all: said once, before the listing.
  const refused = await transportOf.refusal(scheme)
  if (refused !== undefined) throw new UsageError(refused)
  const lister =
    scheme === 'oss'
      ? await ossLister(bucket, prefix, flags, env)
      : await s3Lister(bucket, prefix, flags, env)
  return {
    source: `${scheme}://${bucket}/${prefix}`,
    prefix,
    objects: lister,
    extend: (object, fields) => ({ ...object, ...fields }),
    transportFor: (object) => transportOf({ scheme, bucket, key: object.key }),
    describe: (object) => `${scheme}://${bucket}/${object.key}`,
  }
}

/** What a listing takes from the command line: the sources' flags, retries and stall deadline. */
type ListingFlags = SourceFlags & {
  readonly retries?: number | undefined
  readonly stallTimeoutSeconds?: number | undefined
}

/**
 * `--retries` and `--stall-timeout` for the listing's requests too, as for the objects': a
 * server that accepts the connection and never answers must not hold the batch.
 */
function listingPolicy(flags: ListingFlags): { retries?: number; stallTimeoutMs?: number } {
  return {
    ...(flags.retries === undefined ? {} : { retries: flags.retries }),
    ...(flags.stallTimeoutSeconds === undefined
      ? {}
      : { stallTimeoutMs: flags.stallTimeoutSeconds * 1000 }),
  }
}

/**
 * The listing signs (or not) and pays (or not) exactly as the GETs of the objects it lists, on
 * the same wire (`--wire`; on Node the Node wire, and with it the proxy variables).
 */
async function ossLister(
  bucket: string,
  prefix: string,
  flags: ListingFlags,
  env: Env,
): Promise<Lister> {
  const { region, endpoint, cname, credentials } = ossAccess(flags, env, true)
  return createOssLister({
    ...(await wireOption(flags.wire)),
    bucket,
    prefix,
    ...(credentials ? { credentials } : { anonymous: true }),
    ...(flags.requestPayer ? { requestPayer: true } : {}),
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(cname ? { cname: true } : {}),
    ...listingPolicy(flags),
  })
}

async function s3Lister(
  bucket: string,
  prefix: string,
  flags: ListingFlags,
  env: Env,
): Promise<Lister> {
  const { region, endpoint, credentials, pathStyle } = await s3Access(flags, env)
  return createS3Lister({
    ...(await wireOption(flags.wire)),
    bucket,
    prefix,
    ...(credentials ? { credentials } : { anonymous: true }),
    ...(flags.requestPayer ? { requestPayer: true } : {}),
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(pathStyle ? { forcePathStyle: true } : {}),
    ...listingPolicy(flags),
  })
}

/** One manifest entry: where to read, and the destination path relative to `<dest>`. */
interface ManifestEntry {
  readonly source: Source
  readonly dest: string
  /** The 1-based line it was read from. */
  readonly line: number
}

/**
 * A manifest: one source per line (`oss://b/k`, `s3://b/k`, `https://…`), or one NDJSON object
 * `{"source": "…", "dest": "rel/path"}` per line; blank lines and `#` comments are skipped. A plain
 * line's destination is the key (`oss://b/a/b.txt` → `a/b.txt`) or the URL's path. Destinations are
 * untrusted like keys (the batch refuses `..`, absolute paths, … through safeRelativePath).
 */
export async function manifestInput(cmd: GetCommand, cli: CliEnvironment): Promise<BatchInput> {
  const given = cmd.batch?.manifest as string
  const { text, identity, path } =
    given === STDIN ? await stdinManifest(cli.stdin) : await fileManifest(given)
  const { env, aliOss } = cli
  // By destination, the first line that names it; by object (identity), its own line: two lines
  // may name one destination, and the second is refused by its own line and source.
  const entries = new Map<string, ManifestEntry>()
  const entryOf = new WeakMap<ListedObject, ManifestEntry>()
  const objects: ListedObject[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const where = `${path}:${index + 1}`
    let sourceText: string
    let dest: string | undefined
    let listed: Omit<ListedObject, 'key'> = {}
    if (line.startsWith('{')) {
      let value: unknown
      try {
        value = JSON.parse(line)
      } catch {
        throw new UsageError(`${where}: not valid JSON`)
      }
      const v = value as { source?: unknown; dest?: unknown }
      if (typeof v.source !== 'string') throw new UsageError(`${where}: "source" must be a string`)
      if (v.dest !== undefined && typeof v.dest !== 'string')
        throw new UsageError(`${where}: "dest" must be a string`)
      sourceText = v.source
      dest = v.dest
      listed = listedFields(value as Record<string, unknown>, where)
    } else {
      // A URL has no white space: this is text after it (a comment) that would end up in the path.
      if (/^https?:\/\/\S*\s/i.test(line))
        throw new UsageError(
          `${where}: a URL has no spaces (write %20 in one); a # comment goes on a line of its own`,
        )
      sourceText = line
    }
    let source: Source
    try {
      source = parseSource(sourceText, true)
    } catch (error) {
      throw new UsageError(`${where}: ${error instanceof Error ? error.message : String(error)}`)
    }
    const key = dest ?? defaultDest(source)
    // A duplicate destination stays in the list: the batch refuses the second one by name.
    const entry = { source, dest: key, line: index + 1 }
    if (!entries.has(key)) entries.set(key, entry)
    const object: ListedObject = { key, ...listed, origin: originOf(source) }
    entryOf.set(object, entry)
    objects.push(object)
  })
  const flags = { ...cmd, transport: cmd.transport ?? ('fetch' as const), versionId: undefined }
  const transportOf = transportMaker(flags, env, aliOss)
  await refuseFlags(entries.values(), path, transportOf)
  await checkEnvironment(entries.values().next().value, transportOf)
  const entryFor = (object: ListedObject) => entryOf.get(object) ?? entries.get(object.key)
  return {
    source: `manifest:${identity}`,
    prefix: '',
    objects,
    extend: (object, fields) => {
      const copy = { ...object, ...fields }
      const entry = entryOf.get(object)
      if (entry) entryOf.set(copy, entry)
      return copy
    },
    manifest: {
      path,
      lineOf: (object) => entryOf.get(object)?.line,
      firstLineOf: (key) => entries.get(key)?.line,
    },
    transportFor: async (object) => {
      const entry = entryFor(object)
      if (!entry) throw new UsageError(`no manifest entry for ${object.key}`)
      return transportOf(entry.source)
    },
    describe: (object) => {
      const entry = entryFor(object)
      if (!entry) return object.key
      // Never the URL's user:password@ nor its query (a presigned URL's signature).
      return entry.source.scheme === 'http'
        ? redactUrl(entry.source.url)
        : `${entry.source.scheme}://${entry.source.bucket}/${entry.source.key}`
    },
  }
}

/** `--manifest -`: the list is read from standard input (as `wget -i -` and `aria2c -i -`). */
const STDIN = '-'

/**
 * A manifest file's text, and the batch it is: the file, however its path is spelled (m.txt,
 * ./m.txt, /abs/m.txt, a symlink). A pipe given as a file (`--manifest <(cmd)`, `/dev/stdin`)
 * has no lasting path: it is named by its text, as standard input is.
 */
async function fileManifest(path: string): Promise<ManifestText> {
  let text: string
  let regular: boolean
  try {
    text = await readFile(path, 'utf8')
    regular = (await stat(path)).isFile()
  } catch (error) {
    throw new UsageError(
      `cannot read the manifest ${path}: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  const identity = regular ? await realpath(path).catch(() => undefined) : undefined
  return { text, identity: identity ?? textIdentity(text), path }
}

/**
 * A manifest piped in. The batch is its text (by SHA-256: a signed URL in it never names the
 * batch), so the same list piped again continues the same batch, and another list is another
 * batch.
 */
async function stdinManifest(stdin: StandardInput | undefined): Promise<ManifestText> {
  if (stdin === undefined) throw new UsageError('--manifest -: there is no standard input to read')
  if (stdin.isTTY)
    throw new UsageError(
      '--manifest -: standard input is a terminal; pipe the list in (… | resumable get --manifest - <dir>) or give a file',
    )
  const text = await stdin.text()
  return { text, identity: textIdentity(text), path: 'stdin' }
}

/**
 * A list with no lasting path (standard input, a pipe), named by its text's SHA-256 alone: the
 * same list is the same batch however it is piped in.
 */
function textIdentity(text: string): string {
  // 64 bits tell lists apart in one directory and keep the first line of the run short.
  return `piped sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`
}

/** A manifest's text, the identity that names its batch, and how messages name it. */
interface ManifestText {
  readonly text: string
  readonly identity: string
  readonly path: string
}

/**
 * Which store answers for a manifest line: a URL's origin (scheme, host and port: never its
 * user:password@ nor its path or query), or the bucket. Objects of one origin share the judgement
 * that their store stopped answering, so one dead server among several fails alone.
 */
function originOf(source: Source): string {
  return source.scheme === 'http'
    ? new URL(source.url).origin
    : `${source.scheme}://${source.bucket}`
}

/**
 * What an NDJSON manifest line may say of its object, as a listing would (the columns of an
 * S3 or OSS inventory report): `size` in bytes, `etag`, `lastModified`. With a size, an object
 * that fits in one request is fetched like a listed one (its GET is its stat) and the progress
 * knows the total; with an ETag, that GET asks If-Match it, so an object replaced since the
 * manifest was written is fetched in its new version whole and reported as changed since
 * listing. An ETag without quotes (as inventories print it) is quoted, as a listing gives it.
 * One of `md5`, `sha1`, `sha256`, `sha512` (hex) is a digest the file must have before it is
 * published, as `--checksum` gives one object's.
 */
function listedFields(v: Record<string, unknown>, where: string): Omit<ListedObject, 'key'> {
  const { size, etag, lastModified } = v
  if (size !== undefined && !(Number.isSafeInteger(size) && (size as number) >= 0))
    throw new UsageError(`${where}: "size" must be a whole number of bytes (0 or more)`)
  if (etag !== undefined && !(typeof etag === 'string' && ETAG.test(etag)))
    throw new UsageError(
      `${where}: "etag" must be an entity tag: visible characters, quoted or not, no quote inside`,
    )
  if (
    lastModified !== undefined &&
    !(typeof lastModified === 'string' && !Number.isNaN(Date.parse(lastModified)))
  )
    throw new UsageError(
      `${where}: "lastModified" must be a date (ISO 8601, or an HTTP date as Last-Modified gives it)`,
    )
  const digest = lineDigest(v, where)
  refuseUnknownFields(v, where)
  return {
    ...(size === undefined ? {} : { size: size as number }),
    ...(etag === undefined ? {} : { etag: quotedEtag(etag as string) }),
    ...(lastModified === undefined ? {} : { lastModified: lastModified as string }),
    ...(digest === undefined ? {} : { digest }),
  }
}

/** The digest fields a manifest's JSON line may have, one at most. */
const DIGEST_FIELDS: readonly string[] = Object.keys(DIGEST_HEX_LENGTH)

/** The other fields a manifest's JSON line may have. */
const OBJECT_FIELDS: readonly string[] = ['source', 'dest', 'size', 'etag', 'lastModified']

/** `"a", "b"`: field names as a message lists them. */
const quoted = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ')

/**
 * Refuses a field no manifest line has: `"destination"` for `"dest"`, an inventory's `"ETag"` or
 * `"Size"` would otherwise be dropped without a word, and the file saved elsewhere, fetched
 * without If-Match, or published unchecked.
 */
function refuseUnknownFields(v: Record<string, unknown>, where: string): void {
  const known = [...OBJECT_FIELDS, ...DIGEST_FIELDS]
  const unknown = Object.keys(v).find((name) => !known.includes(name))
  if (unknown === undefined) return
  const meant = known.find((name) => name.toLowerCase() === unknown.toLowerCase())
  throw new UsageError(
    `${where}: a manifest line has no field "${unknown}"${meant ? ` (did you mean "${meant}"?)` : ''}; it may have ${quoted(OBJECT_FIELDS)} and one digest (${quoted(DIGEST_FIELDS)})`,
  )
}

/** The one digest column a manifest line may have (`"sha256": "<hex>"`), checked. */
function lineDigest(v: Record<string, unknown>, where: string): ExpectedDigest | undefined {
  // A digest under another spelling would otherwise be dropped, and its file published unchecked.
  const misspelled = Object.keys(v).find(
    (name) => /^(?:md-?5|sha-?\d+)$/i.test(name) && !isDigestAlgorithm(name),
  )
  if (misspelled !== undefined)
    throw new UsageError(
      `${where}: "${misspelled}" is not a digest this build checks; write one of ${quoted(DIGEST_FIELDS)}`,
    )
  const given = Object.keys(DIGEST_HEX_LENGTH).filter((name) => v[name] !== undefined)
  if (given.length > 1)
    throw new UsageError(
      `${where}: give one digest, not ${given.map((n) => `"${n}"`).join(' and ')}`,
    )
  const algorithm = given[0]
  if (!isDigestAlgorithm(algorithm)) return undefined
  const value = v[algorithm]
  const problem = digestValueProblem(algorithm, value)
  if (problem !== undefined) throw new UsageError(`${where}: "${algorithm}": ${problem}`)
  return { algorithm, value: (value as string).toLowerCase() }
}

/** An entity tag, quoted (`"…"`, `W/"…"`) or bare: visible ASCII and no `"` inside (RFC 9110 etagc). */
const ETAG = /^(?:W\/)?"[\x21\x23-\x7e]*"$|^[\x21\x23-\x7e]+$/

function quotedEtag(etag: string): string {
  return etag.endsWith('"') ? etag : `"${etag}"`
}

/**
 * A malformed proxy variable concerns every object of a manifest, so it is said once, before the
 * batch (a usage error), not as each object's failure: a listing's wire does this for a prefix.
 * Creating the first object's transport opens nothing; any other problem stays that object's.
 */
/**
 * A usage error naming the first line of each scheme the flags cannot apply to (and one for a bad
 * SSE-C key file), before anything is touched: as for one object, not a failure per object.
 */
async function refuseFlags(
  entries: Iterable<ManifestEntry>,
  path: string,
  transportOf: TransportMaker,
): Promise<void> {
  const seen = new Set<Source['scheme']>()
  for (const { source, line } of entries) {
    if (seen.has(source.scheme)) continue
    seen.add(source.scheme)
    const refused = await transportOf.refusal(source.scheme)
    if (refused !== undefined) throw new UsageError(`${path}:${line}: ${refused}`)
  }
}

async function checkEnvironment(
  first: ManifestEntry | undefined,
  transportOf: (source: Source) => Promise<Transport>,
): Promise<void> {
  if (first === undefined) return
  try {
    await transportOf(first.source)
  } catch (error) {
    if (error instanceof ProxyVariableError) throw error
  }
}

function defaultDest(source: Source): string {
  if (source.scheme !== 'http') return source.key
  const url = new URL(source.url)
  try {
    return decodeURIComponent(url.pathname.replace(/^\/+/, ''))
  } catch {
    return url.pathname.replace(/^\/+/, '')
  }
}
