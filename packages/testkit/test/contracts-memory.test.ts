import { MemoryCheckpointStore, MemoryTarget, MemoryVolume } from '@resumable/store-memory'
import {
  storeContract,
  storeDownloadContract,
  targetContract,
  targetDownloadContract,
} from '@resumable/testkit'
import { bindContract } from '@resumable/testkit/node'

bindContract(
  'store-memory: CheckpointStore contract',
  storeContract(() => new MemoryCheckpointStore()),
)
bindContract(
  'store-memory: Target contract',
  targetContract(() => {
    const volume = new MemoryVolume()
    return {
      make: () => new MemoryTarget('dest', { volume }),
      committed: async () => volume.file('dest'),
    }
  }),
)
bindContract(
  'store-memory through download(): Target download contract',
  targetDownloadContract(() => {
    const volume = new MemoryVolume()
    return {
      make: () => new MemoryTarget('dest', { volume }),
      committed: async () => volume.file('dest'),
      crash: () => volume.crash(),
    }
  }),
)
bindContract(
  'store-memory through download(): CheckpointStore download contract',
  storeDownloadContract(() => {
    const store = new MemoryCheckpointStore()
    return { make: () => store }
  }),
)
