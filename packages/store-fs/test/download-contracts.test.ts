import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { storeDownloadContract, targetDownloadContract } from '@resumable/testkit'
import { bindContract, type ContractHooks } from '@resumable/testkit/node'

const dirs: string[] = []
const fresh = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'store-fs-download-contract-'))
  dirs.push(dir)
  return dir
}
const cleanUp: ContractHooks = {
  after: async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
  },
}

bindContract(
  'store-fs through download(): Target download contract',
  targetDownloadContract(async () => {
    const dest = join(await fresh(), 'object.bin')
    return {
      make: () => new FileTarget(dest),
      committed: async () => {
        try {
          return new Uint8Array(await readFile(dest))
        } catch {
          return undefined
        }
      },
    }
  }),
  cleanUp,
)
bindContract(
  'store-fs through download(): CheckpointStore download contract (next to the destination)',
  storeDownloadContract(async () => {
    const key = join(await fresh(), 'object.bin')
    return { key, make: () => new FileCheckpointStore() }
  }),
  cleanUp,
)
bindContract(
  'store-fs through download(): CheckpointStore download contract (in a directory)',
  storeDownloadContract(async () => {
    const dir = join(await fresh(), 'checkpoints')
    return { make: () => new FileCheckpointStore({ dir }) }
  }),
  cleanUp,
)
