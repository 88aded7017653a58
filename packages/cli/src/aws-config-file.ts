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
 * Parses the shared `config` file as the AWS CLI (botocore, on Python's `configparser`) reads it:
 * `[default]`, `[profile name]` and `[services name]` sections (others, such as
 * `[sso-session name]`, are skipped; a quoted name, `[profile "my dev"]`, is unquoted),
 * `key = value`, `key=value` and `key: value` settings (the first `=` or `:` splits), whole-line
 * `#` and `;` comments, and continuation lines: a line indented deeper than the setting before it
 * belongs to that setting, so `s3 =` followed by indented `addressing_style = path` lines is a
 * sub-section, never top-level settings.
 *
 * Section and profile names are case-sensitive and taken as written (`[Default]` and
 * `[ default ]` are not `[default]`); setting names are not (`Endpoint_URL` is `endpoint_url`),
 * and neither is a sub-section's name (`S3 =`), while sub-setting names keep their case, as in the
 * CLI. When both `[default]` and `[profile default]` are present, the later one is the default
 * profile, as in the CLI. Where the CLI refuses the whole file we read on: a repeated section adds
 * to the first (as the JavaScript SDK does), a repeated setting replaces the earlier one, a line
 * with no `=` or `:` is skipped. A `#` or `;` after whitespace starts a comment that ends the
 * value, as the JavaScript SDK reads it (the CLI would keep it in the value, which then fails as a
 * URL or region).
 */
export function parseAwsConfig(text: string): AwsConfigFile {
  const profiles = new Map<string, MutableSection>()
  const services = new Map<string, MutableSection>()
  let defaultHeader: string | undefined
  scanIni(text, (header) => {
    if (header === 'default' || profileName(header) === 'default') {
      // The CLI keeps whichever of [default] and [profile default] comes last, not both.
      if (defaultHeader !== undefined && defaultHeader !== header) profiles.delete('default')
      defaultHeader = header
    }
    return sectionOf(header, profiles, services)
  })
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

/** The setting the next deeper-indented line continues. */
interface OpenSetting {
  readonly section: MutableSection
  readonly key: string
  readonly indent: number
  /** The sub-section a valueless setting opened; undefined for a setting with a value. */
  readonly nested: Map<string, string> | undefined
}

/**
 * Feeds each header to `open` and fills the section it returns (none: the lines are skipped).
 * Follows `configparser`'s line rules: blank and comment lines neither end nor join a value, and a
 * line indented deeper than the setting before it continues that setting.
 */
function scanIni(text: string, open: (header: string) => MutableSection | undefined): void {
  let section: MutableSection | undefined
  let setting: OpenSetting | undefined
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue
    const indent = line.length - line.trimStart().length
    if (setting !== undefined && indent > setting.indent) {
      continueSetting(setting, trimmed)
      continue
    }
    setting = undefined
    const header = /^\[([^[\]]+)\]\s*(?:[#;].*)?$/.exec(trimmed)
    if (header) {
      section = open(header[1] ?? '')
      continue
    }
    // configparser splits at the first `=` or `:`, whichever comes first.
    const delimiter = /[=:]/.exec(trimmed)
    if (section === undefined || delimiter === null || delimiter.index === 0) continue
    const key = trimmed.slice(0, delimiter.index).trim()
    const value = withoutComment(trimmed.slice(delimiter.index + 1))
    const nested = value === '' ? new Map<string, string>() : undefined
    if (nested !== undefined) section.nested.set(key.toLowerCase(), nested)
    else {
      section.settings.set(key.toLowerCase(), value)
      section.written.add(key)
    }
    setting = { section, key, indent, nested }
  }
}

/**
 * One continuation line. Under a valueless setting it is a sub-setting, split at its first `=`
 * only, as botocore's `_parse_nested` does (a line without one is skipped where botocore fails);
 * under a setting with a value it is more of that value, on a new line, as `configparser` joins it.
 */
function continueSetting(setting: OpenSetting, trimmed: string): void {
  if (setting.nested === undefined) {
    const settings = setting.section.settings
    const name = setting.key.toLowerCase()
    settings.set(name, `${settings.get(name) ?? ''}\n${withoutComment(trimmed)}`)
    return
  }
  const eq = trimmed.indexOf('=')
  if (eq <= 0) return
  setting.nested.set(trimmed.slice(0, eq).trim(), withoutComment(trimmed.slice(eq + 1)))
}

/** The value without a trailing comment: `#` or `;` only after whitespace, so `http://h/#x` stays. */
function withoutComment(value: string): string {
  const comment = /\s[#;]/.exec(value)
  return (comment === null ? value : value.slice(0, comment.index)).trim()
}

/**
 * The profile a `[profile name]` header names, or undefined: botocore splits the header as a shell
 * would (`shlex.split`, so quotes group and are removed) and takes it only as exactly two words.
 */
function profileName(header: string): string | undefined {
  return prefixed('profile', header)
}

/** The name after `prefix` in a two-word header (`services local`, `profile "my dev"`). */
function prefixed(prefix: string, header: string): string | undefined {
  const words = shellWords(header)
  return words?.length === 2 && words[0] === prefix ? words[1] : undefined
}

/** Whitespace-separated words, quotes grouping and removed; undefined for an unclosed quote. */
function shellWords(text: string): string[] | undefined {
  const words: string[] = []
  const pattern = /"([^"]*)"|'([^']*)'|([^\s"']+)|(\s+)|(["'])/g
  let word: string | undefined
  for (const m of text.matchAll(pattern)) {
    if (m[5] !== undefined) return undefined
    if (m[4] !== undefined) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else word = (word ?? '') + (m[1] ?? m[2] ?? m[3] ?? '')
  }
  if (word !== undefined) words.push(word)
  return words
}

/** The section a header opens (created on first sight, merged when repeated); undefined when skipped. */
function sectionOf(
  header: string,
  profiles: Map<string, MutableSection>,
  services: Map<string, MutableSection>,
): MutableSection | undefined {
  if (header === 'default') return opened(profiles, 'default')
  const profile = profileName(header)
  if (profile !== undefined) return opened(profiles, profile)
  const service = prefixed('services', header)
  return service === undefined ? undefined : opened(services, service)
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
