/**
 * The part of the Fetch API's `Headers` that building and signing a request use. A `Headers`
 * fits it, so a caller may still pass one to `signOssV4` or a plan's `prepare`.
 */
export interface HeaderFields extends Iterable<[string, string]> {
  /** The value of `name` (any case), or null when it is not set. */
  get(name: string): string | null
  /** Sets `name` (any case) to `value`, replacing any value it had. */
  set(name: string, value: string): void
  /** Whether `name` (any case) is set. */
  has(name: string): boolean
  /** Removes `name` (any case). */
  delete(name: string): void
}

// RFC 9110 token characters: what a field name may hold.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// Leading and trailing HTTP whitespace, which Headers strips from a value.
const OUTER_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g
// What a value may not hold once stripped: it would end the field or the request.
const FORBIDDEN_IN_VALUE = /[\0\r\n]/

/**
 * Request headers without the Fetch API: names kept in lower case and iterated in sorted order, as
 * `Headers` does, and the same names and values refused. On Node the first `Headers` loads the
 * runtime's whole fetch implementation (undici, with `http`, `http2`, `zlib` and `assert`), about
 * 35 ms of a command's start, which the Node wire never needs.
 *
 * @example
 * ```ts
 * const headers = new RequestHeaders({ Range: 'bytes=0-99' })
 * headers.set('If-Match', '"5d41"')
 * Object.fromEntries(headers) // { 'if-match': '"5d41"', range: 'bytes=0-99' }
 * ```
 */
export class RequestHeaders implements HeaderFields {
  readonly #fields = new Map<string, string>()

  /** Starts with `init`'s fields, set in order. */
  constructor(init: Readonly<Record<string, string>> = {}) {
    for (const name in init) this.set(name, init[name] as string)
  }

  get(name: string): string | null {
    return this.#fields.get(name.toLowerCase()) ?? null
  }

  set(name: string, value: string): void {
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`)
    const stripped = String(value).replace(OUTER_WHITESPACE, '')
    if (FORBIDDEN_IN_VALUE.test(stripped)) throw new TypeError(`invalid value for header ${name}`)
    this.#fields.set(name.toLowerCase(), stripped)
  }

  has(name: string): boolean {
    return this.#fields.has(name.toLowerCase())
  }

  delete(name: string): void {
    this.#fields.delete(name.toLowerCase())
  }

  /** Name and value pairs, names in lower case and sorted, as `Headers` iterates. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    const names = [...this.#fields.keys()].sort()
    for (const name of names) yield [name, this.#fields.get(name) as string]
  }
}
