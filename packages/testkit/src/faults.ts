import type { PutObjectInit } from './oss-model.ts'

/**
 * One way a request can go wrong. This is the testkit's one fault vocabulary: the mock OSS serves
 * every kind, and core's in-process fake transport uses the same names for the ones that exist
 * above HTTP (everything but `gzip`).
 */
export type Fault =
  /** Drop the connection after this many body bytes. */
  | { readonly type: 'reset'; readonly afterBytes: number }
  /**
   * Stop sending after this many body bytes, for `ms` (forever when omitted); then drop the
   * connection, or with `resume` send the rest (a slow body, not a dead one).
   */
  | {
      readonly type: 'stall'
      readonly afterBytes: number
      readonly ms?: number
      readonly resume?: boolean
    }
  /** Answer with an error status and OSS (or S3) error code. */
  | {
      readonly type: 'status'
      readonly status: number
      readonly code: string
      readonly retryAfterSeconds?: number
    }
  /** Answer with an error status and code, with your own message and extra response headers. */
  | {
      readonly type: 'error'
      readonly status: number
      readonly code: string
      readonly message?: string
      readonly headers?: Readonly<Record<string, string>>
    }
  /**
   * Ignore Range: 200 with the whole body to a ranged GET, with `headers` added to the answer (a
   * server or proxy in front may add its own, such as a `Content-MD5` of what it meant to send).
   */
  | { readonly type: 'ignore-range'; readonly headers?: Readonly<Record<string, string>> }
  /** The former name of `ignore-range`, kept for existing plans. */
  | { readonly type: 'whole-body' }
  /** A 206 whose Content-Range is one byte off the range asked for (body of the asked length). */
  | { readonly type: 'wrong-range' }
  /** Hold the response headers back for `ms` (a slow first byte; a stall guard must not fire early). */
  | { readonly type: 'delay-headers'; readonly ms: number }
  /** Answer gzip-compressed (`Content-Encoding: gzip`, no ETag or Accept-Ranges), whatever the client asked for. */
  | { readonly type: 'gzip' }
  /** Declare the full length but end the body early after this many bytes. */
  | { readonly type: 'short'; readonly afterBytes: number }
  /** Send this many bytes more than declared. */
  | { readonly type: 'long'; readonly extraBytes: number }
  /** Publish a wrong whole-object CRC: `x-oss-hash-crc64ecma`, or the object's `x-amz-checksum-*` to an S3 request. */
  | { readonly type: 'wrong-crc' }
  /** Overwrite the object with this one just before answering (a concurrent writer). */
  | { readonly type: 'replace'; readonly object: PutObjectInit }
  /** Run `mutate` (e.g. overwrite the object) before answering. */
  | { readonly type: 'mutate'; readonly mutate: () => void }

/** Every fault type, for suites that run each one. */
export type FaultType = Fault['type']

/** Which requests a rule applies to. */
export interface FaultMatch {
  readonly method?: 'GET' | 'HEAD'
  readonly key?: string
  /** Only ranged GETs (part reads). */
  readonly ranged?: boolean
}

/** A rule: a fault for matching requests, every time, `times` times, or with a probability. */
export interface FaultRule {
  readonly fault: Fault
  readonly match?: FaultMatch
  /** Apply to this many matching requests, then retire. @default Infinity */
  readonly times?: number
  /** Skip this many matching requests first. @default 0 */
  readonly skip?: number
  /** Apply to each matching request with this probability (seeded). @default 1 */
  readonly probability?: number
}

/** Programmable faults, per request or by seeded probability. */
export class FaultPlan {
  readonly #rules: { rule: FaultRule; used: number; seen: number }[] = []
  #seed: number

  constructor(seed: number) {
    this.#seed = seed >>> 0 || 1
  }

  /** Adds a rule; returns a function removing it. */
  add(rule: FaultRule): () => void {
    const entry = { rule, used: 0, seen: 0 }
    this.#rules.push(entry)
    return () => {
      const i = this.#rules.indexOf(entry)
      if (i >= 0) this.#rules.splice(i, 1)
    }
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules.length = 0
  }

  /** The fault for a request, if a rule fires. */
  pick(method: string, key: string, ranged: boolean): Fault | undefined {
    for (const entry of this.#rules) {
      const { rule } = entry
      const m = rule.match ?? {}
      if (m.method !== undefined && m.method !== method) continue
      if (m.key !== undefined && m.key !== key) continue
      if (m.ranged !== undefined && m.ranged !== ranged) continue
      if (entry.used >= (rule.times ?? Number.POSITIVE_INFINITY)) continue
      entry.seen++
      if (entry.seen <= (rule.skip ?? 0)) continue
      if (rule.probability !== undefined && this.#random() >= rule.probability) continue
      entry.used++
      return rule.fault
    }
    return undefined
  }

  #random(): number {
    let x = this.#seed
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.#seed = x >>> 0
    return this.#seed / 0x100000000
  }
}
