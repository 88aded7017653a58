import process from 'node:process'
import type { CliEnvironment, FilePlaces } from './cli-environment.ts'
import type { AliOssFactory } from './sources.ts'

/** Opens the file Target and CheckpointStore; injected so `main` never imports the fs store eagerly. */
export type FilesFactory = CliEnvironment['files']

/** Signals closer together than this are one request to stop, not a second one. */
export const REPEAT_WINDOW_MS = 250

/** The real process: stdout/stderr, environment, signals. Works under Node, Deno and Bun. */
export function processEnvironment(files: FilesFactory, aliOss: AliOssFactory): CliEnvironment {
  // Once its reader is gone, stdout takes nothing more: each later write would fail again, and
  // with no listener left (the run's own goes when it ends) its error would crash the process
  // with a stack trace instead of the run's exit code. Other errors stay uncaught, as before.
  let readerGone = false
  process.stdout.on('error', (error: { code?: string }) => {
    if (error.code !== 'EPIPE') throw error
    readerGone = true
  })
  return {
    io: {
      out: (text) => {
        if (!readerGone && !process.stdout.destroyed) process.stdout.write(text)
      },
      err: (text) => void process.stderr.write(text),
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
      // A closed stdout (`resumable get … --json | head`) is a request to stop, like SIGPIPE.
      const onStdoutError = (error: { code?: string }): void => {
        if (error.code === 'EPIPE') onSignal()
      }
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      process.stdout.on('error', onStdoutError)
      return () => {
        process.stdout.off('error', onStdoutError)
        // Stopping already: a repeat arriving during the last cleanup must not kill the process
        // with the signal's default action (a lock left behind, exit 143 instead of 130).
        if (firstAt !== undefined) return
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
    },
  }
}

/** Re-exported for bin wiring. */
export type { FilePlaces }
