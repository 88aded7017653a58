/**
 * `Retry-After` in milliseconds: delta-seconds, or an HTTP date measured against the response's
 * own `Date` (so a skewed local clock does not distort it). Undefined when absent or unparsable.
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim()
  if (!value) return undefined
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000)
  const at = Date.parse(value)
  if (Number.isNaN(at)) return undefined
  const serverNow = Date.parse(headers.get('date') ?? '')
  return Math.max(0, at - (Number.isNaN(serverNow) ? now : serverNow))
}
