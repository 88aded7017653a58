import {
  bytesToHex,
  type DigestAlgorithm,
  Md5,
  type Target,
  TargetError,
  type TargetOpenOptions,
  type TargetOpenResult,
} from '@resumable/core'
import { MemoryVolume } from './memory-volume.ts'

/** Options for a MemoryTarget. */
export interface MemoryTargetOptions {
  /** The volume holding temporary and committed files; share it to simulate a crash and resume. */
  readonly volume?: MemoryVolume
  /** Replace an existing committed file of the same name. */
  readonly overwrite?: boolean
}

/** A Target in memory, with the durability rules of a disk: unsynced writes are lost by `volume.crash()`. */
export class MemoryTarget implements Target {
  /** The destination name. */
  readonly id: string
  /** The volume this target writes to. */
  readonly volume: MemoryVolume
  readonly #overwrite: boolean
  #size = -1

  constructor(id: string, options: MemoryTargetOptions = {}) {
    this.id = id
    this.volume = options.volume ?? new MemoryVolume()
    this.#overwrite = options.overwrite ?? false
  }

  /** The committed bytes, once `commit` has run. */
  get committed(): Uint8Array | undefined {
    return this.volume.file(this.id)
  }

  /** Creates or reopens the temporary file; refuses to plan over an existing file unless overwriting. */
  async open(options: TargetOpenOptions): Promise<TargetOpenResult> {
    if (!this.#overwrite && this.volume.file(this.id) !== undefined) {
      throw new TargetError('exists', `Destination ${this.id} already exists`, {
        path: this.id,
        remedies: ['overwrite'],
      })
    }
    this.#size = options.size
    return { resumed: this.volume.openTemp(this.id, options.size, options.resume) }
  }

  /** Records a write; rejects writes outside the object, which would be an engine bug. */
  async write(offset: number, data: Uint8Array): Promise<void> {
    this.#checkRange(offset, data.length)
    this.volume.writeTemp(this.id, offset, data)
  }

  /** Reads back bytes as this process sees them. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.#checkRange(offset, length)
    return this.volume.readTemp(this.id, offset, length)
  }

  /** The digest (lower-case hex) of the first `length` bytes: Web Crypto's SHAs, core's MD5. */
  async digest(algorithm: DigestAlgorithm, length: number): Promise<string> {
    const bytes = await this.read(0, length)
    if (algorithm === 'md5') return new Md5().update(bytes).hex()
    const name = { sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512' }[algorithm]
    // A volume holds plain ArrayBuffers: never shared memory.
    const digest = new Uint8Array(
      await crypto.subtle.digest(name, bytes as Uint8Array<ArrayBuffer>),
    )
    return bytesToHex(digest)
  }

  /** Makes every write so far durable. */
  async sync(): Promise<void> {
    this.volume.syncTemp(this.id)
  }

  /** Publishes the synced bytes atomically. */
  async commit(): Promise<void> {
    this.volume.syncTemp(this.id)
    this.volume.commitTemp(this.id)
  }

  /** Drops the temporary file unless `keep`. */
  async abort(options: { readonly keep: boolean }): Promise<void> {
    if (!options.keep) this.volume.removeTemp(this.id)
  }

  #checkRange(offset: number, length: number): void {
    if (this.#size < 0) throw new TargetError('io', `MemoryTarget ${this.id} is not open`)
    if (offset < 0 || length < 0 || offset + length > this.#size) {
      throw new TargetError(
        'io',
        `Access [${offset}, ${offset + length}) is outside the ${this.#size}-byte object`,
        { path: this.id },
      )
    }
  }
}
