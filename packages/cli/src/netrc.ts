import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { UsageError } from './usage-error.ts'

/** One `machine` entry of a netrc file, or its `default` (machine undefined). */
export interface NetrcEntry {
  readonly machine: string | undefined
  readonly login: string | undefined
  readonly password: string | undefined
}

/** User name and password for HTTP Basic, as a netrc entry gives them. */
export interface NetrcCredentials {
  readonly user: string
  readonly password: string
}

/** Bytes of a netrc file read at most: a list of hosts, not a data file. */
const NETRC_MAX = 256 * 1024

/** Query parameters that sign a presigned URL (S3 SigV4 and V2, OSS V1 and V4): it carries its own authorization. */
const SIGNATURE_PARAMS = new Set(['x-amz-signature', 'signature', 'x-oss-signature'])

/**
 * The netrc file `--netrc` (`$NETRC`, else `~/.netrc`, `~/_netrc` on Windows) or `--netrc-file`
 * names, parsed; undefined when neither flag is given. Throws a UsageError naming the file and a
 * line, never a value from it.
 */
export async function loadNetrc(
  flags: { readonly netrc?: boolean | undefined; readonly netrcFile?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): Promise<NetrcEntry[] | undefined> {
  if (flags.netrc !== true && flags.netrcFile === undefined) return undefined
  const home = env.HOME || env.USERPROFILE || homedir()
  const file =
    flags.netrcFile ?? (env.NETRC || join(home, process.platform === 'win32' ? '_netrc' : '.netrc'))
  const flag = flags.netrcFile === undefined ? '--netrc' : '--netrc-file'
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new UsageError(
      `${flag}: the netrc file ${file} cannot be read (${String(code ?? error)})`,
    )
  }
  if (bytes.length > NETRC_MAX)
    throw new UsageError(
      `${flag}: ${file} is ${bytes.length} bytes; a netrc file lists hosts, at most ${NETRC_MAX} bytes`,
    )
  return parseNetrc(bytes.toString('utf8'), `${flag} ${file}`)
}

/**
 * The entries of a netrc file, as curl and wget read one: whitespace-separated words, `machine
 * <host>` or `default` starting an entry, `login`, `password` and `account` inside it, `macdef`
 * skipped to the next empty line, `#` starting a comment, a word in double quotes with `\` escapes.
 * `where` names the file in errors, which give a line number and never a word of the file.
 *
 * @example
 * parseNetrc('machine example.com login alice password s3cret', 'netrc')
 * // [{ machine: 'example.com', login: 'alice', password: 's3cret' }]
 */
export function parseNetrc(text: string, where: string): NetrcEntry[] {
  const entries: NetrcEntry[] = []
  let current: { machine: string | undefined; login?: string; password?: string } | undefined
  const words = new NetrcWords(text, where)
  const value = (keyword: string, line: number): string => {
    const next = words.next()
    if (next === undefined)
      throw new UsageError(`${where} line ${line}: "${keyword}" is missing its value`)
    return next.word
  }
  const close = () => {
    if (current) entries.push({ login: undefined, password: undefined, ...current })
  }
  for (let next = words.next(); next !== undefined; next = words.next()) {
    // Keywords in any case, as curl reads them.
    const word = next.word.toLowerCase()
    const { line } = next
    if (word === 'machine' || word === 'default') {
      close()
      current = { machine: word === 'machine' ? value(word, line).toLowerCase() : undefined }
    } else if (word === 'macdef') {
      value(word, line)
      words.skipToEmptyLine()
    } else if (word === 'login' || word === 'password' || word === 'account') {
      if (!current)
        throw new UsageError(`${where} line ${line}: "${word}" before any "machine" or "default"`)
      const given = value(word, line)
      if (word !== 'account') current[word] = given
    } else {
      // Not echoed: a misplaced word may be a password.
      throw new UsageError(
        `${where} line ${line}: a word that is not machine, default, login, password, account or macdef`,
      )
    }
  }
  close()
  return entries
}

/**
 * The credentials a netrc gives for `url`, as curl picks them: none when the URL has its own
 * password or is presigned (its query authorizes it; a second authorization is refused by S3);
 * else the first entry for its host (any port), with the URL's user name when it has one, else
 * `default`. An entry without a password gives none.
 */
export function netrcCredentials(
  entries: readonly NetrcEntry[],
  url: URL,
): NetrcCredentials | undefined {
  if (url.password !== '') return undefined
  for (const name of url.searchParams.keys())
    if (SIGNATURE_PARAMS.has(name.toLowerCase())) return undefined
  const user = url.username === '' ? undefined : safeDecode(url.username)
  // `[::1]` in a URL is `::1` in a netrc file.
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  const fits = (entry: NetrcEntry) => user === undefined || entry.login === user
  const entry =
    entries.find((e) => e.machine === host && fits(e)) ??
    entries.find((e) => e.machine === undefined && fits(e))
  if (entry?.password === undefined) return undefined
  return { user: user ?? entry.login ?? '', password: entry.password }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** `\n`, `\r` and `\t` in a quoted word (curl's); any other escaped character stands for itself. */
const ESCAPED: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t' }

/** A netrc's words in order, each with the line it starts on. */
class NetrcWords {
  readonly #text: string
  readonly #where: string
  #at = 0
  #line = 1

  constructor(text: string, where: string) {
    this.#text = text
    this.#where = where
  }

  next(): { readonly word: string; readonly line: number } | undefined {
    const text = this.#text
    while (this.#at < text.length) {
      const char = text[this.#at] as string
      if (char === '#') {
        while (this.#at < text.length && text[this.#at] !== '\n') this.#at++
      } else if (/\s/.test(char)) {
        if (char === '\n') this.#line++
        this.#at++
      } else {
        const line = this.#line
        return { word: char === '"' ? this.#quoted(line) : this.#bare(), line }
      }
    }
    return undefined
  }

  /**
   * Skips a macro's body: the rest of its name's line and every line up to the first blank one
   * (nothing but spaces, tabs or a CR: a Windows `_netrc` ends its lines in CR LF).
   */
  skipToEmptyLine(): void {
    const text = this.#text
    let lineStart = text.indexOf('\n', this.#at)
    while (lineStart !== -1) {
      this.#line++
      const lineEnd = text.indexOf('\n', lineStart + 1)
      const body = text.slice(lineStart + 1, lineEnd === -1 ? text.length : lineEnd)
      if (/^[ \t\r]*$/.test(body)) {
        this.#at = lineStart + 1
        return
      }
      lineStart = lineEnd
    }
    this.#at = text.length
  }

  #bare(): string {
    const text = this.#text
    const start = this.#at
    while (this.#at < text.length && !/\s/.test(text[this.#at] as string)) this.#at++
    return text.slice(start, this.#at)
  }

  #quoted(line: number): string {
    const text = this.#text
    let word = ''
    this.#at++
    while (this.#at < text.length && text[this.#at] !== '"') {
      let char = text[this.#at] as string
      if (char === '\\' && this.#at + 1 < text.length) {
        char = text[++this.#at] as string
        char = ESCAPED[char] ?? char
      } else if (char === '\n') this.#line++
      word += char
      this.#at++
    }
    if (this.#at >= text.length)
      throw new UsageError(`${this.#where} line ${line}: a quoted word is not closed`)
    this.#at++
    return word
  }
}
