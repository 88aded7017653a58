/** A record whose `value` is a bigint: a CRC as the store reports it, or as verified. */
type BigintValued = { readonly value: bigint }

/**
 * The same record with a non-enumerable `toJSON` that writes `value` as a decimal string, so
 * `JSON.stringify` of a result or an event (structured logging) does not throw on the bigint.
 * Decimal, as the CLI's `--json` writes CRC values and OSS's `x-oss-hash-crc64ecma` sends them:
 * `BigInt(parsed.value)` gives the bigint back. Non-enumerable, so spreads, `structuredClone`
 * and deep equality see only the fields.
 */
export function withJsonValue<T extends BigintValued>(record: T): T {
  if (Object.hasOwn(record, 'toJSON')) return record
  return Object.defineProperty({ ...record }, 'toJSON', { value: valueAsDecimal })
}

function valueAsDecimal(this: BigintValued): Record<string, unknown> {
  return { ...this, value: this.value.toString() }
}
