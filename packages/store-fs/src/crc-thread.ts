import type { Worker } from 'node:worker_threads'
import {
  type ChecksumRun,
  type ChecksumThread,
  type Crc64Algorithm,
  crc64,
  crc64Kit,
  OptionsError,
} from '@resumable/core'
import { workerThreads } from './worker-threads.ts'

// CommonJS, evaluated by the thread (a module file would have to be found beside a bundle). The
// CRC itself is core's: `updaterSource` is the source of the function core's own crc() runs.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const makeUpdater = (0, eval)('(' + workerData.updaterSource + ')')
const compiled = new WebAssembly.Module(workerData.bytes)
const updaters = new Map()
const runs = new Map()
parentPort.on('message', (m) => {
  let run = runs.get(m.run)
  if (run === undefined) {
    let update = updaters.get(m.algorithm)
    if (update === undefined) {
      update = makeUpdater(compiled, workerData.polynomials[m.algorithm])
      updaters.set(m.algorithm, update)
    }
    run = { update, value: m.previous }
    runs.set(m.run, run)
  }
  for (const piece of m.pieces) run.value = run.update(piece, run.value)
  if (m.answer === undefined) return
  runs.delete(m.run)
  parentPort.postMessage({ id: m.answer, value: run.value })
})
`

interface Waiting {
  resolve(value: bigint): void
  reject(error: unknown): void
}

/** Options of {@link crcThread}. */
export interface CrcThreadOptions {
  /**
   * Bytes hashed on the caller's thread, as they are handed over, before the worker thread
   * starts (default 16 MiB, about 8 ms of CRC; 0 starts it with the first run). A worker is its
   * own V8 isolate: starting one cost a 1 MiB download 13 MiB of peak RSS (51 → 64 MiB) to save
   * it half a millisecond of hashing (BENCHMARKS.md).
   */
  readonly inlineBytes?: number
}

/** Default of {@link CrcThreadOptions.inlineBytes}. */
const INLINE_BYTES = 16 * 1024 * 1024

/**
 * A {@link ChecksumThread} on one worker thread (Node, Deno, Bun), for `download()`'s
 * `checksumThread`: the engine then hands its chunks in shared memory (Node's socket wire lends
 * them so) to this thread as they arrive, instead of hashing them on the thread that reads the
 * sockets. On the nginx GiB with a published CRC-64 that thread was the critical path, and the
 * CRC half a second of it (BENCHMARKS.md). The thread starts once `inlineBytes` were hashed on
 * the caller's thread (a small download never starts it), and never keeps the process alive
 * while idle. Where no thread can start (no `process.getBuiltinModule`, no
 * WebAssembly) or the thread fails, the value of every run it was to take rejects and the engine
 * computes the CRC itself.
 *
 * @example
 * ```ts
 * import { download } from '@resumable/core'
 * import { FileTarget, crcThread } from '@resumable/store-fs'
 * await download({ transport, target: new FileTarget('big.iso'), checksumThread: crcThread() })
 * ```
 */
export function crcThread(options: CrcThreadOptions = {}): ChecksumThread {
  const inlineBytes = options.inlineBytes ?? INLINE_BYTES
  if (!Number.isSafeInteger(inlineBytes) || inlineBytes < 0) {
    throw new OptionsError('inlineBytes', 'expected a whole number of bytes, 0 or more', {
      min: 0,
      received: inlineBytes,
      unit: 'bytes',
    })
  }
  /** Bytes hashed here so far, by every run of this thread. */
  let hashedInline = 0
  let worker: Worker | undefined
  let broken: unknown
  let nextId = 0
  const waiting = new Map<number, Waiting>()

  const fail = (error: unknown): void => {
    broken ??= error
    for (const waiter of waiting.values()) waiter.reject(error)
    waiting.clear()
  }
  const start = (): Worker => {
    const threads = workerThreads()
    const kit = crc64Kit()
    if (threads === undefined || kit === undefined)
      throw new Error('no thread can compute a CRC here')
    const started = new threads.Worker(THREAD_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: {
        bytes: kit.bytes,
        polynomials: kit.polynomials,
        updaterSource: kit.updaterSource,
      },
    })
    started.unref()
    started.on('message', (answer: { id: number; value: bigint }) => {
      const waiter = waiting.get(answer.id)
      waiting.delete(answer.id)
      if (waiting.size === 0) started.unref()
      waiter?.resolve(answer.value)
    })
    started.on('error', fail)
    started.on('exit', (code) => fail(new Error(`the CRC thread exited (code ${code})`)))
    return started
  }

  /** The thread, started on first use; throws where none can start. */
  const thread = (): Worker => {
    if (broken !== undefined) throw broken
    try {
      worker ??= start()
    } catch (error) {
      fail(error)
      throw error
    }
    return worker
  }

  return {
    begin(algorithm: Crc64Algorithm, previous: bigint): ChecksumRun {
      const run = nextId++
      let first = true
      let ended = false
      /** Some pieces never reached the thread: its value would miss them, so there is none. */
      let lost: unknown
      /** The run's value while it is hashed here; undefined once its pieces go to the thread. */
      let inline: bigint | undefined = previous
      /** Where the thread's value starts: `previous`, or what was hashed here before it. */
      let from = previous
      const post = (pieces: readonly Uint8Array[], answer?: number): void => {
        thread().postMessage({
          run,
          algorithm,
          previous: first ? from : undefined,
          pieces,
          answer,
        })
        first = false
      }
      /** Hashes `pieces` here while the budget lasts; false hands them (and the run) to the thread. */
      const hashInline = (pieces: readonly Uint8Array[]): boolean => {
        if (inline === undefined) return false
        let bytes = 0
        for (const piece of pieces) bytes += piece.length
        if (hashedInline + bytes > inlineBytes) {
          // The thread goes on from what was hashed here.
          from = inline
          inline = undefined
          return false
        }
        hashedInline += bytes
        for (const piece of pieces) {
          // A view of memory moved elsewhere reads as empty: the value would silently miss it.
          if (isDetached(piece)) throw new Error('a piece to hash was moved elsewhere')
          inline = crc64(algorithm, piece, inline)
        }
        return true
      }
      return {
        update(pieces) {
          // A thread that cannot take them fails the run's value, which the caller then computes;
          // a broken thread too (`post` throws), but only once the inline budget is spent: pieces
          // dropped here would leave the value of a run that never reached the thread short.
          if (!ended && lost === undefined) {
            try {
              if (!hashInline(pieces)) post(pieces)
            } catch (error) {
              lost = error
              // A failed postMessage leaves the thread holding the process open (Node 20).
              if (waiting.size === 0) worker?.unref()
            }
          }
        },
        value() {
          if (ended) return Promise.reject(new Error('the CRC run already ended'))
          ended = true
          if (lost !== undefined) return Promise.reject(lost)
          if (inline !== undefined) return Promise.resolve(inline)
          if (broken !== undefined) return Promise.reject(broken)
          const answer = nextId++
          return new Promise<bigint>((resolve, reject) => {
            try {
              const started = thread()
              if (waiting.size === 0) started.ref()
              waiting.set(answer, { resolve, reject })
              post([], answer)
            } catch (error) {
              waiting.delete(answer)
              reject(error)
            }
          })
        },
      }
    },
  }
}

/** True when `piece` is a view of an ArrayBuffer that was transferred (its bytes are gone). */
function isDetached(piece: Uint8Array): boolean {
  const { buffer } = piece
  if (buffer.byteLength !== 0) return false
  // Node 20 has no `ArrayBuffer.prototype.detached`; a view of a detached buffer cannot be made.
  try {
    new Uint8Array(buffer)
    return false
  } catch {
    return true
  }
}
