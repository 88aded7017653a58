import type { DownloadProgress } from '@resumable/core'
import { formatBytes, formatDuration } from './units.ts'

/** One progress line: bar, percent, bytes, rate, ETA, parts in flight, resumed bytes. */
export function progressLine(p: DownloadProgress, width: number): string {
  const fraction = p.totalBytes === 0 ? 1 : p.bytesDone / p.totalBytes
  const percent = `${(fraction * 100).toFixed(1).padStart(5)}%`
  const stats = [
    `${formatBytes(p.bytesDone)} / ${formatBytes(p.totalBytes)}`,
    `${formatBytes(p.bytesPerSecond)}/s`,
    `ETA ${p.etaSeconds === undefined ? '--' : formatDuration(p.etaSeconds)}`,
    `${p.partsInFlight} in flight`,
    ...(p.resumedBytes > 0 ? [`resumed ${formatBytes(p.resumedBytes)}`] : []),
  ].join('  ')
  const barWidth = Math.max(10, Math.min(40, width - percent.length - stats.length - 6))
  const filled = Math.round(fraction * barWidth)
  return `${percent} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${stats}`
}
