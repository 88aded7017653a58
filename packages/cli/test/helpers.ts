import type { CliEnvironment, FilePlaces } from '../src/cli-environment.ts'

/** A CliEnvironment that records output and fails loudly if a file or signal is touched unexpectedly. */
export function fakeEnvironment(overrides: Partial<CliEnvironment> = {}) {
  const out: string[] = []
  const err: string[] = []
  const cli: CliEnvironment = {
    io: { out: (t) => void out.push(t), err: (t) => void err.push(t), isTTY: false, columns: 80 },
    env: {},
    stdoutSink: async () => {},
    files: async (): Promise<FilePlaces> => {
      throw new Error('files() was not expected in this test')
    },
    aliOss: async () => {
      throw new Error('aliOss() was not expected in this test')
    },
    onInterrupt: () => () => {},
    ...overrides,
  }
  return { cli, out, err, text: () => out.join('') + err.join('') }
}
