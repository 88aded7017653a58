// The parts of the File System and IndexedDB APIs this package calls. Declared here rather than
// taken from lib.dom: Deno type-checks with its own libs, which have neither, and JSR refuses
// `/// <reference lib="dom" />` in published code.

/** The synchronous access handle of a dedicated worker (every method but `close` is synchronous). */
export interface SyncAccessHandle {
  read(buffer: Uint8Array, options: { at: number }): number
  write(buffer: Uint8Array, options: { at: number }): number
  truncate(size: number): void
  getSize(): number
  flush(): void
  close(): void
}

/** A file in the origin private file system. */
export interface OpfsFileHandle {
  readonly name: string
  getFile(): Promise<Blob>
  createWritable(): Promise<WritableStream<Uint8Array>>
  /** Dedicated workers only. */
  createSyncAccessHandle?: () => Promise<SyncAccessHandle>
  /** Renames within the directory (Chromium ≥ 110, Firefox ≥ 111). */
  move?: (newName: string) => Promise<void>
}

/** A directory in the origin private file system. */
export interface OpfsDirectoryHandle {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<OpfsDirectoryHandle>
  getFileHandle(name: string, options?: { create?: boolean }): Promise<OpfsFileHandle>
  removeEntry(name: string): Promise<void>
}

/** `navigator.storage`, as far as OPFS goes. */
export interface OpfsStorage {
  getDirectory(): Promise<OpfsDirectoryHandle>
}

/** Transaction durability: `'strict'` resolves only once the write is on disk. */
export type IdbDurability = 'default' | 'strict' | 'relaxed'

/** An IndexedDB request: `result` once `onsuccess` ran. */
export interface IdbRequest<T> {
  readonly result: T
  readonly error: DOMException | null
  onsuccess: (() => void) | null
  onerror: (() => void) | null
}

/** The request `indexedDB.open` returns. */
export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null
  onblocked: (() => void) | null
}

/** An object store inside a transaction. */
export interface IdbObjectStore {
  get(key: string): IdbRequest<unknown>
  put(value: unknown, key: string): IdbRequest<unknown>
  delete(key: string): IdbRequest<unknown>
}

/** One IndexedDB transaction. */
export interface IdbTransaction {
  readonly error: DOMException | null
  objectStore(name: string): IdbObjectStore
  oncomplete: (() => void) | null
  onabort: (() => void) | null
  onerror: (() => void) | null
}

/** An open IndexedDB database. */
export interface IdbDatabase {
  readonly objectStoreNames: { contains(name: string): boolean }
  createObjectStore(name: string): unknown
  transaction(
    store: string,
    mode: 'readonly' | 'readwrite',
    options: { durability: IdbDurability },
  ): IdbTransaction
  close(): void
  onversionchange: (() => void) | null
}

/** `indexedDB`. */
export interface IdbFactory {
  open(name: string, version: number): IdbOpenRequest
}
