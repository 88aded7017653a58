import type { Transport } from '@resumable/core'
import type { CredentialsProvider } from '@resumable/transport-fetch'
import { OSS_NEEDS_CREDENTIALS, ossCredentialsFromEnv } from './oss-credentials.ts'
import { type AliOssFactory, envCredentials, type SourceFlags } from './sources.ts'
import { UsageError } from './usage-error.ts'

/**
 * ali-oss's default `refreshSTSTokenInterval`: how often it asks `refreshSTSToken` again. The
 * roles' providers renew 15 minutes before expiry, so keys are never used closer to it than 10.
 */
const STS_REFRESH_INTERVAL_MS = 5 * 60_000

/**
 * Builds an ali-oss client and transport from flags and the environment's OSS_* (else
 * ALIBABA_CLOUD_*) keys, else the rest of Alibaba Cloud's chain (RRSA's OIDC role, a profile, the
 * ECS instance role); ali-oss loads only when used.
 */
export function aliOssFactory(env: Readonly<Record<string, string | undefined>>): AliOssFactory {
  return async (source, flags: SourceFlags): Promise<Transport> => {
    const keys = envCredentials(env, 'OSS')
    const role = keys ? undefined : ossCredentialsFromEnv(env)
    if (!keys && !role) throw new UsageError(OSS_NEEDS_CREDENTIALS)
    // ali-oss's constructor wants keys: the provider's first ones, renewed through refreshSTSToken
    // (which ali-oss calls only for keys with a token).
    const first = keys ?? (await (role as CredentialsProvider)())
    const [{ default: OSS }, { createAliOssTransport }] = await Promise.all([
      import('ali-oss') as unknown as Promise<{
        default: new (options: Record<string, unknown>) => unknown
      }>,
      import('@resumable/transport-ali-oss'),
    ])
    const endpoint = flags.endpoint
    const client = new OSS({
      bucket: source.bucket,
      accessKeyId: first.accessKeyId,
      accessKeySecret: first.secretAccessKey,
      ...(first.sessionToken ? { stsToken: first.sessionToken } : {}),
      // Without either refresh option, ali-oss's constructor prints a console.warn about them,
      // which breaks --quiet and the --json event stream. The interval is read only when
      // `refreshSTSToken` is a function: for the environment's token it is not (used as given),
      // and the interval is only ali-oss's own default, so nothing changes but the silence.
      ...(first.sessionToken ? { refreshSTSTokenInterval: STS_REFRESH_INTERVAL_MS } : {}),
      ...(role ? { refreshSTSToken: () => aliOssKeys(role) } : {}),
      ...(flags.region
        ? { region: flags.region.startsWith('oss-') ? flags.region : `oss-${flags.region}` }
        : {}),
      // A host given without a scheme means https, as for the fetch transport (ali-oss would
      // prepend http:// to it unless told secure).
      ...(endpoint ? { endpoint, secure: !endpoint.startsWith('http:') } : { secure: true }),
      ...(flags.cname ? { cname: true } : {}),
      authorizationV4: true,
      retryMax: 0,
    })
    return createAliOssTransport(
      client as Parameters<typeof createAliOssTransport>[0],
      source.key,
      {
        ...(flags.versionId ? { versionId: flags.versionId } : {}),
        ...(flags.requestPayer ? { requestPayer: true } : {}),
        ...(flags.trafficLimit === undefined ? {} : { trafficLimit: flags.trafficLimit }),
      },
    )
  }
}

/** The role's current keys in the shape ali-oss's `refreshSTSToken` must return. */
async function aliOssKeys(
  role: CredentialsProvider,
): Promise<{ accessKeyId: string; accessKeySecret: string; stsToken: string | undefined }> {
  const c = await role()
  return {
    accessKeyId: c.accessKeyId,
    accessKeySecret: c.secretAccessKey,
    stsToken: c.sessionToken,
  }
}
