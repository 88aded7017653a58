import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from './command-line.ts'

type Env = Readonly<Record<string, string | undefined>>

/** STS settings a profile may give a role it assumes. */
export interface ProfileSession {
  readonly roleSessionName?: string
  readonly durationSeconds?: number
  readonly region?: string
  readonly endpoint?: string
  readonly vpc?: boolean
}

/** Where a profile's credentials come from; `oss-credentials.ts` turns it into a provider. */
export type ProfileSource =
  | {
      readonly kind: 'keys'
      readonly accessKeyId: string
      readonly secretAccessKey: string
      readonly sessionToken?: string
    }
  | { readonly kind: 'ecs-role'; readonly roleName: string }
  | { readonly kind: 'uri'; readonly uri: string }
  | ({
      readonly kind: 'assume-role'
      readonly signer: ProfileSource
      readonly roleArn: string
      readonly externalId?: string
    } & ProfileSession)
  | ({
      readonly kind: 'oidc-role'
      readonly roleArn: string
      readonly oidcProviderArn: string
      readonly oidcTokenFile: string
    } & ProfileSession)

/** A profile found, named for messages (`profile "dev" of ~/.aliyun/config.json`). */
export interface FoundProfile {
  readonly name: string
  readonly source: ProfileSource
  /** The aliyun CLI profile's `region_id`, when it has one. */
  readonly region?: string
}

/**
 * The profile Alibaba Cloud's credentials chain would use after the environment: the aliyun CLI's
 * (`~/.aliyun/config.json`: `ALIBABA_CLOUD_PROFILE`, else its `current`; off with
 * `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`), else the credentials file
 * (`ALIBABA_CLOUD_CREDENTIALS_FILE`, else `~/.alibabacloud/credentials`: `ALIBABA_CLOUD_PROFILE`,
 * else `default`). Undefined when neither file has one; a UsageError, naming the file and the
 * profile but never a secret, when the profile asked for is missing or cannot be used.
 */
export function findAlibabaProfile(env: Env): FoundProfile | undefined {
  const wanted = env.ALIBABA_CLOUD_PROFILE?.trim() || undefined
  const home = env.HOME || env.USERPROFILE || homedir()
  if (!isTrue(env.ALIBABA_CLOUD_CLI_PROFILE_DISABLED)) {
    const found = cliProfile(join(home, '.aliyun', 'config.json'), wanted)
    if (found) return found
  }
  const file =
    env.ALIBABA_CLOUD_CREDENTIALS_FILE?.trim() || join(home, '.alibabacloud', 'credentials')
  const found = credentialsFileProfile(
    file,
    wanted ?? 'default',
    env.ALIBABA_CLOUD_CREDENTIALS_FILE !== undefined,
  )
  if (found) return found
  if (wanted)
    throw new UsageError(
      `ALIBABA_CLOUD_PROFILE names "${wanted}", but neither ~/.aliyun/config.json nor ${file} has a profile of that name`,
    )
  return undefined
}

interface CliProfile {
  readonly [field: string]: unknown
}

/** The aliyun CLI's profile `wanted` (else its current one) from its config.json. */
function cliProfile(path: string, wanted: string | undefined): FoundProfile | undefined {
  const text = readIfThere(path)
  if (text === undefined) return undefined
  let config: { current?: unknown; profiles?: unknown }
  try {
    config = JSON.parse(text) as typeof config
  } catch {
    throw new UsageError(
      `${path} is not JSON: fix it with \`aliyun configure\`, or set ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`,
    )
  }
  const profiles = Array.isArray(config?.profiles) ? (config.profiles as CliProfile[]) : []
  const name =
    wanted ?? (typeof config.current === 'string' && config.current ? config.current : 'default')
  const byName = (n: string): CliProfile | undefined => profiles.find((p) => p?.name === n)
  const profile = byName(name)
  if (!profile) return undefined
  const where = `profile "${name}" of ${path}`
  const region = typeof profile.region_id === 'string' ? profile.region_id.trim() : ''
  return {
    name: where,
    source: cliSource(profile, where, byName, new Set([name])),
    ...(region ? { region } : {}),
  }
}

