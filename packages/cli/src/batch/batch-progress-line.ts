import type { BatchProgress } from '@resumable/core'
import { formatBytes, formatDuration } from '../units.ts'

/**
 * One batch progress line in `width - 1` columns, built like the single-object line
 * (progress-line.ts): fields in order of importance — objects done/total, failures, bytes, ETA,
 * rate, objects in flight — dropping the least important first until the line fits.
 */
export function batchProgressLine(p: BatchProgress, width: number): string {
  const room = Math.max(1, Math.floor(width) - 1)
  const total = p.listingDone ? String(p.objectsTotal) : `${p.objectsTotal}+`
  const head = `${p.objectsDone}/${total} objects`
  const fields = [
    ...(p.failures > 0 ? [`${p.failures} failed`] : []),
    // A manifest's lines may give no sizes: the total is unknown (all) or a lower bound (some).
    p.sizesUnknown >= p.objectsTotal && p.objectsTotal > 0
      ? formatBytes(p.bytesDone)
      : `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}${p.listingDone && p.sizesUnknown === 0 ? '' : '+'}`,
    `ETA ${p.etaSeconds === undefined ? '--' : formatDuration(p.etaSeconds)}`,
    `${formatBytes(p.bytesPerSecond)}/s`,
    `${p.objectsInFlight} in flight`,
    ...(p.objectsSkipped > 0 ? [`${p.objectsSkipped} skipped`] : []),
  ]
  for (let keep = fields.length; keep >= 0; keep--) {
    const text = [head, ...fields.slice(0, keep)].join('  ')
    if (text.length <= room) return text
  }
  return head.slice(0, room)
}
