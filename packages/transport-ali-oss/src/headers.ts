/** One response header by lower-case name; repeated headers are joined as HTTP allows. */
export function header(headers: object | undefined, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined
  const value: unknown = (headers as Record<string, unknown>)[name]
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  if (Array.isArray(value)) return value.map(String).join(', ')
  return undefined
}

/** Every header whose name starts with `prefix`, keyed by the rest of the name. */
export function headersWithPrefix(
  headers: object | undefined,
  prefix: string,
): Record<string, string> | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined
  let found: Record<string, string> | undefined
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase()
    if (!lower.startsWith(prefix) || lower.length === prefix.length) continue
    const value = header(headers, name)
    if (value === undefined) continue
    found ??= {}
    found[lower.slice(prefix.length)] = value
  }
  return found
}

/** A non-negative safe integer header value, or undefined when absent or malformed. */
export function integerHeader(headers: object | undefined, name: string): number | undefined {
  const value = header(headers, name)?.trim()
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : undefined
}
