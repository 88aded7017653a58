import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Env, FoundProfile } from './alibaba-profile-source.ts'
import { aliyunCliProfile } from './aliyun-cli-profile.ts'
import { credentialsFileProfile } from './credentials-file-profile.ts'
import { UsageError } from './usage-error.ts'

export type { FoundProfile, ProfileSession, ProfileSource } from './alibaba-profile-source.ts'

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
  const looked: string[] = []
  if (!isTrue(env.ALIBABA_CLOUD_CLI_PROFILE_DISABLED)) {
    const config = join(home, '.aliyun', 'config.json')
    looked.push(config)
    const found = aliyunCliProfile(config, wanted)
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
  looked.push(file)
  if (wanted)
    throw new UsageError(
      `ALIBABA_CLOUD_PROFILE names "${wanted}", but no profile of that name is in ${looked.join(' or ')}`,
    )
  return undefined
}

/** `true` or `1`, in any case, as the credentials SDKs read their switches. */
export function isTrue(value: string | undefined): boolean {
  const v = value?.trim().toLowerCase()
  return v === 'true' || v === '1'
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
