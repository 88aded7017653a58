import type { Worker } from 'node:worker_threads'
import type { DigestAlgorithm } from '@resumable/core'
import type { PieceHasher } from './piece-hasher.ts'
import { workerThreads } from './worker-threads.ts'
import type { ThreadFile } from './write-thread.ts'

// CommonJS, evaluated by the thread: a module file would have to be found beside a bundle. Each
// run reads its file with its own calls (a descriptor shared with the caller, or one opened here by
// path and checked to be the caller's inode) and hashes natively, a MiB at a time.
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const { closeSync, fstatSync, openSync, readSync } = require('node:fs')
const runs = new Map()
let buffer
function begin(m) {
  let fd = m.file.fd
  const own = fd === undefined
  if (own) {
    fd = openSync(m.file.path, 'r')
    if (m.file.ino !== undefined && fstatSync(fd).ino !== m.file.ino) {
      closeSync(fd)
      throw new Error(m.file.path + ' was replaced by another file')
    }
  }
  return { fd, own, hashes: m.algorithms.map((a) => [a, createHash(a)]) }
}
function end(id) {
  const run = runs.get(id)
  runs.delete(id)
  if (run && run.own) closeSync(run.fd)
}
parentPort.on('message', (m) => {
  try {
    if (m.type === 'begin') {
      try { runs.set(m.run, begin(m)) } catch (error) { runs.set(m.run, { error }) }
      return
    }
    if (m.type === 'close') {
      end(m.run)
      return parentPort.postMessage({ id: m.id })
    }
    const run = runs.get(m.run)
    if (run === undefined) throw new Error('no such run')
    if (run.error) throw run.error
    if (m.type === 'hash') {
      buffer ??= Buffer.allocUnsafe(1024 * 1024)
      for (let at = m.position, stop = m.position + m.length; at < stop; ) {
        const n = readSync(run.fd, buffer, 0, Math.min(buffer.length, stop - at), at)
        if (n === 0) throw new Error('the file ends before byte ' + stop)
        const piece = buffer.subarray(0, n)
        for (const [, hash] of run.hashes) hash.update(piece)
        at += n
      }
      parentPort.postMessage({ id: m.id })
    } else {
      const hex = {}
      for (const [algorithm, hash] of run.hashes) hex[algorithm] = hash.digest('hex')
      end(m.run)
      parentPort.postMessage({ id: m.id, hex })
    }
  } catch (error) {
    parentPort.postMessage({ id: m.id, message: String(error && error.message) })
  }
})`

interface Waiting {
  resolve(answer: { readonly hex?: Record<string, string> }): void
  reject(error: unknown): void
}

/**
 * One worker thread that reads files back and hashes them for {@link AheadDigest}s, so that the
 * thread reading the sockets neither copies the bytes out of the page cache again nor hashes them
 * (an MD5 costs 1.7 CPU-seconds per GiB here). Started on first use, shared by every target, and
 * never keeping the process alive while idle.
 */
export class DigestThread {
  static #shared: DigestThread | undefined
  static #unavailable = false

  /** The process's digest thread; undefined where no thread can start (the caller hashes itself). */
  static shared(): DigestThread | undefined {
    if (DigestThread.#unavailable) return undefined
    if (DigestThread.#shared) return DigestThread.#shared
    const threads = workerThreads()
    if (threads === undefined) {
      DigestThread.#unavailable = true
      return undefined
    }
    try {
      DigestThread.#shared = new DigestThread(
        new threads.Worker(THREAD_SOURCE, { eval: true, execArgv: [] }),
      )
    } catch {
      DigestThread.#unavailable = true
    }
    return DigestThread.#shared
  }

  readonly #worker: Worker
  readonly #waiting = new Map<number, Waiting>()
  #nextId = 0
  #broken: unknown

  private constructor(worker: Worker) {
    this.#worker = worker
    worker.unref()
    worker.on(
      'message',
      (answer: { id: number; hex?: Record<string, string>; message?: string }) => {
        const waiter = this.#waiting.get(answer.id)
        this.#waiting.delete(answer.id)
        if (this.#waiting.size === 0) worker.unref()
        if (answer.message === undefined) waiter?.resolve(answer)
        else waiter?.reject(new Error(answer.message))
      },
    )
    const fail = (error: unknown): void => {
      this.#broken ??= error
      // The next target hashes on its own thread.
      if (DigestThread.#shared === this) DigestThread.#shared = undefined
      for (const waiter of this.#waiting.values()) waiter.reject(error)
      this.#waiting.clear()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`the digest thread exited (code ${code})`)))
  }

  /** A hasher of the file `file()` names, on this thread. */
  hasher(algorithms: readonly DigestAlgorithm[], file: () => Promise<ThreadFile>): PieceHasher {
    const run = this.#nextId++
    let begun: Promise<void> | undefined
    const begin = (): Promise<void> => {
      begun ??= file().then((named) => {
        this.#post({ type: 'begin', run, algorithms, file: named })
      })
      return begun
    }
    return {
      hash: async (position, length) => {
        await begin()
        await this.#call({ type: 'hash', run, position, length })
      },
      finish: async () => {
        await begin()
        const { hex = {} } = await this.#call({ type: 'finish', run })
        return new Map(Object.entries(hex) as [DigestAlgorithm, string][])
      },
      // Awaited before the caller renames or removes the file: Windows refuses that while the
      // thread's own descriptor (a file opened by path) is open.
      close: async () => {
        if (begun === undefined) return
        try {
          await begun
          await this.#call({ type: 'close', run })
        } catch {
          // A thread that failed holds nothing any more.
        }
      },
    }
  }

  #post(message: object): void {
    if (this.#broken !== undefined) throw this.#broken
    this.#worker.postMessage(message)
  }

  #call(message: object): Promise<{ readonly hex?: Record<string, string> }> {
    return new Promise((resolve, reject) => {
      const id = this.#nextId++
      try {
        this.#post({ ...message, id })
      } catch (error) {
        reject(error)
        return
      }
      if (this.#waiting.size === 0) this.#worker.ref()
      this.#waiting.set(id, { resolve, reject })
    })
  }
}
