import { OptionsError, type Transport } from '@resumable/core'
import type { CredentialsProvider } from '@resumable/transport-fetch'
import {
  createOssTransport,
  createS3Transport,
  createUrlTransport,
  credentialsFromEnv,
  ossRegionOfHost,
} from '@resumable/transport-fetch'
import { alibabaDefaultRegion } from './alibaba-profiles.ts'
import { configuredS3Endpoint } from './aws-endpoint.ts'
import type { AwsProfile } from './aws-profile.ts'
import type { AwsRoleLookup } from './aws-role-credentials.ts'
import { loadNetrc, netrcCredentials } from './netrc.ts'
import { OSS_NEEDS_CREDENTIALS, ossCredentialsFromEnv } from './oss-credentials.ts'
import { redactUrl } from './redact-url.ts'
import { credentialNames, requestHeaders } from './request-headers.ts'
import { loadSseCustomerKey, SSE_C_KEY_ENV } from './sse-c-key.ts'
import { UsageError } from './usage-error.ts'
import { type WireName, wireOption } from './wire-choice.ts'

/** A parsed `<source>` argument. */
export type Source =
  | { readonly scheme: 'oss' | 's3'; readonly bucket: string; readonly key: string }
  | { readonly scheme: 'http'; readonly url: string }

/** Flags that shape how a source is reached. */
export interface SourceFlags {
  readonly endpoint: string | undefined
  readonly region: string | undefined
  readonly versionId: string | undefined
  readonly transport: 'ali-oss' | 'fetch' | undefined
  readonly pathStyle: boolean
  /** `--cname`: the oss:// endpoint is a custom domain bound to the bucket. */
  readonly cname?: boolean | undefined
  /** Accept the charges of a requester-pays bucket (`x-oss-request-payer` / `x-amz-request-payer`). */
  readonly requestPayer: boolean
  /** Unsigned requests to a public bucket: no credentials needed (aws-cli's `--no-sign-request`). */
  readonly noSignRequest: boolean
  /** File holding the SSE-C key (32 raw bytes or their base64); the key is never a flag value. */
  readonly sseCustomerKeyFile: string | undefined
  /** OSS's per-connection cap (`x-oss-traffic-limit`), in bit/s. */
  readonly trafficLimit: number | undefined
  readonly wire?: WireName | undefined
  /** `--header 'Name: value'` (repeatable): extra request headers of http(s) sources. */
  readonly headers?: readonly string[] | undefined
  /** `--header-file <path>`: more of them, one per line, credentials included; never printed. */
  readonly headerFile?: string | undefined
  /** `--netrc`: HTTP Basic credentials of http(s) sources from `$NETRC` or `~/.netrc`. */
  readonly netrc?: boolean | undefined
  /** `--netrc-file <path>`: the same from that file. */
  readonly netrcFile?: string | undefined
}

/** Builds an ali-oss Transport; loaded lazily so the CLI runs where ali-oss is not installed. */
export type AliOssFactory = (
  source: { bucket: string; key: string },
  flags: SourceFlags,
) => Promise<Transport>

/**
 * Parses `oss://bucket/key`, `s3://bucket/key` or an http(s) URL: a command's source, or a
 * manifest line's (`inManifest`, where a prefix cannot be asked for).
 */
export function parseSource(text: string, inManifest = false): Source {
  const cloud = /^(oss|s3):\/\/([^/]+)\/(.+)$/.exec(text)
  if (cloud)
    return { scheme: cloud[1] as 'oss' | 's3', bucket: cloud[2] as string, key: cloud[3] as string }
  const scheme = /^(oss|s3):\/\//.exec(text)?.[1]
  if (scheme !== undefined)
    throw new UsageError(
      inManifest
        ? `source "${text}" names no object: a manifest line names one, ${scheme}://bucket/key`
        : `source "${text}" names no object: ${scheme}://bucket/key for one object, or add --recursive for everything under ${scheme}://bucket/prefix/`,
    )
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError(
      `source "${redactUrl(text)}" is not oss://bucket/key, s3://bucket/key or an http(s) URL`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `unsupported source scheme "${url.protocol}" (use oss://, s3://, http:// or https://)`,
    )
  }
  return { scheme: 'http', url: text }
}

