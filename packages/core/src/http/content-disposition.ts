/**
 * The file name a `Content-Disposition` header suggests (RFC 6266): `filename*` (RFC 8187,
 * `UTF-8''…` or `ISO-8859-1''…`, percent-encoded) when it decodes, else `filename` (a token or a
 * quoted string). Directory parts are dropped (RFC 6266 §4.3: everything up to the last `/` or
 * `\`); anything else a file system refuses is the caller's to clean. A plain `filename` sent as
 * raw UTF-8 (as many servers do) arrives as one character per byte and is decoded as UTF-8 when it
 * is valid UTF-8. Undefined when the header is absent or names no file.
 *
 * @example
 * ```ts
 * contentDispositionFileName(`attachment; filename="report.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`)
 * // 'résumé.pdf'
 * ```
 */
export function contentDispositionFileName(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const parameters = dispositionParameters(header)
  const extended = parameters.get('filename*')
  // Each cut to its last segment first: a `filename*` that names no file (empty, or a directory)
  // gives way to `filename`, as one that does not decode does.
  return (
    lastSegment(extended === undefined ? undefined : decodeExtValue(extended)) ??
    lastSegment(rawUtf8(parameters.get('filename')))
  )
}

/** What follows the last `/` or `\\`; undefined when that is nothing. */
function lastSegment(name: string | undefined): string | undefined {
  if (name === undefined) return undefined
  const last = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1)
  return last === '' ? undefined : last
}

/**
 * The parameters after the disposition type, names lower-cased, values unquoted; the first of a
 * repeated name wins. Scanning stops at the first thing that is not `name=value` (a malformed
 * tail), keeping what came before it.
 */
function dispositionParameters(header: string): Map<string, string> {
  const parameters = new Map<string, string>()
  let at = header.indexOf(';')
  while (at !== -1 && at < header.length) {
    const match = PARAMETER.exec(header.slice(at))
    if (match === null) break
    const name = (match[1] as string).toLowerCase()
    const value = match[2] === undefined ? (match[3] as string) : unquote(match[2])
    if (!parameters.has(name)) parameters.set(name, value)
    at += match[0].length
  }
  return parameters
}

/**
 * `; name = value` with a token or quoted-string value, and what follows it up to the next `;`.
 * Only HTTP's whitespace (space, tab) separates: a raw UTF-8 byte 0xA0 arrives as U+00A0, which
 * JavaScript's `\s` would take for a space.
 */
const PARAMETER =
  /^;[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^;"\t ]*))[ \t]*/

function unquote(quoted: string): string {
  return quoted.replace(/\\(.)/g, '$1')
}

/** RFC 8187 `charset'language'pct-encoded`, for UTF-8 and ISO-8859-1; undefined otherwise. */
function decodeExtValue(value: string): string | undefined {
  const match = /^([A-Za-z0-9!#$%&+^_`{}~-]+)'[A-Za-z0-9-]*'(.*)$/.exec(value)
  if (match === null) return undefined
  const charset = (match[1] as string).toLowerCase()
  const encoded = match[2] as string
  if (charset === 'utf-8') {
    try {
      return decodeURIComponent(encoded)
    } catch {
      return undefined
    }
  }
  if (charset !== 'iso-8859-1') return undefined
  if (/%(?![0-9A-Fa-f]{2})/.test(encoded)) return undefined
  return encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  )
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * A header value holds one character per byte it arrived as: non-ASCII bytes that form valid
 * UTF-8 were sent as UTF-8, and are decoded as such; anything else is kept as it is.
 */
function rawUtf8(value: string | undefined): string | undefined {
  if (value === undefined || !/[\u0080-\u00ff]/.test(value) || /[\u0100-\uffff]/.test(value))
    return value
  const bytes = Uint8Array.from(value, (char) => char.charCodeAt(0))
  try {
    return UTF8.decode(bytes)
  } catch {
    return value
  }
}
