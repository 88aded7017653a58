import { type CredentialsProvider, ecsRamRoleCredentials } from '@resumable/transport-fetch'
import { UsageError } from './command-line.ts'

type Env = Readonly<Record<string, string | undefined>>

/** Why oss:// has no credentials, and every way to give it some. */
export const OSS_NEEDS_CREDENTIALS =
  'oss:// needs credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (or ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET) in the environment (and OSS_SESSION_TOKEN or ALIBABA_CLOUD_SECURITY_TOKEN for STS), or on an ECS instance ALIBABA_CLOUD_ECS_METADATA=<name of its RAM role>; --no-sign-request for a public-read bucket'

const rolesByEnv = new WeakMap<Env, CredentialsProvider | undefined>()

/**
 * The ECS instance RAM role named by `ALIBABA_CLOUD_ECS_METADATA` (as Alibaba's credentials SDKs
 * read it), unless `ALIBABA_CLOUD_ECS_METADATA_DISABLED`; `ALIBABA_CLOUD_IMDSV1_DISABLED` requires
 * hardened mode; `ALIBABA_CLOUD_IMDS_ENDPOINT` moves the metadata server (tests). Without the name
 * the metadata server is not asked: off ECS that would cost a timeout before every "needs
 * credentials" refusal. One provider per environment, so a batch's objects share its cache.
 */
export function ecsRoleFromEnv(env: Env): CredentialsProvider | undefined {
  if (rolesByEnv.has(env)) return rolesByEnv.get(env)
  const roleName = env.ALIBABA_CLOUD_ECS_METADATA?.trim()
  const provider =
    !roleName || isTrue(env.ALIBABA_CLOUD_ECS_METADATA_DISABLED)
      ? undefined
      : ecsRamRoleCredentials({
          roleName,
          imdsV1Fallback: !isTrue(env.ALIBABA_CLOUD_IMDSV1_DISABLED),
          ...metadataEndpoint(env),
        })
  rolesByEnv.set(env, provider)
  return provider
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
