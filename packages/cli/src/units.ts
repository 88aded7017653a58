const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
}

/**
 * Parses a human size: `8MiB`, `100KB`, `1.5G`, `4096`. Binary suffixes (KiB, MiB, …) and the
 * single letters K/M/G/T (as curl, wget and aria2 read them) are powers of 1024; KB/MB/GB/TB are
 * powers of 1000. Returns undefined for anything else, so the caller can name the bad flag.
 */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  if (!match) return undefined
  const unit = UNITS[(match[2] ?? '').toLowerCase()]
  if (unit === undefined) return undefined
  const value = Math.round(Number(match[1]) * unit)
  return Number.isSafeInteger(value) ? value : undefined
}

/** Parses a rate such as `50MiB/s` or `10M` (per second implied). */
export function parseRate(text: string): number | undefined {
  return parseSize(text.replace(/\/s$/i, ''))
}

/** Formats bytes with binary units: `1.50 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0
    ? `${bytes} B`
    : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`
}

/** Formats seconds as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--'
  const s = Math.max(0, Math.round(seconds))
  if (s >= 3600)
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${s}s`
}