/** Creates the Transport for a source, reading credentials from the environment. */
export function createTransport(
  source: Source,
  flags: SourceFlags,
  env: Readonly<Record<string, string | undefined>>,
  aliOss: AliOssFactory,
): Promise<Transport> {
  return transportMaker(flags, env, aliOss)(source)
}

/**
 * Makes the Transports of one command's sources (a batch's objects). What they all share is read
 * once, when the first source that needs it comes: the SSE-C key file, the wire, and where each
 * scheme's store is and how it signs (for oss://, perhaps the aliyun CLI profile's region). Per
 * object, a batch of 10,000 read those files 10,000 times, and a key file changed during the run
 * could have given its objects two keys.
 *
 * @example
 * const transportFor = transportMaker(flags, env, aliOss)
 * const transport = await transportFor({ scheme: 's3', bucket: 'b', key: 'logs/1.gz' })
 */
export function transportMaker(
  flags: SourceFlags,
  env: Readonly<Record<string, string | undefined>>,
  aliOss: AliOssFactory,
): TransportMaker {
  const sseCustomerKey = once(() => loadSseCustomerKey(flags.sseCustomerKeyFile, env))
  const wire = once(() => wireOption(flags.wire))
  const headers = once(() =>
    requestHeaders({ headers: flags.headers, headerFile: flags.headerFile }),
  )
  const netrc = once(() => loadNetrc(flags, env))
  const s3 = once(() => s3Access(flags, env))
  const oss = once(() => ossAccess(flags, env))
  const refusal = async (scheme: Source['scheme']): Promise<string | undefined> =>
    flagsRefusal(scheme, flags, (await sseCustomerKey()) !== undefined)
  const make = async (source: Source): Promise<Transport> => {
    const refused = await refusal(source.scheme)
    if (refused !== undefined) throw new UsageError(refused)
    return transportOf(
      source,
      flags,
      { sseCustomerKey: await sseCustomerKey(), wire, headers, netrc, s3, oss },
      aliOss,
    )
  }
  return Object.assign(make, { refusal })
}

/** `transportMaker`'s answer: a Transport per source, and the flags' usage errors before any. */
export interface TransportMaker {
  (source: Source): Promise<Transport>
  /**
   * Why the flags cannot apply to a source of `scheme` (undefined when they can), after reading
   * the SSE-C key file (a UsageError when it is bad): a batch asks before listing or touching
   * anything, so that what is bad usage for one object is bad usage for all of them at once.
   */
  refusal(scheme: Source['scheme']): Promise<string | undefined>
}

/** The flags a source of `scheme` cannot take, as the message of a usage error; undefined when none. */
function flagsRefusal(
  scheme: Source['scheme'],
  flags: SourceFlags,
  sseCustomerKey: boolean,
): string | undefined {
  if (sseCustomerKey && scheme !== 's3')
    return `SSE-C (--sse-c-key-file, ${SSE_C_KEY_ENV}) applies to s3:// sources only`
  if (scheme !== 'oss' && flags.cname)
    return '--cname (a custom domain bound to an OSS bucket) applies to oss:// sources only'
  if (scheme !== 'oss' && flags.trafficLimit !== undefined)
    return '--traffic-limit (x-oss-traffic-limit) applies to oss:// sources only'
  if (flags.wire !== undefined && scheme === 'oss' && flags.transport !== 'fetch')
    return '--wire needs --transport fetch for oss:// (ali-oss has its own client)'
  if (scheme !== 'oss' && flags.transport === 'ali-oss')
    return '--transport ali-oss needs an oss:// source'
  if (scheme === 'http' && flags.noSignRequest)
    return '--no-sign-request applies to oss:// and s3:// sources (an http(s) URL is sent as given)'
  return undefined
}

/** What every source of a command shares, read once (`transportMaker`). */
interface SharedInputs {
  readonly sseCustomerKey: Uint8Array | undefined
  readonly wire: () => ReturnType<typeof wireOption>
  /** `--header` and `--header-file`, for http(s) sources only (the others are signed). */
  readonly headers: () => ReturnType<typeof requestHeaders>
  /** `--netrc` and `--netrc-file`'s entries, for http(s) sources only. */
  readonly netrc: () => ReturnType<typeof loadNetrc>
  readonly s3: () => Promise<S3Access>
  readonly oss: () => OssAccess
}

