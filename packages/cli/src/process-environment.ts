import process from 'node:process'
import type { CliEnvironment, FilePlaces } from './cli-environment.ts'
import type { AliOssFactory } from './sources.ts'

/** Opens the file Target and CheckpointStore; injected so `main` never imports the fs store eagerly. */
export type FilesFactory = CliEnvironment['files']

/** The real process: stdout/stderr, environment, signals. Works under Node, Deno and Bun. */
export function processEnvironment(files: FilesFactory, aliOss: AliOssFactory): CliEnvironment {
  return {
    io: {
      out: (text) => {
        if (!process.stdout.destroyed) process.stdout.write(text)
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
      let interrupted = 0
      const onSignal = (): void => {
        interrupted++
        // A second Ctrl-C means "now": durability of the last few bytes is not worth waiting for.
        if (interrupted > 1) process.exit(130)
        pause()
      }
      // A closed stdout (`resumable get … --json | head`) is a request to stop, like SIGPIPE.
      const onStdoutError = (error: { code?: string }): void => {
        if (error.code === 'EPIPE') onSignal()
      }
      process.on('SIGINT', onSignal)
      process.on('SIGTERM', onSignal)
      process.stdout.on('error', onStdoutError)
      return () => {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
        process.stdout.off('error', onStdoutError)
      }
    },
  }
}

/** Re-exported for bin wiring. */
export type { FilePlaces }
