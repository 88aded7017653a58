import type { Worker } from 'node:worker_threads'
import {
  type ChecksumRun,
  type ChecksumThread,
  type Crc64Algorithm,
  crc64Kit,
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

/**
 * A {@link ChecksumThread} on one worker thread (Node, Deno, Bun), for `download()`'s
 * `checksumThread`: the engine then hands its chunks in shared memory (Node's socket wire lends
 * them so) to this thread as they arrive, instead of hashing them on the thread that reads the
 * sockets. On the nginx GiB with a published CRC-64 that thread was the critical path, and the
 * CRC half a second of it (BENCHMARKS.md). The thread starts with the first run and never keeps
 * the process alive while idle. Where no thread can start (no `process.getBuiltinModule`, no
 * WebAssembly) or the thread fails, every run's value rejects and the engine computes the CRC
 * itself.
 *
 * @example
 * ```ts
 * import { download } from '@resumable/core'
 * import { FileTarget, crcThread } from '@resumable/store-fs'
 * await download({ transport, target: new FileTarget('big.iso'), checksumThread: crcThread() })
 * ```
 */
export function crcThread(): ChecksumThread {
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
      const post = (pieces: readonly Uint8Array[], answer?: number): void => {
        thread().postMessage({
          run,
          algorithm,
          previous: first ? previous : undefined,
          pieces,
          answer,
        })
        first = false
      }
      return {
        update(pieces) {
          // A thread that cannot take them fails the run's value, which the caller then computes.
          if (!ended && broken === undefined && lost === undefined) {
            try {
              post(pieces)
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
          if (broken !== undefined) return Promise.reject(broken)
          if (lost !== undefined) return Promise.reject(lost)
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
