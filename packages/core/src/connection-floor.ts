import type { ByteLimit } from './rate-limiter.ts'

/**
 * The least rate each connection of a rate-limited download is given: 64 KiB/s. A connection the
 * limiter starves stops reading, its socket buffers fill, and the server's writes stall; servers
 * close a connection whose writes stall too long (nginx `send_timeout`, 60 s by default, measured
 * between two successive writes). A Linux sender wakes to write again only once a third or so of
 * its send buffer has drained, and that buffer grows to 4 MiB (`tcp_wmem`'s default maximum): at
 * 64 KiB/s that third drains in about 21 s, a third of nginx's default with room to spare, where
 * 8 connections sharing 32 KiB/s (4 KiB/s each) take over 5 minutes, and are dropped.
 */
export const MIN_CONNECTION_BYTES_PER_SECOND: number = 64 * 1024

/**
 * The most parts a download keeps in flight under `limiter`: `concurrency`, lowered so that each
 * connection gets at least MIN_CONNECTION_BYTES_PER_SECOND of the cap (never below 1). More
 * connections would not fetch faster (the cap is the cap), only starve each other. Per download
 * (or per batch, whose objects share one pool): downloads that share one limiter each count on
 * all of it. A `bytesPerSecond` that is not a positive number (a custom limiter's "unlimited")
 * sets no floor.
 */
export function connectionsUnder(limiter: ByteLimit | undefined, concurrency: number): number {
  const rate = limiter?.bytesPerSecond
  if (rate === undefined || !(Number.isFinite(rate) && rate > 0)) return concurrency
  return Math.max(1, Math.min(concurrency, Math.floor(rate / MIN_CONNECTION_BYTES_PER_SECOND)))
}
