import packageJson from '../package.json' with { type: 'json' }
import type { CliEnvironment } from './cli-environment.ts'
import { type Command, parseCommandLine, UsageError } from './command-line.ts'
import { ExitCode } from './exit-codes.ts'
import { HELP } from './help.ts'
import { runGet } from './run-get.ts'
import { runCancel, runStatus } from './run-status.ts'

/** The CLI's version, printed by --version. */
export const VERSION: string = packageJson.version

/** Runs the command line `argv` (without runtime and script) and resolves with the exit code. */
export async function main(argv: readonly string[], cli: CliEnvironment): Promise<number> {
  let command: Command
  try {
    command = parseCommandLine(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    cli.io.err(`usage error: ${error.message} (see resumable --help)\n`)
    return ExitCode.usage
  }
  switch (command.command) {
    case 'help':
      cli.io.out(HELP)
      return ExitCode.ok
    case 'version':
      cli.io.out(`resumable ${VERSION}\n`)
      return ExitCode.ok
    case 'get':
      return runGet(command, cli)
    case 'status':
      return runStatus(command, cli)
    case 'cancel':
      return runCancel(command, cli)
  }
}