/** The source's Transport, once `flagsRefusal` found nothing against the flags. */
async function transportOf(
  source: Source,
  flags: SourceFlags,
  shared: SharedInputs,
  aliOss: AliOssFactory,
): Promise<Transport> {
  const { versionId } = flags
  const { sseCustomerKey } = shared
  const wire = await shared.wire()
  switch (source.scheme) {
    case 'http': {
      const headers = await shared.headers()
      const netrc = await shared.netrc()
      const basicAuth =
        netrc === undefined ? undefined : netrcCredentials(netrc, new URL(source.url))
      try {
        // A presigned URL: the transport picks x-amz- or x-oss-request-payer from its query.
        return createUrlTransport({
          url: source.url,
          ...(flags.requestPayer ? { requestPayer: true } : {}),
          ...(headers === undefined ? {} : { headers }),
          headersBoundToOrigin: credentialNames(headers),
          ...(basicAuth === undefined ? {} : { basicAuth }),
          ...wire,
        })
      } catch (error) {
        if (error instanceof OptionsError && error.option === 'basicAuth')
          throw new UsageError(
            `--netrc: the netrc file's credentials for ${new URL(source.url).hostname} are not sent over plain http:// (HTTP Basic would send the password in clear text); use https://`,
          )
        throw error
      }
    }
    case 's3': {
      const access = await shared.s3()
      return createS3Transport({
        bucket: source.bucket,
        key: source.key,
        ...optional('region', access.region),
        ...optional('endpoint', access.endpoint),
        ...optional('versionId', versionId),
        ...(access.credentials ? { credentials: access.credentials } : { anonymous: true }),
        ...(flags.requestPayer ? { requestPayer: true } : {}),
        ...(sseCustomerKey ? { sseCustomerKey } : {}),
        ...wire,
        // Unset (not false) otherwise: the transport also goes path-style for dotted bucket names.
        ...(access.pathStyle ? { forcePathStyle: true } : {}),
      })
    }
    case 'oss': {
      const access = shared.oss()
      if (flags.transport === 'fetch' || flags.noSignRequest) {
        return createOssTransport({
          bucket: source.bucket,
          key: source.key,
          ...(access.credentials ? { credentials: access.credentials } : { anonymous: true }),
          ...optional('region', access.region),
          ...optional('endpoint', access.endpoint),
          ...(access.cname ? { cname: true } : {}),
          ...optional('versionId', versionId),
          ...(flags.requestPayer ? { requestPayer: true } : {}),
          ...(flags.trafficLimit === undefined ? {} : { trafficLimit: flags.trafficLimit }),
          ...wire,
        })
      }
      return aliOss(
        { bucket: source.bucket, key: source.key },
        { ...flags, region: access.region, endpoint: access.endpoint },
      )
    }
  }
}

/** Where an s3:// bucket is and how requests to it are signed: one answer for objects and listings. */
export interface S3Access {
  readonly endpoint: string | undefined
  readonly region: string | undefined
  /** Undefined under --no-sign-request (unsigned requests). */
  readonly credentials: EnvCredentials | CredentialsProvider | undefined
  readonly pathStyle: boolean
}

/**
 * The endpoint, region and credentials of s3:// as the AWS CLI finds them: the endpoint from
 * `--endpoint`, else the environment, else the config file's profile (`configuredS3Endpoint`);
 * credentials from the environment first (`AWS_*`, or `OSS_*` for an aliyuncs.com endpoint), then
 * the shared files' profile (`AWS_PROFILE`, its `region` too), then the machine's role (web
 * identity, container, EC2 instance metadata); none under --no-sign-request. A UsageError when there are no credentials.
 */
