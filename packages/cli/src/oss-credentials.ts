import { readFile } from 'node:fs/promises'
import { OptionsError } from '@resumable/core'
import {
  type CredentialsProvider,
  credentialsUriCredentials,
  ecsRamRoleCredentials,
  oidcRoleCredentials,
  ramRoleArnCredentials,
} from '@resumable/transport-fetch'
import { findAlibabaProfile, isTrue, type ProfileSource } from './alibaba-profiles.ts'
import { UsageError } from './usage-error.ts'

type Env = Readonly<Record<string, string | undefined>>

/** Why oss:// has no credentials, and every way to give it some. */
export const OSS_NEEDS_CREDENTIALS =
  'oss:// needs credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (or ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET) in the environment (and OSS_SESSION_TOKEN or ALIBABA_CLOUD_SECURITY_TOKEN for STS), or a RAM role to assume with an OIDC token (RRSA: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE), or a profile of `aliyun configure` (~/.aliyun/config.json) or of ~/.alibabacloud/credentials (ALIBABA_CLOUD_PROFILE picks one), or on an ECS instance ALIBABA_CLOUD_ECS_METADATA=<name of its RAM role>, or ALIBABA_CLOUD_CREDENTIALS_URI; --no-sign-request for a public-read bucket'

const OIDC_VARIABLES = [
  'ALIBABA_CLOUD_ROLE_ARN',
  'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
  'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
] as const

const providersByEnv = new WeakMap<Env, CredentialsProvider | undefined>()

/**
 * Where oss:// credentials come from when the environment holds no keys, in the order of Alibaba
 * Cloud's default credentials chain: a role assumed with an OIDC token (RRSA), else a profile
 * (the aliyun CLI's, else the credentials file's), else the ECS instance role, else
 * `ALIBABA_CLOUD_CREDENTIALS_URI`. One provider per environment, so a batch's objects share its
 * cache.
 */
export function ossCredentialsFromEnv(env: Env): CredentialsProvider | undefined {
  if (providersByEnv.has(env)) return providersByEnv.get(env)
  const oidc = oidcRoleFromEnv(env)
  const profile = oidc ? undefined : findAlibabaProfile(env)
  const machine = oidc || profile ? undefined : (ecsRoleFromEnv(env) ?? uriFromEnv(env))
  const chosen = oidc ?? profile?.source ?? machine
  const provider = chosen && providerOf(chosen, env, profile?.name)
  providersByEnv.set(env, provider)
  return provider
}

/**
 * RRSA as ACK's webhook sets it up: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and
 * ALIBABA_CLOUD_OIDC_TOKEN_FILE (all three, or a UsageError naming the missing ones), with
 * ALIBABA_CLOUD_ROLE_SESSION_NAME, ALIBABA_CLOUD_STS_ENDPOINT, ALIBABA_CLOUD_STS_REGION and
 * ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED when set.
 */
