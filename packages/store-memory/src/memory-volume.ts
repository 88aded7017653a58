import { TargetError } from '@resumable/core'

/** A temporary file on a MemoryVolume: synced bytes plus writes not yet made durable. */
interface MemoryTempFile {
  durable: Uint8Array
  pending: { offset: number; data: Uint8Array }[]
}

/**
 * An in-memory stand-in for a disk, shared by MemoryTargets so a "process" can crash and a new
 * target can reopen what survived. Writes are durable only after `sync`, as on a real disk.
 */
export class MemoryVolume {
  readonly #files = new Map<string, Uint8Array>()
  readonly #temps = new Map<string, MemoryTempFile>()

  /** The committed bytes of `name`, or undefined when it has never been committed. */
  file(name: string): Uint8Array | undefined {
    return this.#files.get(name)
  }

  /** Places a committed file, as if it already existed before the download. */
  setFile(name: string, data: Uint8Array): void {
    this.#files.set(name, data.slice())
  }

  /** Deletes the committed file `name`, as a user removing it would; true when there was one. */
  deleteFile(name: string): boolean {
    return this.#files.delete(name)
  }

  /** True while a temporary file exists for `name`. */
  hasTemp(name: string): boolean {
    return this.#temps.has(name)
  }

  /** Simulates power loss: every write not made durable by a sync is lost. */
  crash(): void {
    for (const temp of this.#temps.values()) temp.pending = []
  }

  /** Opens or creates the temporary file of `name`; `resume: false` truncates it. */
  openTemp(name: string, size: number, resume: boolean): boolean {
    const existing = this.#temps.get(name)
    if (resume && existing && existing.durable.length === size) return true
    this.#temps.set(name, { durable: new Uint8Array(size), pending: [] })
    return false
  }

  /** Records a write; it is lost by `crash` until `sync` runs. */
  writeTemp(name: string, offset: number, data: Uint8Array): void {
    this.#temp(name).pending.push({ offset, data: data.slice() })
  }

  /** Reads the temporary file as a running process sees it (durable bytes overlaid by pending writes). */
  readTemp(name: string, offset: number, length: number): Uint8Array {
    const temp = this.#temp(name)
    const out = temp.durable.slice(offset, offset + length)
    for (const w of temp.pending) {
      const from = Math.max(offset, w.offset)
      const to = Math.min(offset + length, w.offset + w.data.length)
      if (from < to) out.set(w.data.subarray(from - w.offset, to - w.offset), from - offset)
    }
    return out
  }

  /** Makes every recorded write durable. */
  syncTemp(name: string): void {
    const temp = this.#temp(name)
    for (const w of temp.pending) temp.durable.set(w.data, w.offset)
    temp.pending = []
  }

  /** Atomically replaces the committed file with the synced temporary file. */
  commitTemp(name: string): void {
    const temp = this.#temp(name)
    this.#files.set(name, temp.durable)
    this.#temps.delete(name)
  }

  /** Removes the temporary file. */
  removeTemp(name: string): void {
    this.#temps.delete(name)
  }

  #temp(name: string): MemoryTempFile {
    const temp = this.#temps.get(name)
    // As a disk would: writing, syncing or committing a file that is not open is an I/O failure.
    if (!temp) throw new TargetError('io', `No open temporary file for ${name}`, { path: name })
    return temp
  }
}
