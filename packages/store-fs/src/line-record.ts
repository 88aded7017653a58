import {
  closeSync,
  constants,
  ftruncateSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { readFile, rename, unlink } from 'node:fs/promises'
import { lstatOrUndefined } from './probe.ts'

const NEWLINE = 0x0a
// Read too, to cut a torn last line; never through a symlink planted at the record's name
// (Windows has no O_NOFOLLOW: 0 there).
const APPEND_FLAGS =
  constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0)
// A rewrite, never through a symlink planted at the temporary name either.
const REWRITE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0)
const encoder = new TextEncoder()

/**
 * An append-only file of lines that a batch keeps in its destination, to be read by a later run
 * (the directories it created, the objects it started in parts). Each line goes out with its own
 * write, so a crash can tear only the last one: it is left out when read and cut off before the
 * next append. Appends are not fsynced (a lost line costs what the record's user says); a
 * rewrite is a new file renamed over the old, so a kill leaves one or the other, whole. Never
 * read, written or replaced through a symlink planted at its name.
 */
export class LineRecord {
  /** The record's path. */
  readonly path: string
  #fd: number | undefined
  /** An append failed: later lines could join a torn one, so none is written until `close`. */
  #broken = false

  constructor(path: string) {
    this.path = path
  }

  /** Appends `line` (no line break in it). False when it could not; then none is, until `close`. */
  append(line: string): boolean {
    if (this.#broken) return false
    try {
      this.#fd ??= this.#openForAppend()
      const bytes = encoder.encode(`${line}\n`)
      let written = 0
      while (written < bytes.length)
        written += writeSync(this.#fd, bytes, written, bytes.length - written)
      return true
    } catch {
      this.close()
      this.#broken = true
      return false
    }
  }

  /** The record's complete lines (a torn last one left out); none when there is no record. */
  async lines(): Promise<string[]> {
    try {
      if (!lstatOrUndefined(this.path)?.isFile()) return []
      const lines = (await readFile(this.path, 'utf8')).split('\n')
      lines.pop() // '' after the last newline, or a torn line
      return lines
    } catch {
      return []
    }
  }

  /** Replaces the record by `lines`, or deletes it when there are none. Best effort. */
  async rewrite(lines: readonly string[]): Promise<void> {
    this.close()
    if (lines.length === 0) {
      await unlink(this.path).catch(() => undefined)
      return
    }
    const temp = `${this.path}.tmp`
    try {
      const fd = openSync(temp, REWRITE_FLAGS, 0o600)
      try {
        writeFileSync(fd, lines.map((line) => `${line}\n`).join(''))
      } finally {
        closeSync(fd)
      }
      await rename(temp, this.path)
    } catch {
      // The old record stays, naming these and more: each user treats an extra line as harmless.
      await unlink(temp).catch(() => undefined)
    }
  }

  /** Deletes the record, and a rewrite a kill cut short; true when there was a record. */
  async remove(): Promise<boolean> {
    this.close()
    const existed = this.exists()
    await unlink(this.path).catch(() => undefined)
    await unlink(`${this.path}.tmp`).catch(() => undefined)
    return existed
  }

  /** True when there is a record (a killed run's, or this one's). */
  exists(): boolean {
    try {
      return lstatOrUndefined(this.path) !== undefined
    } catch {
      return false
    }
  }

  /** Closes the file appends go to; the next append opens it again. */
  close(): void {
    const fd = this.#fd
    this.#fd = undefined
    this.#broken = false
    if (fd === undefined) return
    try {
      closeSync(fd)
    } catch {
      // Nothing was buffered: every line went out with its own write.
    }
  }

  /** Opens the record for appending, first cutting off a torn last line a killed run left. */
  #openForAppend(): number {
    const fd = openSync(this.path, APPEND_FLAGS, 0o600)
    try {
      const bytes = readFileSync(fd)
      if (bytes.length > 0 && bytes[bytes.length - 1] !== NEWLINE)
        ftruncateSync(fd, bytes.lastIndexOf(NEWLINE) + 1)
    } catch (error) {
      closeSync(fd)
      throw error
    }
    return fd
  }
}
