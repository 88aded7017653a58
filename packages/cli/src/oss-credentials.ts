import { readFile } from 'node:fs/promises'
import { OptionsError } from '@resumable/core'
import {
  type CredentialsProvider,
  ecsRamRoleCredentials,
  oidcRoleCredentials,
} from '@resumable/transport-fetch'
import { UsageError } from './command-line.ts'

type Env = Readonly<Record<string, string | undefined>>

/** Why oss:// has no credentials, and every way to give it some. */
export const OSS_NEEDS_CREDENTIALS =
  'oss:// needs credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (or ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET) in the environment (and OSS_SESSION_TOKEN or ALIBABA_CLOUD_SECURITY_TOKEN for STS), or a RAM role to assume with an OIDC token (RRSA: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE), or on an ECS instance ALIBABA_CLOUD_ECS_METADATA=<name of its RAM role>; --no-sign-request for a public-read bucket'

const OIDC_VARIABLES = [
  'ALIBABA_CLOUD_ROLE_ARN',
  'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
  'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
] as const

const rolesByEnv = new WeakMap<Env, CredentialsProvider | undefined>()

/**
 * The RAM role the environment sets up when it has no keys, in the order of Alibaba's default
 * credentials chain: a role assumed with an OIDC token (RRSA), else the ECS instance role.
 * One provider per environment, so a batch's objects share its cache.
 */
export function ossRoleFromEnv(env: Env): CredentialsProvider | undefined {
  if (rolesByEnv.has(env)) return rolesByEnv.get(env)
  const provider = oidcRoleFromEnv(env) ?? ecsRoleFromEnv(env)
  rolesByEnv.set(env, provider)
  return provider
}

/**
 * RRSA as ACK's webhook sets it up: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and
 * ALIBABA_CLOUD_OIDC_TOKEN_FILE (all three, or a UsageError naming the missing ones), with
 * ALIBABA_CLOUD_ROLE_SESSION_NAME, ALIBABA_CLOUD_STS_ENDPOINT, ALIBABA_CLOUD_STS_REGION and
 * ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED when set. The token file is read again at each renewal.
 */
function oidcRoleFromEnv(env: Env): CredentialsProvider | undefined {
  const [roleArn, oidcProviderArn, tokenFile] = OIDC_VARIABLES.map((name) => env[name]?.trim())
  if (!roleArn && !oidcProviderArn && !tokenFile) return undefined
  if (!roleArn || !oidcProviderArn || !tokenFile) {
    const missing = OIDC_VARIABLES.filter((name) => !env[name]?.trim())
    throw new UsageError(
      `a RAM role assumed with an OIDC token (RRSA) needs ${OIDC_VARIABLES.join(', ')}: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`,
    )
  }
  const sessionName = env.ALIBABA_CLOUD_ROLE_SESSION_NAME?.trim()
  const endpoint = env.ALIBABA_CLOUD_STS_ENDPOINT?.trim()
  const region = env.ALIBABA_CLOUD_STS_REGION?.trim()
  try {
    return oidcRoleCredentials({
      roleArn,
      oidcProviderArn,
      oidcToken: () => readFile(tokenFile, 'utf8'),
      ...(sessionName ? { roleSessionName: sessionName } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
      vpc: isTrue(env.ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED),
    })
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error
    throw new UsageError(`${OIDC_ENV_NAMES[error.option] ?? error.option}: ${error.message}`)
  }
}

/** Which variable each of oidcRoleCredentials' options came from, for its refusals. */
const OIDC_ENV_NAMES: Readonly<Record<string, string>> = {
  roleArn: 'ALIBABA_CLOUD_ROLE_ARN',
  oidcProviderArn: 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
  roleSessionName: 'ALIBABA_CLOUD_ROLE_SESSION_NAME',
  endpoint: 'ALIBABA_CLOUD_STS_ENDPOINT',
  region: 'ALIBABA_CLOUD_STS_REGION',
}

/**
 * The ECS instance RAM role named by `ALIBABA_CLOUD_ECS_METADATA` (as Alibaba's credentials SDKs
 * read it), unless `ALIBABA_CLOUD_ECS_METADATA_DISABLED`; `ALIBABA_CLOUD_IMDSV1_DISABLED` requires
 * hardened mode; `ALIBABA_CLOUD_IMDS_ENDPOINT` moves the metadata server (tests). Without the name
 * the metadata server is not asked: off ECS that would cost a timeout before every "needs
 * credentials" refusal.
 */
function ecsRoleFromEnv(env: Env): CredentialsProvider | undefined {
  const roleName = env.ALIBABA_CLOUD_ECS_METADATA?.trim()
  if (!roleName || isTrue(env.ALIBABA_CLOUD_ECS_METADATA_DISABLED)) return undefined
  return ecsRamRoleCredentials({
    roleName,
    imdsV1Fallback: !isTrue(env.ALIBABA_CLOUD_IMDSV1_DISABLED),
    ...metadataEndpoint(env),
  })
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

/** `true` or `1`, in any case, as the credentials SDKs read their switches. */
function isTrue(value: string | undefined): boolean {
  const v = value?.trim().toLowerCase()
  return v === 'true' || v === '1'
}
