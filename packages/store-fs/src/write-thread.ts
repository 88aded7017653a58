import type { Worker } from 'node:worker_threads'
import { workerThreads } from './worker-threads.ts'

/**
 * Bytes per `pwrite` of the write thread: 16 KiB. Linux sizes the page-cache folios of a buffered
 * write by the length of the call, and on a VM that hands freed memory back to its host the copy
 * into large folios waits on the host: there a 1 MiB `pwrite` cost up to 17× the system CPU of
 * sixty-four 16 KiB ones, and calls of at most 16 KiB were the one steady shape (`dd` and Node
 * figures in BENCHMARKS.md). rclone, fast on that machine, writes 32 KiB per call.
 */
export const WRITE_SLICE: number = 16 * 1024

/** Staging memory per message for bytes not already in shared memory. */
const STAGE_BYTES = 1024 * 1024
/** Staging buffers filled ahead of the thread, per call. */
const STAGES_IN_FLIGHT = 4

// CommonJS, evaluated by the thread: a module file would have to be found beside a bundle.
// A file named by path (where descriptors belong to the thread that opened them) is opened here
// once, checked to be the same inode the caller has open, and kept until the caller closes it.
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { closeSync, fstatSync, openSync, writeSync, writevSync } = require('node:fs')
const opened = new Map()
function descriptor(m) {
  if (m.fd !== undefined) return m.fd
  let fd = opened.get(m.path)
  if (fd !== undefined) return fd
  fd = openSync(m.path, 'r+')
  if (m.ino !== undefined && fstatSync(fd).ino !== m.ino) {
    closeSync(fd)
    throw Object.assign(new Error(m.path + ' was replaced by another file'), { code: 'ESTALE' })
  }
  opened.set(m.path, fd)
  return fd
}
// Each call ends on a multiple of slice in the file, whatever the pieces' lengths (a body's first
// piece is short by the response head, which would leave every later call straddling pages): a
// call spanning two pieces is one writev.
function writePieces(fd, pieces, position, slice) {
  let i = 0
  let at = 0
  while (i < pieces.length) {
    const want = slice - (position % slice)
    const views = []
    let length = 0
    for (let j = i, from = at; j < pieces.length && length < want; j++, from = 0) {
      const p = pieces[j]
      const n = Math.min(p.length - from, want - length)
      views.push(new Uint8Array(p.buffer, p.byteOffset + from, n))
      length += n
    }
    const n = views.length === 1 ? writeSync(fd, views[0], 0, length, position) : writevSync(fd, views, position)
    if (n <= 0) throw Object.assign(new Error('write returned ' + n), { code: 'EIO' })
    position += n
    for (let left = n; left > 0; ) {
      const rest = pieces[i].length - at
      if (left < rest) { at += left; left = 0 } else { left -= rest; i++; at = 0 }
    }
  }
}
parentPort.on('message', (m) => {
  try {
    if (m.close !== undefined) {
      const fd = opened.get(m.close)
      opened.delete(m.close)
      if (fd !== undefined) closeSync(fd)
    } else {
      writePieces(descriptor(m), m.pieces, m.position, m.slice)
    }
    parentPort.postMessage({ id: m.id })
  } catch (error) {
    parentPort.postMessage({ id: m.id, code: error && error.code, message: String(error && error.message) })
  }
})`

/**
 * The file a write goes to: the caller's descriptor, or, on a runtime whose descriptors belong to
 * the thread that opened them (Deno), its path and inode, opened by the thread itself.
 */
export type ThreadFile = { readonly fd: number } | { readonly path: string; readonly ino?: number }

/** Deno's FileHandle.fd names a resource of the thread that opened it, not a shared descriptor. */
export const DESCRIPTORS_ARE_THREAD_LOCAL: boolean = 'Deno' in globalThis

/** The thread itself failed (it could not start, or it stopped): the bytes may be written another way. */
export class WriteThreadGone extends Error {
  override readonly name = 'WriteThreadGone'
}

interface Pending {
  resolve(): void
  reject(error: Error): void
}

interface Reply {
  readonly id: number
  readonly code?: string
  readonly message?: string
}

/** Bytes in shared memory the thread writes from. */
interface SharedPiece {
  readonly buffer: SharedArrayBuffer
  readonly byteOffset: number
  readonly length: number
}

/**
 * One background thread that writes for every FileTarget of the process, each call as a run of
 * `pwrite`s of `slice` bytes. Chunks already in shared memory (the Node wire's kept slabs) are
 * written from where they are; others are copied into shared staging memory first. The thread
 * keeps the process alive only while a write is in flight.
 */
export class WriteThread {
  readonly #worker: Worker
  readonly #pending = new Map<number, Pending>()
  readonly #stages: Uint8Array[] = []
  #nextId = 0
  #broken: Error | undefined

  private constructor(worker: Worker) {
    this.#worker = worker
    worker.on('message', (reply: Reply) => this.#settle(reply))
    worker.on('error', (error: Error) =>
      this.#fail(
        new WriteThreadGone(`the write thread failed: ${error.message}`, { cause: error }),
      ),
    )
    worker.on('exit', (code: number) =>
      this.#fail(new WriteThreadGone(`the write thread exited (${code})`)),
    )
    worker.unref()
  }

  static #shared: WriteThread | undefined
  static #unavailable = false

  /** The process's write thread, started on first use; undefined where threads cannot start. */
  static shared(): WriteThread | undefined {
    const current = WriteThread.#shared
    if (current && !current.#broken) return current
    // One thread per process: after it failed, writes take the pool.
    if (current) WriteThread.#unavailable = true
    if (WriteThread.#unavailable) return undefined
    try {
      const threads = workerThreads()
      if (threads === undefined) throw new Error('no node:worker_threads')
      // No inherited flags: `--input-type=module` would make the source ESM, and a loader such
      // as `--import tsx` would only slow the thread's start.
      const worker = new threads.Worker(THREAD_SOURCE, { eval: true, execArgv: [] })
      WriteThread.#shared = new WriteThread(worker)
      return WriteThread.#shared
    } catch {
      WriteThread.#unavailable = true
      return undefined
    }
  }

  /**
   * Writes `chunks` back to back from `position` of `file`; rejects with the system error (its
   * `code` kept), or with WriteThreadGone when the thread itself failed. A chunk in shared memory
   * is written from there (the caller keeps it untouched until this settles); other bytes are
   * packed into shared staging buffers of 1 MiB. One message carries up to 1 MiB.
   */
  async write(
    file: ThreadFile,
    chunks: readonly Uint8Array[],
    position: number,
    slice: number,
  ): Promise<void> {
    // Bytes not in shared memory are staged: V8 copies into shared memory with relaxed atomic
    // stores, a word at a time when source and destination are aligned alike, a byte at a time
    // when not. A body chunk copied into a shared write buffer is misaligned as often as not
    // (0.30–0.36 s per GiB against 0.04–0.07 aligned, BENCHMARKS.md), so the engine fills plain
    // memory at memcpy speed and the write buffer's halves, which start aligned, are staged here.
    const running: { done: Promise<void>; stage: Uint8Array | undefined }[] = []
    let pieces: SharedPiece[] = []
    let bytes = 0
    let stage: Uint8Array | undefined
    let filled = 0
    let at = position
    const send = async (): Promise<void> => {
      if (bytes === 0) return
      const done = this.#send({ ...file, pieces, position: at, slice })
      running.push({ done, stage })
      at += bytes
      pieces = []
      bytes = 0
      stage = undefined
      filled = 0
      const oldest = running.length === STAGES_IN_FLIGHT ? running.shift() : undefined
      if (oldest) {
        try {
          await oldest.done
        } finally {
          // Answered (or the thread is gone): its stage may be filled again.
          if (oldest.stage) this.#stages.push(oldest.stage)
        }
      }
    }
    try {
      for (const chunk of chunks) {
        if (chunk.buffer instanceof SharedArrayBuffer) {
          const { buffer, byteOffset, length } = chunk
          pieces.push({ buffer, byteOffset, length })
          bytes += length
          if (bytes >= STAGE_BYTES) await send()
          continue
        }
        for (let from = 0; from < chunk.length; ) {
          stage ??= this.#stages.pop() ?? new Uint8Array(new SharedArrayBuffer(STAGE_BYTES))
          const n = Math.min(stage.length - filled, chunk.length - from)
          stage.set(chunk.subarray(from, from + n), filled)
          const last = pieces[pieces.length - 1]
          // Staged bytes right after the last staged piece extend it: one piece per stage.
          if (last?.buffer === stage.buffer && last.byteOffset + last.length === filled) {
            pieces[pieces.length - 1] = { ...last, length: last.length + n }
          } else {
            pieces.push({
              buffer: stage.buffer as SharedArrayBuffer,
              byteOffset: filled,
              length: n,
            })
          }
          filled += n
          from += n
          bytes += n
          if (filled === stage.length || bytes >= STAGE_BYTES) await send()
        }
      }
      await send()
      await Promise.all(running.map((r) => r.done))
    } finally {
      // A stage is reused only once the thread has answered for it (or is gone).
      await Promise.allSettled(running.map((r) => r.done))
      for (const r of running) if (r.stage) this.#stages.push(r.stage)
      if (stage) this.#stages.push(stage)
    }
  }

  /**
   * The caller is done with `file`: a file the thread opened by path is closed (before a rename
   * or a reopen); one named by descriptor needs nothing.
   */
  async forget(file: ThreadFile): Promise<void> {
    if ('path' in file) await this.#send({ close: file.path })
  }

  #send(message: object): Promise<void> {
    if (this.#broken) return Promise.reject(this.#broken)
    const id = this.#nextId++
    const done = new Promise<void>((resolve, reject) => this.#pending.set(id, { resolve, reject }))
    if (this.#pending.size === 1) this.#worker.ref()
    this.#worker.postMessage({ ...message, id })
    return done
  }

  #settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id)
    if (!pending) return
    this.#pending.delete(reply.id)
    if (this.#pending.size === 0) this.#worker.unref()
    if (reply.code === undefined && reply.message === undefined) pending.resolve()
    else
      pending.reject(
        Object.assign(new Error(reply.message ?? 'write failed'), { code: reply.code }),
      )
  }

  #fail(error: Error): void {
    this.#broken ??= error
    for (const pending of this.#pending.values()) pending.reject(error)
    this.#pending.clear()
    this.#worker.unref()
  }
}
