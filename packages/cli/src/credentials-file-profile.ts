import type { FoundProfile } from './alibaba-profile-source.ts'
import { defined, readIfThere } from './alibaba-profile-source.ts'
import { UsageError } from './usage-error.ts'

/** Section `name` of the INI credentials file (Alibaba Cloud's credentials SDKs' format). */
export function credentialsFileProfile(
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
