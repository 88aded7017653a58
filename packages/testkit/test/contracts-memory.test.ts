import { MemoryCheckpointStore, MemoryTarget, MemoryVolume } from '@resumable/store-memory'
import { storeContract, targetContract } from '@resumable/testkit'
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
