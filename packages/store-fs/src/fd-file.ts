import {
  close,
  closeSync,
  fdatasync,
  fstat,
  fsync,
  ftruncate,
  futimes,
  futimesSync,
  open,
  openSync,
  read,
  type Stats,
  write,
  writeSync,
  writev,
  writevSync,
} from 'node:fs'
import { promisify } from 'node:util'
import { type QuickCallKind, QuickCalls } from './quick-calls.ts'

/** The calls FileTarget makes on its open temporary file: a `FileHandle` has them, and `FdFile`. */
export interface OpenFile {
  /** The descriptor, for the synchronous probes and the write thread. */
  readonly fd: number
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number }>
  writev(buffers: readonly Uint8Array[], position: number): Promise<{ bytesWritten: number }>
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>
  stat(): Promise<Stats>
  truncate(length: number): Promise<void>
  /** Sets the file's access and modification times. */
  utimes(atime: Date, mtime: Date): Promise<void>
  datasync(): Promise<void>
  sync(): Promise<void>
  close(): Promise<void>
}

/**
 * Writes up to this long are short calls: a small object's one write. Longer ones take the pool,
 * which copies into the page cache off the event loop's thread (the busier one).
 */
export const QUICK_WRITE_BYTES: number = 256 * 1024

// Written out, not promisified: what util.promisify makes of write, writev and read differs
// between runtimes (Node resolves an object, Deno the count alone).
function writeAsync(
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<{ bytesWritten: number }> {
  return new Promise((resolve, reject) => {
    write(fd, buffer, offset, length, position, (error, bytesWritten) =>
      error ? reject(error) : resolve({ bytesWritten }),
    )
  })
}

function writevAsync(
  fd: number,
  buffers: readonly Uint8Array[],
  position: number,
): Promise<{ bytesWritten: number }> {
  return new Promise((resolve, reject) => {
    writev(fd, buffers as Uint8Array[], position, (error, bytesWritten) =>
      error ? reject(error) : resolve({ bytesWritten }),
    )
  })
}

function readAsync(
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<{ bytesRead: number }> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, offset, length, position, (error, bytesRead) =>
      error ? reject(error) : resolve({ bytesRead }),
    )
  })
}

const openAsync = promisify(open)
const fstatAsync = promisify(fstat)
const ftruncateAsync = promisify(ftruncate)
const futimesAsync = promisify(futimes)
const fdatasyncAsync = promisify(fdatasync)
const fsyncAsync = promisify(fsync)
const closeAsync = promisify(close)

/** Which {@link QuickCalls} judges each kind of call: the process's own, or a test's. */
export type QuickCallsFor = (kind: QuickCallKind) => QuickCalls

/**
 * A file open on a plain descriptor whose short calls run synchronously while they are quick
 * ({@link QuickCalls}); the rest, and every kind of call once it is not, take the pool.
 */
export class FdFile implements OpenFile {
  readonly fd: number
  readonly #quick: QuickCallsFor
  #closed = false

  private constructor(fd: number, quick: QuickCallsFor) {
    this.fd = fd
    this.#quick = quick
  }

  /** Creates `path` exclusively (`wx+`, mode 0644): never a file or a link already there. */
  static async create(path: string, quick: QuickCallsFor = QuickCalls.shared): Promise<FdFile> {
    const calls = quick('create')
    const fd = calls.on
      ? calls.run(() => openSync(path, 'wx+', 0o644))
      : await openAsync(path, 'wx+', 0o644)
    return new FdFile(fd, quick)
  }

  /** Opens a directory to fsync it. */
  static async openDirectory(
    path: string,
    quick: QuickCallsFor = QuickCalls.shared,
  ): Promise<FdFile> {
    const calls = quick('open-directory')
    const fd = calls.on ? calls.run(() => openSync(path, 'r')) : await openAsync(path, 'r')
    return new FdFile(fd, quick)
  }

  async write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number }> {
    const calls = this.#quick('write')
    if (length <= QUICK_WRITE_BYTES && calls.on) {
      return { bytesWritten: calls.run(() => writeSync(this.fd, buffer, offset, length, position)) }
    }
    return writeAsync(this.fd, buffer, offset, length, position)
  }

  async writev(
    buffers: readonly Uint8Array[],
    position: number,
  ): Promise<{ bytesWritten: number }> {
    let total = 0
    for (const buffer of buffers) total += buffer.length
    const calls = this.#quick('write')
    if (total <= QUICK_WRITE_BYTES && calls.on) {
      return { bytesWritten: calls.run(() => writevSync(this.fd, buffers, position)) }
    }
    return writevAsync(this.fd, buffers, position)
  }

  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }> {
    return readAsync(this.fd, buffer, offset, length, position)
  }

  stat(): Promise<Stats> {
    return fstatAsync(this.fd)
  }

  truncate(length: number): Promise<void> {
    return ftruncateAsync(this.fd, length)
  }

  async utimes(atime: Date, mtime: Date): Promise<void> {
    const calls = this.#quick('set-times')
    if (calls.on) calls.run(() => futimesSync(this.fd, atime, mtime))
    else await futimesAsync(this.fd, atime, mtime)
  }

  /** Always on the pool: it waits on the disk. */
  datasync(): Promise<void> {
    return fdatasyncAsync(this.fd)
  }

  /** Always on the pool: it waits on the disk. */
  sync(): Promise<void> {
    return fsyncAsync(this.fd)
  }

  /** Closes once: a second call must not close whatever file took the descriptor's number since. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const calls = this.#quick('close')
    if (calls.on) calls.run(() => closeSync(this.fd))
    else await closeAsync(this.fd)
  }
}
