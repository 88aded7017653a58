import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type MockOssServer, runtimeCommand, startMockOss } from '@resumable/testkit/node'
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

// `resumable get <url> -`: what is said when the stream cannot be taken back or nobody reads it.
let server: MockOssServer
const SIZE = 3 * 1024 * 1024 + 9
/** Large enough that a reader closing after the first chunk always beats the end of the download. */
const BIG = 256 * 1024 * 1024
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url))

before(async () => {
  server = await startMockOss()
  server.oss.putObject('bucket', 'stream.bin', { generated: { size: SIZE, seed: 21 } })
  server.oss.putObject('bucket', 'big.bin', { generated: { size: BIG, seed: 22 } })
})
after(async () => {
  await server.close()
})

const url = (key = 'stream.bin'): string => `${server.url}/bucket/${key}`

/** The way a closed pipe fails a write on stdout. */
function epipe(): Error {
  return Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' })
}

/** A stdout whose reader goes away after `chunks` writes; like the process, it also asks the run to pause. */
function closingStdout(chunks: number, json: string[] = []) {
  let pause = (): void => {}
  let written = 0
  const env = fakeEnvironment({
    stdoutSink: async () => {
      if (++written <= chunks) return
      // process-environment.ts turns the stdout 'error' event into a pause, possibly first.
      pause()
      throw epipe()
    },
    onInterrupt: (p) => {
      pause = p
      return () => {}
    },
  })
  return { ...env, json }
}

describe('get to stdout (-)', () => {
  it('a CRC mismatch says the data streamed to stdout failed verification, not that the destination was not written', async () => {
    const removeFault = server.oss.faults.add({
      fault: { type: 'wrong-crc' },
      match: { key: 'stream.bin' },
    })
    after(removeFault)
    let streamed = 0
    const sink = async (chunk: Uint8Array): Promise<void> => {
      streamed += chunk.length
    }
    const human = fakeEnvironment({ stdoutSink: sink })
    assert.equal(await main(['get', url(), '-'], human.cli), 1)
    assert.equal(streamed, SIZE, 'every byte went out before the check')
    const line = human.err.join('').trim().split('\n').at(-1) ?? ''
    assert.match(line, /^error: .*streamed to stdout failed crc64xz verification/)
    assert.match(line, /discard/)
    assert.doesNotMatch(human.text(), /destination was not written/)

    const json = fakeEnvironment({ stdoutSink: sink })
    assert.equal(await main(['get', url(), '-', '--json'], json.cli), 1)
    const last = JSON.parse(json.err.join('').trim().split('\n').at(-1) ?? '{}') as {
      type: string
      exitCode: number
      kind: string
      message: string
    }
    assert.equal(last.type, 'error')
    assert.equal(last.exitCode, 1)
    assert.equal(last.kind, 'integrity')
    assert.match(last.message, /streamed to stdout failed crc64xz verification.*discard/)
    assert.doesNotMatch(last.message, /destination was not written/)
  })

  it('a reader that closes stdout (EPIPE) ends the run with exit 1 and one error line, not as an interruption (130)', async () => {
    const human = closingStdout(1)
    const code = await main(['get', url(), '-', '--part-size', '256KiB'], human.cli)
    assert.equal(code, 1, human.text())
    const lines = human.err.join('').trim().split('\n')
    assert.match(lines.at(-1) ?? '', /^error: stdout was closed by its reader \(EPIPE\); stopped$/)
    assert.doesNotMatch(human.text(), /^interrupted/m)

    const json = closingStdout(1)
    assert.equal(await main(['get', url(), '-', '--part-size', '256KiB', '--json'], json.cli), 1)
    const events = json.err
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; exitCode?: number; message?: string })
    const last = events.at(-1)
    assert.equal(last?.type, 'error')
    assert.equal(last?.exitCode, 1)
    assert.match(last?.message ?? '', /stdout was closed by its reader \(EPIPE\)/)
    assert.ok(!events.some((e) => e.type === 'message' && /^interrupted/.test(e.message ?? '')))
  })

  it('as a real process: `get … - | head -c 10` stops promptly with exit 1, one line and no stack trace', async () => {
    for (const json of [false, true]) {
      const [cmd, args] = runtimeCommand(BIN, [
        'get',
        url('big.bin'),
        '-',
        ...(json ? ['--json'] : []),
      ])
      const child = spawn(cmd, args, { stdio: 'pipe' })
      let stderr = ''
      child.stderr.on('data', (d: Uint8Array) => {
        stderr += new TextDecoder().decode(d)
      })
      // Like `head -c 10`: read the first bytes, then close the reading end.
      child.stdout.once('data', () => child.stdout.destroy())
      const started = Date.now()
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      assert.equal(code, 1, `exit ${code}: ${stderr}`)
      assert.ok(Date.now() - started < 30_000, 'stopped promptly')
      assert.doesNotMatch(stderr, /"interrupted|^interrupted|\n\s+at /m)
      const last = stderr.trim().split('\n').at(-1) ?? ''
      if (json) {
        const event = JSON.parse(last) as { type: string; exitCode: number; message: string }
        assert.equal(event.type, 'error')
        assert.equal(event.exitCode, 1)
        assert.match(event.message, /EPIPE/)
      } else assert.match(last, /^error: stdout was closed by its reader \(EPIPE\); stopped$/)
    }
  })
})
