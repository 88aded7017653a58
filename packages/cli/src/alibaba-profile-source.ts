import { readFileSync } from 'node:fs'
import { UsageError } from './usage-error.ts'

/** What the profile readers share: the environment, the shapes they return, a tolerant file read. */
export type Env = Readonly<Record<string, string | undefined>>

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

/** The file's text; undefined when there is no such file. Any other failure is a UsageError. */
export function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new UsageError(`${path} cannot be read (${code ?? 'unreadable'})`)
  }
}

/** `{ key: value }` when value is a non-empty string, else nothing. */
export function defined<K extends string>(
  key: K,
  value: string | undefined,
): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string }
}
