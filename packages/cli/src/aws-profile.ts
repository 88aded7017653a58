import { join } from 'node:path'
import type { Credentials, CredentialsProvider } from '@resumable/transport-fetch'
import {
  type AwsConfigSection,
  awsConfigPath,
  awsHome,
  awsProfileName,
  readAwsConfigFile,
  readAwsCredentialsFile,
} from './aws-config-file.ts'
import { UsageError } from './usage-error.ts'

/** What the shared AWS files say about one profile. */
export interface AwsProfile {
  /** The profile's name (`AWS_PROFILE`, or `default`). */
  readonly name: string
  /**
   * Credentials from the AWS SDK's own INI provider, imported when first asked; undefined when
   * the profile holds none.
   */
  readonly credentials: CredentialsProvider | undefined
  /** `region` from `~/.aws/config` (or the credentials file). */
  readonly region: string | undefined
}

type Env = Readonly<Record<string, string | undefined>>

// Any of these makes fromIni able to produce credentials: static keys, credential_process, SSO,
// role assumption, web identity, `aws login`.
const CREDENTIAL_KEYS = [
  'aws_access_key_id',
  'credential_process',
  'sso_session',
  'sso_start_url',
  'role_arn',
  'web_identity_token_file',
  'login_session',
]

// Refresh temporary credentials this long before they expire, as the AWS SDKs do.
const REFRESH_MARGIN_MS = 5 * 60_000

/**
 * Reads `AWS_PROFILE` (default `default`) from `~/.aws/credentials` and `~/.aws/config` (or
 * `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE`), resolving credentials with the AWS SDK's
 * `fromIni` (static keys, `credential_process`, SSO, assumed roles). Undefined when neither file
 * names the profile; a UsageError when `AWS_PROFILE` names one that does not exist.
 *
 * The files are read with our own parser, so learning the region costs well under a millisecond;
 * the SDK's provider (0.1-0.3 s to import) is imported only when its credentials are asked for.
 */
export async function loadAwsProfile(env: Env): Promise<AwsProfile | undefined> {
  const filepath = env.AWS_SHARED_CREDENTIALS_FILE || join(awsHome(env), '.aws', 'credentials')
  const configFilepath = awsConfigPath(env)
  const name = awsProfileName(env)
  const fromCredentials = holding(credentialsIfReadable(filepath)?.get(name))
  const fromConfig = holding(readAwsConfigFile(configFilepath)?.profiles.get(name))
  if (fromCredentials === undefined && fromConfig === undefined) {
    if (env.AWS_PROFILE) {
      throw new UsageError(`AWS_PROFILE "${name}" is in neither ${filepath} nor ${configFilepath}`)
    }
    return undefined
  }
  // The credentials file decides over the config file, setting by setting, as in the AWS SDKs.
  const written = new Set([...(fromConfig?.written ?? []), ...(fromCredentials?.written ?? [])])
  const hasCredentials = CREDENTIAL_KEYS.some((k) => written.has(k))
  return {
    name,
    region: fromCredentials?.settings.get('region') ?? fromConfig?.settings.get('region'),
    credentials: hasCredentials
      ? cached(async () => {
          const { fromIni } = await import('@aws-sdk/credential-provider-ini')
          return fromIni({ profile: name, filepath, configFilepath, ignoreCache: true })()
        })
      : undefined,
  }
}

/**
 * The credentials file's profiles, or undefined when it cannot be read (a directory, no read
 * permission): the AWS SDKs skip such a file, and a download whose keys come from elsewhere (the
 * environment, a role) must not fail for it.
 */
function credentialsIfReadable(path: string): ReturnType<typeof readAwsCredentialsFile> {
  try {
    return readAwsCredentialsFile(path)
  } catch (error) {
    if (error instanceof UsageError) return undefined
    throw error
  }
}

/** The section when it holds a setting: the AWS SDK for JavaScript drops an empty one. */
function holding(section: AwsConfigSection | undefined): AwsConfigSection | undefined {
  return section !== undefined && section.settings.size + section.nested.size > 0
    ? section
    : undefined
}

/**
 * Wraps an AWS SDK credential provider: asked once (concurrent parts share the answer), and again
 * near expiry or after a failure.
 */
export function cached(
  provider: () => Promise<{
    accessKeyId: string
    secretAccessKey: string
    sessionToken?: string
    expiration?: Date
  }>,
): CredentialsProvider {
  let settled: { credentials: Credentials; expiresAt: number } | undefined
  let pending: Promise<{ credentials: Credentials; expiresAt: number }> | undefined
  return async () => {
    if (settled !== undefined && settled.expiresAt > Date.now()) return settled.credentials
    pending ??= provider()
      .then((c) => ({
        credentials: c.sessionToken
          ? {
              accessKeyId: c.accessKeyId,
              secretAccessKey: c.secretAccessKey,
              sessionToken: c.sessionToken,
            }
          : { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
        expiresAt: c.expiration ? c.expiration.getTime() - REFRESH_MARGIN_MS : Infinity,
      }))
      .finally(() => {
        pending = undefined
      })
    settled = await pending
    return settled.credentials
  }
}
