import type { FoundProfile, ProfileSession, ProfileSource } from './alibaba-profile-source.ts'
import { defined, readIfThere } from './alibaba-profile-source.ts'
import { UsageError } from './usage-error.ts'

/** One entry of config.json's `profiles`: snake_case fields, which ones depend on `mode`. */
interface CliProfile {
  readonly [field: string]: unknown
}

/**
 * The aliyun CLI's profile `wanted` (else its `current` one) from its config.json, as `aliyun
 * configure` writes it; undefined when the file or the profile is not there.
 */
export function aliyunCliProfile(
  path: string,
  wanted: string | undefined,
): FoundProfile | undefined {
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

/** `{ key: value }` when value is a positive number, else nothing. */
function positive<K extends string>(key: K, value: unknown): { [P in K]?: number } {
  return (typeof value === 'number' && value > 0 ? { [key]: value } : {}) as { [P in K]?: number }
}
