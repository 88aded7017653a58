import type { DownloadProgress } from '@resumable/core'
import { formatBytes, formatDuration } from './units.ts'

/** Narrowest bar worth drawing; below this the bar is dropped instead. */
const MIN_BAR = 10
const MAX_BAR = 40

/**
 * One progress line that fits in `width - 1` columns (the last column would make some terminals
 * wrap). Fields go in order of importance — percent, bytes, ETA, rate, bar, parts in flight,
 * resumed bytes — and the least important are dropped first until the line fits.
 */
export function progressLine(p: DownloadProgress, width: number): string {
  const room = Math.max(1, Math.floor(width) - 1)
  if (p.sizeKnown === false) {
    // No size, so no percent, bar or ETA: what arrived and how fast.
    const text = `${formatBytes(p.bytesDone)} of unknown length  ${formatBytes(p.bytesPerSecond)}/s`
    return text.length <= room ? text : formatBytes(p.bytesDone).slice(0, room)
  }
  const fraction = p.totalBytes === 0 ? 1 : p.bytesDone / p.totalBytes
  const percent = `${(fraction * 100).toFixed(1).padStart(5)}%`
  // Most important first; the bar is placed after the percent when it is kept.
  const fields = [
    `${formatBytes(p.bytesDone)} / ${formatBytes(p.totalBytes)}`,
    `ETA ${p.etaSeconds === undefined ? '--' : formatDuration(p.etaSeconds)}`,
    `${formatBytes(p.bytesPerSecond)}/s`,
    'bar',
    `${p.partsInFlight} in flight`,
    ...(p.resumedBytes > 0 ? [`resumed ${formatBytes(p.resumedBytes)}`] : []),
  ]
  for (let keep = fields.length; keep >= 0; keep--) {
    const kept = fields.slice(0, keep)
    const hasBar = kept.includes('bar')
    const stats = kept.filter((f) => f !== 'bar').join('  ')
    const text = stats === '' ? percent : `${percent} ${stats}`
    if (!hasBar) {
      if (text.length <= room) return text
      continue
    }
    // `percent [bar] stats`: the bar takes what is left, between MIN_BAR and MAX_BAR.
    const barWidth = Math.min(MAX_BAR, room - text.length - 3)
    if (barWidth < MIN_BAR) continue
    const filled = Math.round(fraction * barWidth)
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`
    return stats === '' ? `${percent} ${bar}` : `${percent} ${bar} ${stats}`
  }
  return percent.trim().slice(0, room)
}
