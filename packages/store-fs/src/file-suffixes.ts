// The names store-fs gives its own files beside a destination, in a module that imports nothing:
// the target and the checkpoint store each need the other's.

/** Suffix of the temporary file written beside the destination. */
export const TEMP_SUFFIX = '.resumable-part'

/** Suffix of a checkpoint file kept next to its destination. */
export const CHECKPOINT_SUFFIX = '.resumable.json'
