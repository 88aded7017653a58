import type { CliEnvironment, RunningDownload } from './cli-environment.ts'

/**
 * Why a start (or `cancel`) waits: a lock names another host (a shared volume), whose holder
 * is alive only while it keeps refreshing the lock. Said once per lock watched.
 */
export function lockWatchMessage(owner: RunningDownload, ms: number): string {
  return `a lock names pid ${owner.pid} on ${owner.host} (since ${owner.startedAt}): watching it up to ${Math.ceil(ms / 1000)} s; taken over if not refreshed, refused if it is`
}

/** `cancel`'s listener: the message on stderr, nothing with `--json` (its one answer is on stdout). */
export function lockWatchOnStderr(
  cli: CliEnvironment,
  json: boolean,
): (owner: RunningDownload, ms: number) => void {
  return (owner, ms) => {
    if (!json) cli.io.err(`${lockWatchMessage(owner, ms)}\n`)
  }
}
