// A minimal file Target for the benchmark only (the real one is @resumable/store-fs).
import { type FileHandle, open, rename, rm } from 'node:fs/promises'
import type { Target, TargetOpenOptions, TargetOpenResult } from '@resumable/core'

/** Positional writes to `<path>.part`, renamed to `path` on commit. */
export class BenchFileTarget implements Target {
  readonly id: string
  #fh: FileHandle | undefined

  constructor(path: string) {
    this.id = path
  }

  async open(_options: TargetOpenOptions): Promise<TargetOpenResult> {
    this.#fh = await open(`${this.id}.part`, 'w+')
    return { resumed: false }
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    let done = 0
    while (done < data.length) {
      const { bytesWritten } = await (this.#fh as FileHandle).write(
        data,
        done,
        data.length - done,
        offset + done,
      )
      done += bytesWritten
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length)
    await (this.#fh as FileHandle).read(out, 0, length, offset)
    return out
  }

  async sync(): Promise<void> {
    await this.#fh?.datasync()
  }

  async commit(): Promise<void> {
    await this.#fh?.close()
    this.#fh = undefined
    await rename(`${this.id}.part`, this.id)
  }

  async abort(options: { readonly keep: boolean }): Promise<void> {
    await this.#fh?.close()
    this.#fh = undefined
    if (!options.keep) await rm(`${this.id}.part`, { force: true })
  }
}