export async function s3Access(
  flags: Pick<SourceFlags, 'endpoint' | 'region' | 'pathStyle' | 'noSignRequest'>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<S3Access> {
  // As the AWS CLI: the flag, else the environment's and then the config file's endpoint. Read
  // apart from the profile's credentials, so it holds whichever source the keys come from.
  const endpoint = flags.endpoint ?? configuredS3Endpoint(env)
  const host = hostOf(endpoint)
  // Environment first (as the AWS CLI), then the shared files' profile.
  const fromEnv =
    envCredentials(env, 'AWS') ??
    (host?.endsWith('.aliyuncs.com') ? envCredentials(env, 'OSS') : undefined)
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION
  // Read only when the files can tell something new. The profile's region is read without the AWS
  // SDK, whose credential provider (0.1-0.3 s to import) comes in only if its credentials are used.
  const profile =
    flags.noSignRequest || (fromEnv && region !== undefined) ? undefined : await awsProfile(env)
  let credentials = flags.noSignRequest ? undefined : (fromEnv ?? profile?.credentials)
  if (!credentials && !flags.noSignRequest) {
    // The rest of the AWS default chain: the machine's role (EKS, ECS, EC2).
    const role = await awsRoleCredentials(env, region ?? profile?.region)
    if (!role.credentials) {
      throw new UsageError(
        `s3:// needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment (and AWS_SESSION_TOKEN for temporary credentials), or a profile in ~/.aws/credentials (AWS_PROFILE), or run where the machine has an AWS role: ${role.note}; --no-sign-request for a public bucket`,
      )
    }
    credentials = role.credentials
  }
  return {
    endpoint,
    region: region ?? profile?.region,
    credentials,
    // As the AWS SDKs do: an IP address or localhost cannot carry the bucket as a subdomain.
    pathStyle: flags.pathStyle || (host !== undefined && isIpOrLocalhost(host)),
  }
}

/** Where an oss:// bucket is and how requests to it are signed: one answer for objects and listings. */
export interface OssAccess {
  readonly region: string | undefined
  readonly endpoint: string | undefined
  /** `--cname`: the endpoint is a custom domain bound to the bucket, requests go to it as is. */
  readonly cname: boolean
  /** Undefined under --no-sign-request, and for ali-oss (its factory reads the environment itself). */
  readonly credentials: EnvCredentials | CredentialsProvider | undefined
}

/**
 * The region, endpoint and credentials of oss:// (`OSS_*`, else `ALIBABA_CLOUD_*` from the
 * environment, else the ECS instance RAM role named by `ALIBABA_CLOUD_ECS_METADATA`; none under
 * --no-sign-request), with the combinations OSS cannot serve refused as UsageErrors. Signed
 * requests over fetch — `--transport fetch`, or a listing (`forListing`), which always goes over
 * fetch — need the credentials; ali-oss reads them itself.
 */
export function ossAccess(
  flags: Pick<
    SourceFlags,
    'endpoint' | 'region' | 'transport' | 'requestPayer' | 'noSignRequest' | 'cname'
  >,
  env: Readonly<Record<string, string | undefined>>,
  forListing = false,
): OssAccess {
  const endpoint = flags.endpoint ?? env.OSS_ENDPOINT
  if (flags.cname && endpoint === undefined)
    throw new UsageError('--cname needs --endpoint: the custom domain bound to the bucket')
  const host = hostOf(endpoint)
  const region =
    flags.region ??
    env.OSS_REGION ??
    (endpoint === undefined
      ? alibabaDefaultRegion(env)
      : flags.cname || host === undefined
        ? undefined
        : ossRegionOfHost(host))
  if (region === undefined && endpoint === undefined) {
    throw new UsageError(
      'oss:// needs --region (e.g. cn-hangzhou) or --endpoint (or OSS_REGION / OSS_ENDPOINT, ALIBABA_CLOUD_REGION_ID, or the region_id of an aliyun CLI profile)',
    )
  }
  if (flags.noSignRequest && flags.requestPayer) {
    throw new UsageError(
      '--request-payer needs signed requests: a requester-pays bucket refuses anonymous access',
    )
  }
  // ali-oss always signs: unsigned requests go over fetch.
  if (flags.noSignRequest && flags.transport === 'ali-oss') {
    throw new UsageError('--no-sign-request uses --transport fetch (ali-oss always signs)')
  }
  // A signature names its region, and OSS refuses one for any region but the bucket's: a custom
  // domain or an acceleration endpoint names none (ali-oss would sign for cn-hangzhou).
  if (region === undefined && !flags.noSignRequest && host !== undefined && !isIpOrLocalhost(host))
    throw new UsageError(
      `oss:// with --endpoint ${host} needs --region (the bucket's region, e.g. cn-hangzhou; or OSS_REGION): this endpoint names none, and OSS refuses a signature for any region but the bucket's`,
    )
  const cname = flags.cname === true
  if (flags.noSignRequest || (flags.transport !== 'fetch' && !forListing))
    return { region, endpoint, cname, credentials: undefined }
  const credentials = envCredentials(env, 'OSS') ?? ossCredentialsFromEnv(env)
  if (!credentials) throw new UsageError(OSS_NEEDS_CREDENTIALS)
  return { region, endpoint, cname, credentials }
}

/**
 * The host of an endpoint URL, given with or without a scheme (`oss-cn-hangzhou.aliyuncs.com`);
 * undefined when there is none or it does not parse (the transport says why).
 */
function hostOf(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`)
      .hostname
  } catch {
    return undefined
  }
}

/** `localhost`, `*.localhost`, an IPv4 address or a bracketed IPv6 address. */
export function isIpOrLocalhost(host: string): boolean {
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) ||
    host.startsWith('[')
  )
}

/**
 * `<PREFIX>_ACCESS_KEY_ID` and the secret (+ session token) from the environment, or undefined;
 * for `OSS`, Alibaba Cloud's `ALIBABA_CLOUD_*` trio when no `OSS_*` pair is set.
 */
export function envCredentials(
  env: Readonly<Record<string, string | undefined>>,
  prefix: 'AWS' | 'OSS',
): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  // The same object for every transport of a batch, so signers (keyed by it) are shared.
  let byPrefix = credentialsByEnv.get(env)
  if (!byPrefix) {
    byPrefix = new Map()
    credentialsByEnv.set(env, byPrefix)
  }
  if (!byPrefix.has(prefix)) byPrefix.set(prefix, readCredentials(env, prefix))
  return byPrefix.get(prefix)
}

type EnvCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

const credentialsByEnv = new WeakMap<
  Readonly<Record<string, string | undefined>>,
  Map<'AWS' | 'OSS', EnvCredentials | undefined>
>()

const profilesByEnv = new WeakMap<
  Readonly<Record<string, string | undefined>>,
  Promise<AwsProfile | undefined>
>()

/** The AWS profile, read once per environment: a batch builds a transport per object. */
function awsProfile(
  env: Readonly<Record<string, string | undefined>>,
): Promise<AwsProfile | undefined> {
  let profile = profilesByEnv.get(env)
  if (!profile) {
    profile = import('./aws-profile.ts').then(({ loadAwsProfile }) => loadAwsProfile(env))
    profilesByEnv.set(env, profile)
  }
  return profile
}

const rolesByEnv = new WeakMap<
  Readonly<Record<string, string | undefined>>,
  Promise<AwsRoleLookup>
>()

/** The machine's AWS role credentials, looked up once per environment (a batch asks per object). */
function awsRoleCredentials(
  env: Readonly<Record<string, string | undefined>>,
  region: string | undefined,
): Promise<AwsRoleLookup> {
  let lookup = rolesByEnv.get(env)
  if (!lookup) {
    lookup = import('./aws-role-credentials.ts').then(({ lookUpAwsRoleCredentials }) =>
      lookUpAwsRoleCredentials(env, region),
    )
    rolesByEnv.set(env, lookup)
  }
  return lookup
}

function readCredentials(
  env: Readonly<Record<string, string | undefined>>,
  prefix: 'AWS' | 'OSS',
): EnvCredentials | undefined {
  // The library's names and order (OSS_* before ALIBABA_CLOUD_*), read from the CLI's environment.
  return credentialsFromEnv(
    prefix === 'AWS' ? 'aws' : 'oss',
    (name) => env[name]?.trim() || undefined,
  )
}

/** `make`'s result, made at the first call and returned (or thrown) again at every other. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | { error: unknown } | undefined
  return () => {
    if (made === undefined) {
      try {
        made = { value: make() }
      } catch (error) {
        made = { error }
      }
    }
    if ('error' in made) throw made.error
    return made.value
  }
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string }
}
