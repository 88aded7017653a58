import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileCheckpointStore, FileTarget } from '@resumable/store-fs'
import { storeContract, targetContract } from '@resumable/testkit'
import { bindContract } from '@resumable/testkit/node'

const fresh = (): Promise<string> => mkdtemp(join(tmpdir(), 'store-fs-contract-'))

bindContract(
  'store-fs: CheckpointStore contract (next to the destination)',
  storeContract(async () => new FileCheckpointStore(), join(await fresh(), 'dest')),
)
bindContract(
  'store-fs: CheckpointStore contract (in a directory)',
  storeContract(async () => new FileCheckpointStore({ dir: join(await fresh(), 'checkpoints') })),
)
bindContract(
  'store-fs: Target contract',
  targetContract(async () => {
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
)
