import type { CheckpointStore } from '@resumable/core'
import type {
  IdbDatabase,
  IdbDurability,
  IdbFactory,
  IdbObjectStore,
  IdbRequest,
} from './web-storage-types.ts'

/** Options for an IndexedDbCheckpointStore. */
export interface IndexedDbCheckpointStoreOptions {
  /** Database name. @default 'resumable' */
  readonly databaseName?: string
  /** Object store name inside it. @default 'checkpoints' */
  readonly storeName?: string
  /**
   * Transaction durability. `'strict'` waits until the save is on disk before it resolves, which
   * is what a checkpoint promises; `'relaxed'` is faster and may lose the last saves on power loss.
   * @default 'strict'
   */
  readonly durability?: 'strict' | 'relaxed' | 'default'
}

/**
 * A CheckpointStore in IndexedDB, usable from a page or a worker. Each save is one `put` in its own
 * readwrite transaction, so a reader sees the previous bytes or the new ones, never a mix, and
 * concurrent saves land whole in the order they were made.
 *
 * @example
 * ```ts
 * import { IndexedDbCheckpointStore } from '@resumable/store-browser'
 *
 * const checkpoint = new IndexedDbCheckpointStore({ databaseName: 'my-app-downloads' })
 * await checkpoint.save('opfs:/model.bin', new Uint8Array([1, 2, 3]))
 * console.log(await checkpoint.load('opfs:/model.bin'))
 * ```
 */
export class IndexedDbCheckpointStore implements CheckpointStore {
  /** Database name. */
  readonly databaseName: string
  /** Object store name. */
  readonly storeName: string
  readonly #durability: IdbDurability
  #db: Promise<IdbDatabase> | undefined

  constructor(options: IndexedDbCheckpointStoreOptions = {}) {
    this.databaseName = options.databaseName ?? 'resumable'
    this.storeName = options.storeName ?? 'checkpoints'
    this.#durability = options.durability ?? 'strict'
  }

  /** The bytes saved under `key`, or undefined. */
  async load(key: string): Promise<Uint8Array | undefined> {
    const value = await this.#run('readonly', (store) => store.get(key))
    if (value === undefined) return undefined
    if (value instanceof ArrayBuffer) return new Uint8Array(value)
    if (ArrayBuffer.isView(value)) {
      return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice()
    }
    // Something else wrote this key: hand the engine bytes it will reject as a corrupt checkpoint.
    return new TextEncoder().encode(String(value))
  }

  /** Replaces the value under `key` in one transaction; resolves once the transaction committed. */
  async save(key: string, data: Uint8Array): Promise<void> {
    // A copy of exactly these bytes: `data` may be a view into a larger, reused buffer.
    const copy = data.slice().buffer
    await this.#run('readwrite', (store) => store.put(copy, key))
  }

  /** Removes `key`; succeeds when it does not exist. */
  async remove(key: string): Promise<void> {
    await this.#run('readwrite', (store) => store.delete(key))
  }

  /** Closes the database connection (a later call reopens it). */
  async close(): Promise<void> {
    const db = this.#db
    this.#db = undefined
    if (db) (await db).close()
  }

  #open(): Promise<IdbDatabase> {
    this.#db ??= new Promise<IdbDatabase>((resolve, reject) => {
      const factory = (globalThis as { indexedDB?: IdbFactory }).indexedDB
      if (!factory) {
        reject(new Error('IndexedDbCheckpointStore: this context has no indexedDB'))
        return
      }
      const request = factory.open(this.databaseName, 1)
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(this.storeName)) {
          request.result.createObjectStore(this.storeName)
        }
      }
      request.onsuccess = () => {
        const db = request.result
        // Another tab upgrading the database must not wait on this connection forever.
        db.onversionchange = () => {
          db.close()
          this.#db = undefined
        }
        resolve(db)
      }
      request.onerror = () => reject(request.error)
      request.onblocked = () => reject(new Error(`IndexedDB ${this.databaseName} is blocked`))
    })
    const opened = this.#db
    opened.catch(() => {
      if (this.#db === opened) this.#db = undefined
    })
    return opened
  }

  async #run(
    mode: 'readonly' | 'readwrite',
    act: (store: IdbObjectStore) => IdbRequest<unknown>,
  ): Promise<unknown> {
    const db = await this.#open()
    return new Promise((resolve, reject) => {
      const tx = db.transaction(this.storeName, mode, { durability: this.#durability })
      const request = act(tx.objectStore(this.storeName))
      // Resolve on `complete`, not on the request's success: only then is the write committed.
      tx.oncomplete = () => resolve(request.result)
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
      tx.onerror = () => reject(tx.error ?? request.error)
    })
  }
}
