const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
}

/**
 * Parses a human size: `8MiB`, `100KB`, `1.5G`, `4096`. Binary suffixes (KiB, MiB, …) and the
 * single letters K/M/G/T (as curl, wget and aria2 read them) are powers of 1024; KB/MB/GB/TB are
 * powers of 1000. Returns undefined for anything else, so the caller can name the bad flag.
 */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  if (!match) return undefined
  const unit = UNITS[(match[2] ?? '').toLowerCase()]
  if (unit === undefined) return undefined
  const value = Math.round(Number(match[1]) * unit)
  return Number.isSafeInteger(value) ? value : undefined
}

/** Parses a rate such as `50MiB/s` or `10M` (per second implied). */
export function parseRate(text: string): number | undefined {
  return parseSize(text.replace(/\/s$/i, ''))
}

/** Formats bytes with binary units: `1.50 GiB`, `509 B` (whole bytes: a rate is rarely one). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let value = bytes
  let unit = 0
  // On what is shown, so 1023.6 B reads `1.00 KiB`, never `1024 B`.
  while (Number(shownNumber(value, unit)) >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${shownNumber(value, unit)} ${units[unit]}`
}

/** The number `formatBytes` shows: whole bytes, or 3 significant digits of a bigger unit. */
function shownNumber(value: number, unit: number): string {
  if (unit === 0) return String(Math.round(value))
  return value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)
}

/** Formats seconds as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--'
  const s = Math.max(0, Math.round(seconds))
  if (s >= 3600)
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${s}s`
}

// C0 controls, DEL, C1 controls (U+0085 NEL, U+009B CSI, …), the bidirectional marks, embeddings,
// overrides and isolates, and the Unicode line and paragraph separators.
const UNSAFE_FOR_TERMINAL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * `text` with every character that could move the cursor, run a terminal escape sequence or
 * display the rest reversed (control characters, DEL, C1, bidi controls) written as `\u007f`.
 * For text from elsewhere (an object key, a store's message) on its way to a terminal. Applied to
 * `JSON.stringify`'s output it keeps the JSON valid and its value the same: the escapes are JSON's.
 */
export function terminalText(text: string): string {
  return text.replace(
    UNSAFE_FOR_TERMINAL,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  )
}

/** `text` in double quotes, as JSON writes it, and safe for a terminal (see {@link terminalText}). */
export function quoteForTerminal(text: string): string {
  return terminalText(JSON.stringify(text))
}
