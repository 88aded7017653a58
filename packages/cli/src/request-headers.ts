import { readFile } from 'node:fs/promises'
import { UsageError } from './usage-error.ts'

/**
 * Headers the transport sets itself, or that would change which bytes arrive or how they are
 * framed (a range, a condition, an encoding): never taken from the user.
 */
const TRANSPORT_OWN = new Set([
  'range',
  'if-match',
  'if-none-match',
  'if-range',
  'if-modified-since',
  'if-unmodified-since',
  'accept-encoding',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'expect',
])

/** A name that likely carries a credential: taken from `--header-file` only, never from argv. */
const SECRET_NAME = /auth|token|key|secret|cookie|session|password|credential|signature/i

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// Visible ASCII, spaces and tabs: no CR, LF or NUL to end a header line early, nothing that is
// not one byte per character.
const FIELD_VALUE = /^[\t\x20-\x7e]*$/

/** Bytes of a header file read at most: a list of headers, not a data file. */
const HEADER_FILE_MAX = 64 * 1024

/** `--header` and `--header-file` as the command line gives them. */
export interface HeaderFlags {
  /** `--header 'Name: value'`, each as typed. */
  readonly headers: readonly string[] | undefined
  /** `--header-file <path>`: one `Name: value` per line. */
  readonly headerFile: string | undefined
}

/**
 * The extra request headers of an http(s) source, from `--header` (checked as the command line is
 * parsed: {@link checkHeaderFlags}) and `--header-file` (read here), names lower-cased; undefined
 * when neither is given. A value from the file is never printed: errors name its line.
 */
export async function requestHeaders(
  flags: HeaderFlags,
): Promise<Readonly<Record<string, string>> | undefined> {
  if (flags.headers === undefined && flags.headerFile === undefined) return undefined
  const headers = noPrototype()
  for (const text of flags.headers ?? []) add(headers, parseHeader(text, '--header', false))
  if (flags.headerFile !== undefined) {
    const file = flags.headerFile
    for (const [index, line] of (await readHeaderFile(file)).entries()) {
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue
      add(headers, parseHeader(line, `--header-file ${file} line ${index + 1}`, true))
    }
  }
  return headers
}

/**
 * The names of the credentials among `headers` (`Authorization`, `Cookie`, a `Private-Token`, an
 * `X-Api-Key`, …): they go to the URL's origin only, and resumable follows the redirects itself to
 * drop them on the first hop elsewhere, on every runtime, rather than trust each one's fetch.
 */
export function credentialNames(
  headers: Readonly<Record<string, string>> | undefined,
): readonly string[] {
  return Object.keys(headers ?? {}).filter((name) => SECRET_NAME.test(name))
}

/** Checks each `--header` as the command line is parsed, so a bad one is a usage error at once. */
export function checkHeaderFlags(texts: readonly string[] | undefined): void {
  const seen = noPrototype()
  for (const text of texts ?? []) add(seen, parseHeader(text, '--header', false))
}

/** A record with no inherited keys: a header named `constructor` or `__proto__` is just a name. */
function noPrototype(): Record<string, string> {
  return Object.create(null) as Record<string, string>
}

function add(headers: Record<string, string>, [name, value, where]: [string, string, string]) {
  if (Object.hasOwn(headers, name))
    throw new UsageError(`${where}: ${name} is given twice; give each header once`)
  headers[name] = value
}

/** `Name: value` → [lower-case name, trimmed value, where]; throws UsageError naming `where`. */
function parseHeader(text: string, where: string, fromFile: boolean): [string, string, string] {
  const colon = text.indexOf(':')
  const name = (colon === -1 ? text : text.slice(0, colon)).trim()
  // Nothing of a text that does not parse is shown: `Authorization=Bearer …` or a bare token
  // typed where a header belongs would be echoed whole.
  if (colon === -1 || !TOKEN.test(name))
    throw new UsageError(
      `${where} is not "Name: value" with a header name of letters, digits and - (its text is not shown: it may hold a credential)`,
    )
  const lower = name.toLowerCase()
  if (TRANSPORT_OWN.has(lower))
    throw new UsageError(
      `${where}: ${name} is resumable's own to send (ranges, conditions, encoding, framing); it cannot be set`,
    )
  if (!fromFile && SECRET_NAME.test(name))
    throw new UsageError(
      `${where} ${name}: a credential on a command line lands in shell history and process lists; put the line in a file given as --header-file <file> (one "Name: value" per line)`,
    )
  const value = text.slice(colon + 1).trim()
  if (!FIELD_VALUE.test(value))
    throw new UsageError(
      `${where}: the value of ${name} holds a line break, a control character or a character beyond ASCII`,
    )
  return [lower, value, where]
}

async function readHeaderFile(file: string): Promise<string[]> {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new UsageError(`--header-file ${file} cannot be read (${String(code ?? error)})`)
  }
  if (bytes.length > HEADER_FILE_MAX)
    throw new UsageError(
      `--header-file ${file} is ${bytes.length} bytes: a header file lists headers, at most ${HEADER_FILE_MAX} bytes`,
    )
  return bytes.toString('utf8').split(/\r?\n/)
}
