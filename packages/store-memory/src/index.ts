export { MemoryCheckpointStore } from './memory-checkpoint-store.ts'
export { MemoryTarget, type MemoryTargetOptions } from './memory-target.ts'
export { MemoryVolume } from './memory-volume.ts'
