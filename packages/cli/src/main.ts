import packageJson from '../package.json' with { type: 'json' }
import type { CliEnvironment } from './cli-environment.ts'
import { type Command, parseCommandLine, streamsToStdout } from './command-line.ts'
import { errorJson } from './error-json.ts'
import { ExitCode } from './exit-codes.ts'
import { HELP } from './help.ts'
import { runGet } from './run-get.ts'
import { runCancel, runStatus } from './run-status.ts'
import { UsageError } from './usage-error.ts'

/** The CLI's version, printed by --version. */
export const VERSION: string = packageJson.version

/** Runs the command line `argv` (without runtime and script) and resolves with the exit code. */
export async function main(argv: readonly string[], cli: CliEnvironment): Promise<number> {
  let command: Command
  try {
    command = parse(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    return usageError(error, argv.includes('--json'), cli, streamsToStdout(argv))
  }
  switch (command.command) {
    case 'help':
      cli.io.out(HELP)
      return ExitCode.ok
    case 'version':
      cli.io.out(`resumable ${VERSION}\n`)
      return ExitCode.ok
    case 'get':
      // A batch loads its code (and the file store) only when asked for.
      if (command.batch) return (await import('./batch/run-batch-get.ts')).runBatchGet(command, cli)
      return runGet(command, cli)
    case 'status':
    case 'cancel':
      try {
        const batch = await import('./batch/batch-status.ts')
        if (await batch.isBatchDirectory(command.destination)) {
          // Ignoring it would show or remove something other than what the user pointed at.
          if (command.checkpoint !== undefined)
            throw new UsageError(
              `--checkpoint does not apply to the batch directory ${command.destination}: each object keeps its checkpoint beside its file; run resumable ${command.command} ${command.destination} without it`,
            )
          return await (command.command === 'status' ? batch.runBatchStatus : batch.runBatchCancel)(
            command,
            cli,
          )
        }
        return await (command.command === 'status' ? runStatus : runCancel)(command, cli)
      } catch (error) {
        // `status dir/` with several downloads in progress in dir/: name one.
        if (error instanceof UsageError) return usageError(error, command.json, cli)
        // One line (or one JSON event), never a stack trace: e.g. an unreadable checkpoint directory.
        const message = error instanceof Error ? error.message : String(error)
        if (command.json) {
          const event = { type: 'error', exitCode: ExitCode.failed, ...errorJson(error, message) }
          cli.io.out(`${JSON.stringify(event)}\n`)
        } else cli.io.err(`error: ${message}\n`)
        return ExitCode.failed
      }
  }
}

/**
 * Parses `argv`; `status` and `cancel` without <dest> mean the current directory, where `get <url>`
 * without one saves.
 */
function parse(argv: readonly string[]): Command {
  try {
    return parseCommandLine(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    let here: Command | undefined
    try {
      here = parseCommandLine([...argv, '.'])
    } catch {
      // Not a missing <dest>: the first error says what is wrong.
    }
    if (here?.command === 'status' || here?.command === 'cancel') return here
    throw error
  }
}

/**
 * One `usage error:` line (one JSON `error` event with --json); exit 2. The event goes to stderr
 * when the command line names `-`, as every JSON event of such a run does: stdout is the object's.
 */
function usageError(
  error: UsageError,
  json: boolean,
  cli: CliEnvironment,
  toStdout = false,
): number {
  const message = `${error.message} (see resumable --help)`
  // Scripts that asked for JSON get JSON even when the command line itself is wrong.
  if (json) {
    const event = { type: 'error', exitCode: ExitCode.usage, ...errorJson(error, message) }
    const line = `${JSON.stringify(event)}\n`
    if (toStdout) cli.io.err(line)
    else cli.io.out(line)
  } else cli.io.err(`usage error: ${message}\n`)
  return ExitCode.usage
}
