import { OptionsError } from '@resumable/core'
import { readEnv } from './env.ts'
import type { Credentials, CredentialsProvider } from './types.ts'

/** Which environment variable family to read credentials from. */
export type CredentialsEnv = 'oss' | 'aws'

type Trio = readonly [id: string, secret: string, token: string]

// Alibaba Cloud's own names come after OSS_*, so a shell that sets both keeps its OSS_* keys.
const ENV_NAMES: Record<CredentialsEnv, readonly Trio[]> = {
  oss: [
    ['OSS_ACCESS_KEY_ID', 'OSS_ACCESS_KEY_SECRET', 'OSS_SESSION_TOKEN'],
    [
      'ALIBABA_CLOUD_ACCESS_KEY_ID',
      'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
      'ALIBABA_CLOUD_SECURITY_TOKEN',
    ],
  ],
  aws: [['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']],
}

/**
 * Credentials from the environment; undefined when unset. `oss`: `OSS_ACCESS_KEY_ID` /
 * `OSS_ACCESS_KEY_SECRET` / `OSS_SESSION_TOKEN`, else `ALIBABA_CLOUD_ACCESS_KEY_ID` /
 * `ALIBABA_CLOUD_ACCESS_KEY_SECRET` / `ALIBABA_CLOUD_SECURITY_TOKEN`; `aws`: the `AWS_*` trio.
 * `read` looks a variable up (trimmed, undefined when empty): the runtime's environment by
 * default, or a given one (a CLI's, a test's).
 *
 * @example
 * credentialsFromEnv('oss', (name) => env[name]?.trim() || undefined)
 */
export function credentialsFromEnv(
  family: CredentialsEnv,
  read: (name: string) => string | undefined = readEnv,
): Credentials | undefined {
  for (const [idName, secretName, tokenName] of ENV_NAMES[family]) {
    const accessKeyId = read(idName)
    const secretAccessKey = read(secretName)
    if (!accessKeyId || !secretAccessKey) continue
    const sessionToken = read(tokenName)
    return sessionToken
      ? { accessKeyId, secretAccessKey, sessionToken }
      : { accessKeyId, secretAccessKey }
  }
  return undefined
}

/** Resolves the credentials option (value, provider or environment) to a provider; throws OptionsError when there are none. */
export function credentialSource(
  given: Credentials | CredentialsProvider | undefined,
  families: readonly CredentialsEnv[],
): CredentialsProvider {
  if (typeof given === 'function') return async () => checked(await given())
  if (given !== undefined) {
    const value = checked(given)
    return () => value
  }
  for (const family of families) {
    const found = credentialsFromEnv(family)
    if (found) return () => found
  }
  const names = families
    .flatMap((f) => ENV_NAMES[f].map((trio) => trio.slice(0, 2).join(' + ')))
    .join(', or ')
  throw new OptionsError(
    'credentials',
    `no credentials given and none in the environment (set ${names}; or pass anonymous: true for public objects)`,
  )
}

// Printable ASCII without spaces: anything else breaks (or smuggles into) a header.
const TOKEN_CHARS = /^[\x21-\x7e]+$/

function checked(c: Credentials): Credentials {
  // Never echo the values: only say which field is wrong.
  if (typeof c !== 'object' || c === null) {
    throw new OptionsError('credentials', 'must be an object or a function returning one')
  }
  for (const field of ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const) {
    const value = c[field]
    if ((value === undefined || value === '') && field === 'sessionToken') continue
    if (typeof value !== 'string' || !TOKEN_CHARS.test(value)) {
      throw new OptionsError(
        'credentials',
        `${field} must be a non-empty string of printable characters without spaces`,
      )
    }
  }
  return c
}
