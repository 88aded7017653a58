import { homedir } from 'node:os'
import { join } from 'node:path'
import { type Env, readIfThere } from './alibaba-profile-source.ts'

/** One section of the AWS `config` file: its settings and its indented sub-settings. */
export interface AwsConfigSection {
  /** By lower-case name. */
  readonly settings: ReadonlyMap<string, string>
  /**
   * The setting names as written: the AWS SDK for JavaScript matches names case-sensitively, so
   * whether it will find a setting is told by these.
   */
  readonly written: ReadonlySet<string>
  /** `s3 =` followed by indented `endpoint_url = …` lines: `nested.get('s3')?.get('endpoint_url')`. */
  readonly nested: ReadonlyMap<string, ReadonlyMap<string, string>>
}

/** The sections of an AWS `config` file that name profiles and `services`. */
export interface AwsConfigFile {
  /** `[default]` (or `[profile default]`) and `[profile name]`, by profile name. */
  readonly profiles: ReadonlyMap<string, AwsConfigSection>
  /** `[services name]`, by name. */
  readonly services: ReadonlyMap<string, AwsConfigSection>
}

/** The home directory the AWS SDKs look in: `HOME`, else `USERPROFILE` (Windows), else the OS's. */
export function awsHome(env: Env): string {
  return env.HOME || env.USERPROFILE || homedir()
}

/** `AWS_CONFIG_FILE`, else `~/.aws/config`. */
export function awsConfigPath(env: Env): string {
  return env.AWS_CONFIG_FILE || join(awsHome(env), '.aws', 'config')
}

/** `AWS_PROFILE`, else `default`. */
export function awsProfileName(env: Env): string {
  return env.AWS_PROFILE || 'default'
}

/**
 * Reads and parses the AWS `config` file at `path`; undefined when there is none (any other read
 * failure is a UsageError). A plain read and a line scan, about 0.05 ms, where importing the AWS
 * SDK's own loader costs 0.1-0.3 s.
 */
export function readAwsConfigFile(path: string): AwsConfigFile | undefined {
  const text = readIfThere(path)
  return text === undefined ? undefined : parseAwsConfig(text)
}

type MutableSection = {
  settings: Map<string, string>
  written: Set<string>
  nested: Map<string, Map<string, string>>
}

/**
 * Parses the shared `config` file's INI dialect: `[default]`, `[profile name]` and
 * `[services name]` sections (others, such as `[sso-session name]`, are skipped), `#` and `;`
 * comment lines, `key = value` settings, and a setting with no value opening indented
 * sub-settings until the next unindented line.
 *
 * Matched to the AWS CLI (botocore) and the AWS SDK for JavaScript, checked against both: section
 * and profile names are case-sensitive (`[Default]` is not `[default]`); setting names are not
 * (`Endpoint_URL` is `endpoint_url`, as the CLI reads it), and neither is a sub-section's name
 * (`S3 =`), while sub-setting names keep their case, as in the CLI; a `#` or `;` after whitespace
 * starts a comment that ends the value, as the JavaScript SDK reads it (the CLI would keep it in
 * the value, which then fails as a URL or region).
 */
export function parseAwsConfig(text: string): AwsConfigFile {
  const profiles = new Map<string, MutableSection>()
  const services = new Map<string, MutableSection>()
  scanIni(text, (name) => sectionOf(name, profiles, services))
  return { profiles, services }
}

/**
 * Reads and parses the shared `credentials` file at `path`, by profile name; undefined when there
 * is none (any other read failure is a UsageError).
 */
export function readAwsCredentialsFile(
  path: string,
): ReadonlyMap<string, AwsConfigSection> | undefined {
  const text = readIfThere(path)
  return text === undefined ? undefined : parseAwsCredentials(text)
}

/**
 * Parses the shared `credentials` file: the config file's dialect, but every section is a profile
 * named by its header as written (`[dev]`, with no `profile` prefix, as the AWS SDKs read it).
 */
export function parseAwsCredentials(text: string): ReadonlyMap<string, AwsConfigSection> {
  const profiles = new Map<string, MutableSection>()
  scanIni(text, (name) => opened(profiles, name))
  return profiles
}

/** Feeds each header to `open` and fills the section it returns (none: the lines are skipped). */
function scanIni(text: string, open: (name: string) => MutableSection | undefined): void {
  let section: MutableSection | undefined
  let parent: Map<string, string> | undefined
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue
    const header = /^\[([^[\]]+)\]\s*(?:[#;].*)?$/.exec(trimmed)
    if (header) {
      parent = undefined
      section = open(header[1]?.trim() ?? '')
      continue
    }
    const eq = trimmed.indexOf('=')
    if (section === undefined || eq <= 0) continue
    const key = trimmed.slice(0, eq).trim()
    const value = withoutComment(trimmed.slice(eq + 1))
    const indented = /^\s/.test(line)
    if (parent !== undefined && indented) {
      parent.set(key, value)
      continue
    }
    parent = undefined
    if (value === '') {
      parent = new Map()
      section.nested.set(key.toLowerCase(), parent)
    } else {
      section.settings.set(key.toLowerCase(), value)
      section.written.add(key)
    }
  }
}

/** The value without a trailing comment: `#` or `;` only after whitespace, so `http://h/#x` stays. */
function withoutComment(value: string): string {
  const comment = /\s[#;]/.exec(value)
  return (comment === null ? value : value.slice(0, comment.index)).trim()
}

/** The section a header opens (created on first sight, merged when repeated); undefined when skipped. */
function sectionOf(
  name: string,
  profiles: Map<string, MutableSection>,
  services: Map<string, MutableSection>,
): MutableSection | undefined {
  const [kind, ...rest] = name.split(/\s+/)
  const named = rest.join(' ')
  let table: Map<string, MutableSection> | undefined
  let key = named
  if (name === 'default') {
    table = profiles
    key = 'default'
  } else if (kind === 'profile' && named !== '') table = profiles
  else if (kind === 'services' && named !== '') table = services
  return table === undefined ? undefined : opened(table, key)
}

/** `table`'s section `key`, created on first sight so a repeated header adds to it. */
function opened(table: Map<string, MutableSection>, key: string): MutableSection {
  let section = table.get(key)
  if (section === undefined) {
    section = { settings: new Map(), written: new Set(), nested: new Map() }
    table.set(key, section)
  }
  return section
}
