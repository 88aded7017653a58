import { OptionsError } from './errors/options-error.ts'

/** Smallest part size accepted (100 KB, as the OSS SDKs). */
export const MIN_PART_SIZE: number = 100 * 1024
/** Largest part size accepted (5 GiB, as the OSS SDKs). */
export const MAX_PART_SIZE: number = 5 * 1024 ** 3
/** Default ceiling on the number of parts; the part size is raised to stay under it. */
export const DEFAULT_MAX_PARTS = 10_000

const MIB = 1024 * 1024

/** How an object is split: every part is `partSize` bytes except a shorter last one. */
export interface PartPlan {
  /** Object size in bytes. */
  readonly size: number
  /** Bytes per part (the last part may be shorter). */
  readonly partSize: number
  /** Number of parts; 0 for an empty object. */
  readonly partCount: number
}

/** A part's byte range, inclusive at both ends as HTTP `Range` is. */
export interface PartRange {
  /** First byte offset. */
  readonly start: number
  /** Last byte offset. */
  readonly end: number
}

/**
 * Splits `size` bytes into parts of `partSize`, raising the part size (to a whole MiB) when the
 * count would exceed `maxParts`, so a 5 TiB object never needs millions of records.
 */
export function planParts(
  size: number,
  partSize: number,
  maxParts: number = DEFAULT_MAX_PARTS,
): PartPlan {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new OptionsError('size', `object size must be a non-negative safe integer, got ${size}`)
  }
  if (!Number.isSafeInteger(partSize) || partSize < 1) {
    throw new OptionsError('partSize', `must be a positive integer, got ${partSize}`)
  }
  if (!Number.isSafeInteger(maxParts) || maxParts < 1) {
    throw new OptionsError('maxParts', `must be a positive integer, got ${maxParts}`)
  }
  if (size === 0) return { size, partSize, partCount: 0 }
  let effective = partSize
  if (Math.ceil(size / effective) > maxParts) {
    effective = Math.min(MAX_PART_SIZE, Math.ceil(size / maxParts / MIB) * MIB)
    effective = Math.max(effective, partSize)
  }
  return { size, partSize: effective, partCount: Math.ceil(size / effective) }
}

/**
 * The plan that cuts an object where its multipart upload did, when `parts` describes that
 * upload consistently (`count` parts of `size` bytes cover the object, the last shorter);
 * undefined otherwise.
 */
export function uploadPartsPlan(
  size: number,
  parts: { readonly count: number; readonly size: number },
): PartPlan | undefined {
  if (!Number.isSafeInteger(parts.size) || parts.size < 1 || size < 1) return undefined
  if (Math.ceil(size / parts.size) !== parts.count) return undefined
  return { size, partSize: parts.size, partCount: parts.count }
}

/** A plan of one part covering the whole object (single GET). */
export function singlePartPlan(size: number): PartPlan {
  return { size, partSize: Math.max(size, 1), partCount: size === 0 ? 0 : 1 }
}

/** The byte range of part `index`. */
export function partRange(plan: PartPlan, index: number): PartRange {
  const start = index * plan.partSize
  return { start, end: Math.min(plan.size, start + plan.partSize) - 1 }
}

/** True when `plan` is a consistent split of `size` (used to trust a plan read from a checkpoint). */
export function isPlanValidFor(plan: PartPlan, size: number): boolean {
  return (
    plan.size === size &&
    Number.isSafeInteger(plan.partSize) &&
    plan.partSize >= 1 &&
    plan.partCount === (size === 0 ? 0 : Math.ceil(size / plan.partSize))
  )
}
