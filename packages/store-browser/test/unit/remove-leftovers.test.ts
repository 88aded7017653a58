// OpfsTarget.removeLeftovers on an in-memory stand-in for the Origin Private File System (the
// Node, Deno and Bun runtimes have none): what it removes, and everything it must leave alone.
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { TargetError } from '@resumable/core'
import { OPFS_TEMP_SUFFIX, OpfsTarget } from '@resumable/store-browser'
import type {
  OpfsDirectoryHandle,
  OpfsFileHandle,
  OpfsStorage,
} from '../../src/web-storage-types.ts'

/** The DOMException OPFS throws, by name (what the code under test branches on). */
const domError = (name: string, message: string): DOMException => new DOMException(message, name)

/** A file holding bytes; enough of a FileSystemFileHandle for clean-up. */
class FakeFile implements OpfsFileHandle {
  readonly name: string
  readonly bytes: Uint8Array
  constructor(name: string, bytes: Uint8Array) {
    this.name = name
    this.bytes = bytes
  }
  async getFile(): Promise<Blob> {
    return new Blob([this.bytes.slice()])
  }
  async createWritable(): Promise<WritableStream<Uint8Array>> {
    throw domError('NotSupportedError', 'not in the fake')
  }
}

/** A directory with the lookup semantics of OPFS: NotFoundError, TypeMismatchError. */
class FakeDirectory implements OpfsDirectoryHandle {
  readonly entries = new Map<string, FakeFile | FakeDirectory>()

  async getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<FakeDirectory> {
    const entry = this.entries.get(name)
    if (entry instanceof FakeDirectory) return entry
    if (entry) throw domError('TypeMismatchError', `${name} is a file`)
    if (!options?.create) throw domError('NotFoundError', `${name} not found`)
    const dir = new FakeDirectory()
    this.entries.set(name, dir)
    return dir
  }

  async getFileHandle(name: string, options?: { create?: boolean }): Promise<FakeFile> {
    const entry = this.entries.get(name)
    if (entry instanceof FakeFile) return entry
    if (entry) throw domError('TypeMismatchError', `${name} is a directory`)
    if (!options?.create) throw domError('NotFoundError', `${name} not found`)
    const file = new FakeFile(name, new Uint8Array(0))
    this.entries.set(name, file)
    return file
  }

  async removeEntry(name: string): Promise<void> {
    if (!this.entries.delete(name)) throw domError('NotFoundError', `${name} not found`)
  }

  /** Adds a file of `size` bytes. */
  put(name: string, size: number): void {
    this.entries.set(name, new FakeFile(name, new Uint8Array(size).fill(7)))
  }

  names(): string[] {
    return [...this.entries.keys()].sort()
  }
}

describe('OpfsTarget.removeLeftovers', () => {
  let root: FakeDirectory
  let original: PropertyDescriptor | undefined

  beforeEach(() => {
    root = new FakeDirectory()
    const storage: OpfsStorage = { getDirectory: async () => root }
    // Every runtime here has a `navigator` of its own (without `storage`): swap it, then restore.
    original = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
    Object.defineProperty(globalThis, 'navigator', {
      value: { storage },
      configurable: true,
      writable: true,
    })
  })
  afterEach(() => {
    if (original) Object.defineProperty(globalThis, 'navigator', original)
    else Reflect.deleteProperty(globalThis, 'navigator')
  })

  it('removes the temporary file and leaves the destination and unrelated files alone', async () => {
    const downloads = await root.getDirectoryHandle('downloads', { create: true })
    downloads.put(`model.bin${OPFS_TEMP_SUFFIX}`, 4096)
    downloads.put('model.bin', 10)
    downloads.put(`other.bin${OPFS_TEMP_SUFFIX}`, 5)
    downloads.put('notes.txt', 3)
    root.put(`model.bin${OPFS_TEMP_SUFFIX}`, 6) // same name, another directory

    assert.equal(await OpfsTarget.removeLeftovers('model.bin', { directory: 'downloads' }), true)

    assert.deepEqual(downloads.names(), ['model.bin', 'notes.txt', `other.bin${OPFS_TEMP_SUFFIX}`])
    assert.equal((await downloads.getFileHandle('model.bin')).bytes.length, 10)
    assert.deepEqual(root.names(), ['downloads', `model.bin${OPFS_TEMP_SUFFIX}`])
  })

  it('is a no-op when nothing is there: no file, no directory, and it creates no directory', async () => {
    assert.equal(await OpfsTarget.removeLeftovers('model.bin', { directory: 'a/b' }), false)
    assert.deepEqual(root.names(), [], 'the missing directory was not created')

    const downloads = await root.getDirectoryHandle('downloads', { create: true })
    downloads.put('model.bin', 10)
    assert.equal(await OpfsTarget.removeLeftovers('model.bin', { directory: 'downloads' }), false)
    assert.equal(await OpfsTarget.removeLeftovers('model.bin'), false)
    assert.deepEqual(downloads.names(), ['model.bin'], 'a completed download stays')
  })

  it('does not remove a directory that happens to bear the temporary name', async () => {
    await root.getDirectoryHandle(`model.bin${OPFS_TEMP_SUFFIX}`, { create: true })
    await assert.rejects(
      OpfsTarget.removeLeftovers('model.bin'),
      (e: unknown) => e instanceof TargetError && e.kind === 'is-directory',
    )
    assert.deepEqual(root.names(), [`model.bin${OPFS_TEMP_SUFFIX}`])
  })

  it('refuses a name with a slash, as the constructor does', async () => {
    await assert.rejects(OpfsTarget.removeLeftovers('downloads/model.bin'), TargetError)
  })

  it('abort({ keep: false }) on a never-opened target removes the same file, and creates no directory', async () => {
    root.put(`model.bin${OPFS_TEMP_SUFFIX}`, 8)
    await new OpfsTarget('model.bin').abort({ keep: false })
    assert.deepEqual(root.names(), [])
    await new OpfsTarget('model.bin', { directory: 'downloads' }).abort({ keep: false })
    assert.deepEqual(root.names(), [], 'the missing directory was not created')
  })
})