function cliSource(
  p: CliProfile,
  where: string,
  byName: (name: string) => CliProfile | undefined,
  seen: Set<string>,
): ProfileSource {
  const field = (name: string): string | undefined =>
    typeof p[name] === 'string' && (p[name] as string).trim() !== ''
      ? (p[name] as string).trim()
      : undefined
  const need = (name: string): string => {
    const value = field(name)
    if (value === undefined)
      throw new UsageError(`${where} (mode ${String(p.mode)}) has no ${name}`)
    return value
  }
  const session = (): ProfileSession => ({
    ...defined('roleSessionName', field('ram_session_name')),
    ...positive('durationSeconds', p.expired_seconds ?? p.duration_seconds),
    ...defined('region', field('sts_region')),
    ...defined('endpoint', field('sts_endpoint')),
    ...(p.enable_vpc === true ? { vpc: true } : {}),
  })
  switch (p.mode) {
    case 'AK':
      return {
        kind: 'keys',
        accessKeyId: need('access_key_id'),
        secretAccessKey: need('access_key_secret'),
      }
    case 'StsToken':
      return {
        kind: 'keys',
        accessKeyId: need('access_key_id'),
        secretAccessKey: need('access_key_secret'),
        sessionToken: need('sts_token'),
      }
    case 'EcsRamRole':
      return { kind: 'ecs-role', roleName: need('ram_role_name') }
    case 'RamRoleArn':
      return {
        kind: 'assume-role',
        signer: {
          kind: 'keys',
          accessKeyId: need('access_key_id'),
          secretAccessKey: need('access_key_secret'),
        },
        roleArn: need('ram_role_arn'),
        ...defined('externalId', field('external_id')),
        ...session(),
      }
    case 'ChainableRamRoleArn': {
      const sourceName = need('source_profile')
      const source = byName(sourceName)
      if (!source || seen.has(sourceName))
        throw new UsageError(
          `${where}: its source_profile "${sourceName}" is ${source ? 'part of a loop' : 'not in the file'}`,
        )
      return {
        kind: 'assume-role',
        signer: cliSource(
          source,
          `${where} → profile "${sourceName}"`,
          byName,
          new Set([...seen, sourceName]),
        ),
        roleArn: need('ram_role_arn'),
        ...defined('externalId', field('external_id')),
        ...session(),
      }
    }
    case 'CredentialsURI':
      return { kind: 'uri', uri: need('credentials_uri') }
    case 'OIDC':
      return {
        kind: 'oidc-role',
        roleArn: need('ram_role_arn'),
        oidcProviderArn: need('oidc_provider_arn'),
        oidcTokenFile: need('oidc_token_file'),
        ...session(),
      }
    default:
      throw new UsageError(
        `${where} has mode ${JSON.stringify(p.mode)}, which resumable cannot use (it reads AK, StsToken, RamRoleArn, ChainableRamRoleArn, EcsRamRole, OIDC and CredentialsURI): choose another with ALIBABA_CLOUD_PROFILE, or set ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`,
      )
  }
}

/** Section `name` of the INI credentials file (Alibaba Cloud's credentials SDKs' format). */
function credentialsFileProfile(
  path: string,
  name: string,
  named: boolean,
): FoundProfile | undefined {
  const text = readIfThere(path)
  if (text === undefined) {
    if (named) throw new UsageError(`ALIBABA_CLOUD_CREDENTIALS_FILE "${path}" cannot be read`)
    return undefined
  }
  const section = iniSection(text, name)
  if (!section) return undefined
  const where = `profile "${name}" of ${path}`
  const need = (key: string): string => {
    const value = section[key]
    if (!value) throw new UsageError(`${where} (type ${section.type ?? 'none'}) has no ${key}`)
    return value
  }
  switch (section.type) {
    case 'access_key':
      return {
        name: where,
        source: {
          kind: 'keys',
          accessKeyId: need('access_key_id'),
          secretAccessKey: need('access_key_secret'),
        },
      }
    case 'ecs_ram_role':
      return { name: where, source: { kind: 'ecs-role', roleName: need('role_name') } }
    case 'ram_role_arn':
      return {
        name: where,
        source: {
          kind: 'assume-role',
          signer: {
            kind: 'keys',
            accessKeyId: need('access_key_id'),
            secretAccessKey: need('access_key_secret'),
          },
          roleArn: need('role_arn'),
          ...defined('roleSessionName', section.role_session_name),
        },
      }
    default:
      throw new UsageError(
        `${where} has type ${JSON.stringify(section.type ?? '')}, which resumable cannot use (it reads access_key, ecs_ram_role and ram_role_arn)`,
      )
  }
}

/** `key = value` lines of `[name]`, `#` and `;` comments skipped; undefined when there is no such section. */
function iniSection(text: string, name: string): Record<string, string> | undefined {
  let current: string | undefined
  let found: Record<string, string> | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header) {
      current = header[1]?.trim()
      if (current === name) found ??= {}
      continue
    }
    const eq = line.indexOf('=')
    if (current === name && found && eq > 0)
      found[line.slice(0, eq).trim()] = line.slice(eq + 1).trim()
  }
  return found
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new UsageError(`${path} cannot be read (${code ?? 'unreadable'})`)
  }
}

/** `true` or `1`, in any case, as the credentials SDKs read their switches. */
export function isTrue(value: string | undefined): boolean {
  const v = value?.trim().toLowerCase()
  return v === 'true' || v === '1'
}

function defined<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string }
}

function positive<K extends string>(key: K, value: unknown): { [P in K]?: number } {
  return (typeof value === 'number' && value > 0 ? { [key]: value } : {}) as { [P in K]?: number }
}

/**
 * The region an Alibaba Cloud user has already chosen: `ALIBABA_CLOUD_REGION_ID`, else the
 * `region_id` of the aliyun CLI profile in use. A profile that cannot be read gives none here: it
 * is refused only where its credentials are needed.
 */
export function alibabaDefaultRegion(env: Env): string | undefined {
  const fromEnv = env.ALIBABA_CLOUD_REGION_ID?.trim()
  if (fromEnv) return fromEnv
  try {
    return findAlibabaProfile(env)?.region
  } catch (error) {
    if (error instanceof UsageError) return undefined
    throw error
  }
}
