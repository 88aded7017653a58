// Test harness page: binds the testkit contract suites in the browser and gives the Node side of
// the test what it must observe (the CRC-64 of an OPFS file, the checkpoint in IndexedDB).
import { crc64, formatCrc64Hex, TargetError } from '@resumable/core'
import { IndexedDbCheckpointStore, OpfsTarget } from '@resumable/store-browser'
import { storeContract } from '@resumable/testkit'
import { createUrlTransport } from '@resumable/transport-fetch'
import { type CaseResult, runCases } from './run-cases.ts'

let stores = 0

async function directory(path: string): Promise<FileSystemDirectoryHandle> {
  let dir = await navigator.storage.getDirectory()
  for (const part of path.split('/').filter(Boolean))
    dir = await dir.getDirectoryHandle(part, { create: true })
  return dir
}

const harness = {
  /** The CheckpointStore contract on the page's main thread, a fresh database per case. */
  storeContract(): Promise<CaseResult[]> {
    return runCases(
      storeContract(() => new IndexedDbCheckpointStore({ databaseName: `contract-${++stores}` })),
    )
  },

  /** The Target contract in a dedicated worker. */
  targetContract(): Promise<CaseResult[]> {
    const worker = new Worker('./worker.js', { type: 'module' })
    return new Promise((resolve, reject) => {
      worker.onmessage = (m: MessageEvent<CaseResult[]>) => {
        worker.terminate()
        resolve(m.data)
      }
      worker.onerror = (e) => reject(new Error(e.message))
      worker.postMessage('run')
    })
  },

  /** What OpfsTarget.open says on the main thread (no sync access handles), and what it left behind. */
  async openOnMainThread(): Promise<{
    name: string
    kind: string
    message: string
    left: string[]
  }> {
    let result = { name: 'none', kind: 'none', message: 'open succeeded' }
    try {
      await new OpfsTarget('main-thread.bin', { directory: 'main' }).open({
        size: 1,
        resume: false,
      })
    } catch (error) {
      const e = error as TargetError
      result = { name: e.name, kind: e.kind, message: e.message }
    }
    return { ...result, left: await harness.list('main') }
  },

  /** Size and CRC-64/XZ (hex) of an OPFS file, read back through the File API; null when absent. */
  async fileCrc(path: string, name: string): Promise<{ size: number; crc: string } | null> {
    let file: File
    try {
      file = await (await (await directory(path)).getFileHandle(name)).getFile()
    } catch {
      return null
    }
    let crc = 0n
    const reader = file.stream().getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      crc = crc64('crc64xz', value, crc)
    }
    return { size: file.size, crc: formatCrc64Hex(crc) }
  },

  /** Entry names of an OPFS directory. */
  async list(path: string): Promise<string[]> {
    const names: string[] = []
    for await (const name of (await directory(path)).keys()) names.push(name)
    return names.sort()
  },

  /** Flips one byte in the middle of the checkpoint saved under `key`; returns its length. */
  async corruptCheckpoint(key: string): Promise<number> {
    const store = new IndexedDbCheckpointStore()
    const bytes = await store.load(key)
    if (!bytes) throw new Error(`no checkpoint under ${key}`)
    const at = bytes.length >> 1
    bytes[at] = (bytes[at] as number) ^ 0xff
    await store.save(key, bytes)
    await store.close()
    return bytes.length
  },

  /** OpfsTarget.removeLeftovers from the page's main thread, as an app would call it after a failure. */
  removeLeftovers(name: string, directory: string): Promise<boolean> {
    return OpfsTarget.removeLeftovers(name, { directory })
  },

  /** The origin's storage usage in bytes, as `navigator.storage.estimate()` reports it. */
  async usage(): Promise<number> {
    return (await navigator.storage.estimate()).usage ?? 0
  },

  /**
   * `stat` of `url` through a URL transport, with HTTP Basic credentials bound to its origin or
   * without: the object's size, or the error's name, kind and message.
   */
  async statUrl(
    url: string,
    withCredentials: boolean,
  ): Promise<{ size: number } | { name: string; kind: string; message: string }> {
    const transport = createUrlTransport({
      url,
      ...(withCredentials ? { basicAuth: { user: 'reader', password: 'pa55word' } } : {}),
    })
    try {
      return { size: (await transport.stat()).size }
    } catch (error) {
      const e = error as TargetError
      return { name: e.name, kind: e.kind, message: e.message }
    }
  },

  /** Length of the checkpoint under `key`, or null. */
  async checkpointLength(key: string): Promise<number | null> {
    const store = new IndexedDbCheckpointStore()
    const bytes = await store.load(key)
    await store.close()
    return bytes ? bytes.length : null
  },
}

Object.assign(globalThis, { harness, TargetError })
export type Harness = typeof harness
document.body.dataset.ready = 'true'
