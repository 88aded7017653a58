// `node:assert/strict` for the page: the testkit's contract suites assert with it, and a browser
// has no node: modules. The bundler maps the import here; only what the suites call is provided,
// with the same strict semantics (Object.is, deep equality that compares types and every byte).

/** Thrown by a failed assertion. */
export class AssertionError extends Error {
  override name = 'AssertionError'
}

function show(value: unknown): string {
  if (value instanceof Uint8Array) {
    const head = Array.from(value.subarray(0, 16)).join(',')
    return `Uint8Array(${value.length}) [${head}${value.length > 16 ? ',…' : ''}]`
  }
  return typeof value === 'bigint' ? `${value}n` : JSON.stringify(value)
}

function deepStrictEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
    return x.length === y.length && x.every((v, i) => v === y[i])
  }
  const keysA = Object.keys(a)
  const keysB = Object.keys(b)
  if (keysA.length !== keysB.length) return false
  return keysA.every(
    (k) =>
      Object.hasOwn(b, k) &&
      deepStrictEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  )
}

function equal(actual: unknown, expected: unknown, message?: string): void {
  if (!Object.is(actual, expected))
    throw new AssertionError(message ?? `${show(actual)} !== ${show(expected)}`)
}

function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  if (!deepStrictEqual(actual, expected))
    throw new AssertionError(message ?? `not deep-equal: ${show(actual)} vs ${show(expected)}`)
}

function ok(value: unknown, message?: string): void {
  if (!value) throw new AssertionError(message ?? `${show(value)} is not truthy`)
}

const assert = Object.assign(ok, {
  ok,
  equal,
  deepEqual,
  strictEqual: equal,
  deepStrictEqual: deepEqual,
  AssertionError,
})
// biome-ignore lint/style/noDefaultExport: it stands in for node:assert/strict, whose API is its default export
export default assert
export { deepEqual, equal, ok }