function oidcRoleFromEnv(env: Env): ProfileSource | undefined {
  const [roleArn, oidcProviderArn, oidcTokenFile] = OIDC_VARIABLES.map((name) => env[name]?.trim())
  if (!roleArn && !oidcProviderArn && !oidcTokenFile) return undefined
  if (!roleArn || !oidcProviderArn || !oidcTokenFile) {
    const missing = OIDC_VARIABLES.filter((name) => !env[name]?.trim())
    throw new UsageError(
      `a RAM role assumed with an OIDC token (RRSA) needs ${OIDC_VARIABLES.join(', ')}: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`,
    )
  }
  const sessionName = env.ALIBABA_CLOUD_ROLE_SESSION_NAME?.trim()
  const endpoint = env.ALIBABA_CLOUD_STS_ENDPOINT?.trim()
  const region = env.ALIBABA_CLOUD_STS_REGION?.trim()
  return {
    kind: 'oidc-role',
    roleArn,
    oidcProviderArn,
    oidcTokenFile,
    ...(sessionName ? { roleSessionName: sessionName } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    vpc: isTrue(env.ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED),
  }
}

/**
 * The ECS instance RAM role named by `ALIBABA_CLOUD_ECS_METADATA` (as Alibaba's credentials SDKs
 * read it), unless `ALIBABA_CLOUD_ECS_METADATA_DISABLED`. Without the name the metadata server is
 * not asked: off ECS that would cost a timeout before every "needs credentials" refusal.
 */
function ecsRoleFromEnv(env: Env): ProfileSource | undefined {
  const roleName = env.ALIBABA_CLOUD_ECS_METADATA?.trim()
  if (!roleName || isTrue(env.ALIBABA_CLOUD_ECS_METADATA_DISABLED)) return undefined
  return { kind: 'ecs-role', roleName }
}

/** `ALIBABA_CLOUD_CREDENTIALS_URI`: a URL of the user's own that answers STS credentials. */
function uriFromEnv(env: Env): ProfileSource | undefined {
  const uri = env.ALIBABA_CLOUD_CREDENTIALS_URI?.trim()
  return uri ? { kind: 'uri', uri } : undefined
}

/**
 * The provider for `source`. The ECS role honours `ALIBABA_CLOUD_IMDSV1_DISABLED` (hardened mode
 * required) and `ALIBABA_CLOUD_IMDS_ENDPOINT` (tests); an OIDC token file is read again at each
 * renewal. A bad setting is a UsageError naming where it came from: the `profile`, else the
 * environment variable.
 */
function providerOf(source: ProfileSource, env: Env, profile?: string): CredentialsProvider {
  try {
    switch (source.kind) {
      case 'keys': {
        const { kind: _, ...keys } = source
        return () => keys
      }
      case 'ecs-role':
        return ecsRamRoleCredentials({
          roleName: source.roleName,
          imdsV1Fallback: !isTrue(env.ALIBABA_CLOUD_IMDSV1_DISABLED),
          ...metadataEndpoint(env),
        })
      case 'uri':
        return credentialsUriCredentials({ uri: source.uri })
      case 'assume-role': {
        const { kind: _, signer, ...session } = source
        return ramRoleArnCredentials({ credentials: providerOf(signer, env, profile), ...session })
      }
      case 'oidc-role': {
        const { kind: _, oidcTokenFile, ...session } = source
        return oidcRoleCredentials({ ...session, oidcToken: () => readFile(oidcTokenFile, 'utf8') })
      }
    }
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error
    const variable = profile ? undefined : ENV_NAMES[source.kind]?.[error.option]
    throw new UsageError(`${profile ?? variable ?? 'ALIBABA_CLOUD_*'}: ${error.message}`)
  }
}

/** Which variable each option came from when the environment set the source up, for its refusals. */
const ENV_NAMES: Partial<Record<ProfileSource['kind'], Readonly<Record<string, string>>>> = {
  'oidc-role': {
    roleArn: 'ALIBABA_CLOUD_ROLE_ARN',
    oidcProviderArn: 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
    roleSessionName: 'ALIBABA_CLOUD_ROLE_SESSION_NAME',
    endpoint: 'ALIBABA_CLOUD_STS_ENDPOINT',
    region: 'ALIBABA_CLOUD_STS_REGION',
  },
  'ecs-role': { endpoint: 'ALIBABA_CLOUD_IMDS_ENDPOINT' },
  uri: { uri: 'ALIBABA_CLOUD_CREDENTIALS_URI' },
}

function metadataEndpoint(env: Env): { endpoint?: string } {
  const endpoint = env.ALIBABA_CLOUD_IMDS_ENDPOINT?.trim()
  if (!endpoint) return {}
  if (!/^https?:\/\/[^/@]+\/?$/.test(endpoint))
    throw new UsageError(
      "ALIBABA_CLOUD_IMDS_ENDPOINT must be the metadata server's origin, such as http://100.100.100.200",
    )
  return { endpoint }
}
