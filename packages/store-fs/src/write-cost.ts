/**
 * Writes shorter than this say nothing about the host: their page-cache folios are small, and a
 * small object's one write would be timed with its file's creation around it.
 */
const PROBE_MIN_BYTES = 256 * 1024
/** A probe blocks its thread: a write this large takes about 50 ms there when the host is slow. */
const PROBE_MAX_BYTES = 4 * 1024 * 1024

/**
 * Above this many milliseconds per MiB a call into the page cache is waiting on the host. Here a
 * 1 MiB `pwritev` took 0.2–0.5 ms when the guest held its memory, and 10–13 ms when freed memory
 * had gone back to the host first (BENCHMARKS.md): 3 ms (about 330 MB/s) lies well between.
 */
const SLOW_MS_PER_MIB = 3

/** The first probes come close together, so a slow host is known within a few MiB. */
const EARLY_PROBES = 3
const EARLY_PROBE_EVERY = 4 * 1024 * 1024
/** Then one per this many bytes written: the host may take memory back at any time. */
const PROBE_EVERY = 64 * 1024 * 1024
/** Of the last this many probes, this many slow turn the thread on. */
const PROBES_JUDGED = 3
const SLOW_PROBES = 2

const MIB = 1024 * 1024

/**
 * True on Bun, which writes fastest as the filed code did: the engine's copied buffer halves,
 * written as they fill, several at once. Gathered chunks waited for one at a time, and writes to
 * a file queued one after another (which spares Node's pool threads spinning on the inode lock),
 * took Bun's nginx GiB 2.11–2.21 s against 1.82 s, in paired rounds (BENCHMARKS.md).
 */
export const COPIED_WRITES: boolean = 'Bun' in globalThis

/**
 * Whether large writes into the page cache are slow on this machine right now. On a VM that hands
 * freed memory back to its host (free page reporting), a large call's folios must first come back
 * from the host: a GiB in 1 MiB calls then took 10–13 s, in 16 KiB calls from one thread under
 * 1 s. When the guest holds its memory, one call per buffer on the pool is the cheapest way (the
 * nginx GiB: 1.46 s, user 0.77 s, 95 MiB, against 1.83 s, 1.1 s, 110 MiB through the thread).
 *
 * So large writes take the pool, and now and then one is a probe: written synchronously and timed
 * (a write on the pool cannot be timed from JavaScript without the event loop's own delays). Two
 * slow probes of the last three turn the thread on for the life of the process: a host that was
 * short of memory once may be again, and the thread's cost is bounded where the pool's is not.
 */
export class WriteCost {
  #slowHost = false
  #probes: boolean[] = []
  #sinceProbe = Number.POSITIVE_INFINITY
  #probing = true

  /** True once probes showed large writes waiting on the host: writes then take the thread. */
  get slowHost(): boolean {
    return this.#slowHost
  }

  /** True when a write of `bytes` should be the next probe. */
  probeNext(bytes: number): boolean {
    if (this.#slowHost || !this.#probing) return false
    if (bytes < PROBE_MIN_BYTES || bytes > PROBE_MAX_BYTES) return false
    const every = this.#probes.length < EARLY_PROBES ? EARLY_PROBE_EVERY : PROBE_EVERY
    return this.#sinceProbe >= every
  }

  /** Notes a write of `bytes` that was no probe. */
  wrote(bytes: number): void {
    this.#sinceProbe += bytes
  }

  /** Notes a probe: `bytes` written synchronously in `ms`. */
  probed(bytes: number, ms: number): void {
    this.#sinceProbe = 0
    this.#probes.push(ms > (SLOW_MS_PER_MIB * bytes) / MIB)
    if (this.#probes.length > PROBES_JUDGED) this.#probes.shift()
    if (this.#probes.filter(Boolean).length >= SLOW_PROBES) this.#slowHost = true
  }

  /** Probes cannot be made here (a synchronous write failed as no real error would): stop. */
  stopProbing(): void {
    this.#probing = false
  }

  /** The one instance every FileTarget of the process reports to. */
  static shared(): WriteCost {
    shared ??= new WriteCost()
    return shared
  }
}

let shared: WriteCost | undefined
