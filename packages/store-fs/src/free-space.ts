import { statfs } from 'node:fs/promises'
import { TargetError } from '@resumable/core'

/**
 * Refuses, before a byte is fetched, an object that cannot fit: `needed` bytes more than the file
 * system under `directory` has free for this user. A terabyte download would otherwise run for
 * hours and stop at ENOSPC. Only a clear shortfall is refused: a runtime without `statfs`, or a
 * file system that reports no free blocks at all (some network and FUSE mounts do), is let
 * through, and ENOSPC during the writes still fails the download as before, progress kept.
 */
export async function checkFreeSpace(
  directory: string,
  needed: number,
  path: string,
): Promise<void> {
  if (needed <= 0 || typeof statfs !== 'function') return
  let free: number
  try {
    const stats = await statfs(directory)
    free = Number(stats.bavail) * Number(stats.bsize)
  } catch {
    return
  }
  if (!(free > 0) || needed <= free) return
  throw new TargetError(
    'no-space',
    `Not enough free space for ${path}: ${size(needed)} more are needed and the file system has ${size(free)} free; free space (or choose another destination) and run again`,
    { path, space: { needed, free } },
  )
}

/** Bytes in the largest binary unit under which they reach 1, two decimals. */
function size(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(2)} ${units[unit]}`
}
