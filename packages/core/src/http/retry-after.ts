/**
 * `Retry-After` in milliseconds: delta-seconds (fractions allowed: `1.5` is 1500 ms), or an HTTP
 * date measured against the response's own `Date` so a skewed local clock does not distort it
 * (`now` only when the response has no usable `Date`). Undefined when absent or unparsable.
 *
 * @example
 * ```ts
 * parseRetryAfter('1.5', undefined) // 1500
 * parseRetryAfter('Wed, 02 Dec 2026 12:00:10 GMT', 'Wed, 02 Dec 2026 12:00:00 GMT') // 10000
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  serverDate: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  const text = value?.trim()
  if (!text) return undefined
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  const at = Date.parse(text)
  if (Number.isNaN(at)) return undefined
  const serverNow = Date.parse(serverDate ?? '')
  return Math.max(0, at - (Number.isNaN(serverNow) ? now : serverNow))
}
