import process from 'node:process'
import { concatBytes } from '@resumable/core'
import type { CliEnvironment, FilePlaces } from './cli-environment.ts'
import type { AliOssFactory } from './sources.ts'

/** Opens the file Target and CheckpointStore; injected so `main` never imports the fs store eagerly. */
export type FilesFactory = CliEnvironment['files']

/** Signals closer together than this are one request to stop, not a second one. */
export const REPEAT_WINDOW_MS = 250

/** The real process: stdout/stderr, environment, signals. Works under Node, Deno and Bun. */
export function processEnvironment(files: FilesFactory, aliOss: AliOssFactory): CliEnvironment {
  // Once its reader is gone, a stream takes nothing more: each later write would fail again, and
  // with no listener left (the run's own goes when it ends) its error would crash the process
  // with a stack trace, leave the lock and lose the progress. Other errors stay uncaught.
  const readerGone = { stdout: false, stderr: false }
  for (const name of ['stdout', 'stderr'] as const) {
    process[name].on('error', (error: { code?: string }) => {
      if (!readerGoneCode(error.code)) throw error
      readerGone[name] = true
    })
  }
  return {
    io: {
      out: (text) => {
        if (!readerGone.stdout && !process.stdout.destroyed) process.stdout.write(text)
      },
      err: (text) => {
        if (!readerGone.stderr && !process.stderr.destroyed) process.stderr.write(text)
      },
      isTTY: process.stderr.isTTY === true,
      // A getter: the bar is drawn on stderr and must follow a resized terminal.
      get columns() {
        return process.stderr.columns || process.stdout.columns || 80
      },
    },
    env: process.env,
    stdoutSink: (chunk) =>
      new Promise<void>((resolve, reject) => {
        process.stdout.write(chunk, (error) => (error ? reject(error) : resolve()))
      }),
    files,
    aliOss,
    stdin: {
      get isTTY() {
        return process.stdin.isTTY === true
      },
      async text() {
        const chunks: Uint8Array[] = []
        for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array)
        return new TextDecoder().decode(concatBytes(chunks))
      },
    },
    onInterrupt(pause) {
      let firstAt: number | undefined
      const onSignal = (): void => {
        const now = Date.now()
        if (firstAt === undefined) {
          firstAt = now
          pause()
          return
        }
        // One stop request can arrive twice at once: GNU timeout signals the child and then its
        // process group. Only a second signal a moment later is the user's second Ctrl-C.
        if (now - firstAt < REPEAT_WINDOW_MS) return
        // A second Ctrl-C means "now": durability of the last few bytes is not worth waiting for.
        process.exit(130)
      }
      // A closed stdout or stderr (`resumable get … --json | head`, `2>&1 | head`) is a request to
      // stop, as SIGPIPE is to other tools: here the progress is kept.
      // Only ever the first stop request: after a hangup each stream's writes fail on their own
      // (EIO on stdout, then on stderr), and a later one must not count as a second Ctrl-C that
      // exits before the progress is saved.
      const onReaderGone = (error: { code?: string }): void => {
        if (readerGoneCode(error.code) && firstAt === undefined) onSignal()
      }
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      // The terminal closed (an ssh session ended, a tmux pane killed): a stop request as well,
      // not the default action's sudden exit that leaves the lock and loses the unsaved bytes.
      process.on('SIGHUP', onSignal)
      process.stdout.on('error', onReaderGone)
      process.stderr.on('error', onReaderGone)
      return () => {
        process.stdout.off('error', onReaderGone)
        process.stderr.off('error', onReaderGone)
        // Stopping already: a repeat arriving during the last cleanup must not kill the process
        // with the signal's default action (a lock left behind, exit 143 instead of 130).
        if (firstAt !== undefined) return
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
        process.off('SIGHUP', onSignal)
      }
    },
  }
}

/**
 * Errors of a write to stdout or stderr that say nobody reads it any more: a closed pipe (EPIPE),
 * or a terminal that hung up (EIO, after SIGHUP).
 */
function readerGoneCode(code: string | undefined): boolean {
  return code === 'EPIPE' || code === 'EIO'
}

/** Re-exported for bin wiring. */
export type { FilePlaces }
