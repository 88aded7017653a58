import { CheckpointCodec, CheckpointError } from '@resumable/core'
import type { CliEnvironment } from './cli-environment.ts'
import type { DestinationCommand } from './command-line.ts'
import { ExitCode } from './exit-codes.ts'
import { formatBytes } from './units.ts'

/** `resumable status <dest>`: what the checkpoint says, without touching anything. */
export async function runStatus(cmd: DestinationCommand, cli: CliEnvironment): Promise<number> {
  const { checkpoint, key } = await cli.files(cmd.destination, cmd.checkpoint, false, {
    inspectOnly: true,
  })
  const bytes = await checkpoint.load(key)
  if (bytes === undefined) {
    say(
      cli,
      cmd,
      { state: 'none', destination: cmd.destination },
      `no download in progress for ${cmd.destination}`,
    )
    return ExitCode.ok
  }
  try {
    const { identity, state, savedAt } = CheckpointCodec.decode(bytes)
    const size = identity.object.size
    const done = state.bytesDone
    const percent = size === 0 ? 100 : (done / size) * 100
    say(
      cli,
      cmd,
      {
        state: 'in-progress',
        source: identity.source,
        destination: identity.destination,
        size,
        etag: identity.object.etag,
        bytesDone: done,
        percent: Number(percent.toFixed(2)),
        partsDone: state.doneCount,
        partsTotal: state.plan.partCount,
        partSize: state.plan.partSize,
        savedAt: new Date(savedAt).toISOString(),
      },
      [
        `source:      ${identity.source}`,
        `destination: ${identity.destination}`,
        `object:      ${formatBytes(size)}${identity.object.etag ? `, ETag ${identity.object.etag}` : ''}`,
        `progress:    ${formatBytes(done)} (${percent.toFixed(1)}%), ${state.doneCount}/${state.plan.partCount} parts of ${formatBytes(state.plan.partSize)}`,
        `last saved:  ${new Date(savedAt).toISOString()}`,
        'run the same `resumable get` command again to resume',
      ].join('\n'),
    )
    return ExitCode.ok
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error
    say(
      cli,
      cmd,
      { state: 'unusable', problem: error.problem, message: error.message },
      `checkpoint for ${cmd.destination} is unusable (${error.problem}): ${error.message}; the next run starts over`,
    )
    return ExitCode.failed
  }
}

/** `resumable cancel <dest>`: removes the partial download and its checkpoint. */
export async function runCancel(cmd: DestinationCommand, cli: CliEnvironment): Promise<number> {
  const { target, checkpoint, key } = await cli.files(cmd.destination, cmd.checkpoint, false, {
    inspectOnly: true,
  })
  await target.abort({ keep: false })
  await checkpoint.remove(key)
  say(
    cli,
    cmd,
    { state: 'cancelled', destination: cmd.destination },
    `removed the partial download of ${cmd.destination}`,
  )
  return ExitCode.ok
}

function say(
  cli: CliEnvironment,
  cmd: DestinationCommand,
  json: Record<string, unknown>,
  text: string,
): void {
  cli.io.out(cmd.json ? `${JSON.stringify(json)}\n` : `${text}\n`)
}
