import { lstatSync, type Stats, statSync } from 'node:fs'

// Probes are synchronous on purpose: a stat of local metadata is one short system call, while
// the promise API makes it a round trip through libuv's small threadpool (a thread wake-up each,
// and on a miss an Error with a stack trace). In a batch of small objects those round trips,
// not the disk, were the largest cost (BENCHMARKS.md, "Many objects").

/** `stat`, or undefined when nothing is at `path`; other failures (EACCES, ENOTDIR, …) throw. */
export function statOrUndefined(path: string): Stats | undefined {
  return statSync(path, { throwIfNoEntry: false })
}

/** `lstat` (a symlink itself, not its target), or undefined when nothing is at `path`. */
export function lstatOrUndefined(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false })
}
