import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import packageJson from '../package.json' with { type: 'json' }
import { main } from '../src/main.ts'
import { fakeEnvironment } from './helpers.ts'

describe('resumable (in-process)', () => {
  it('prints help with exit code 0', async () => {
    const { cli, out } = fakeEnvironment()
    assert.equal(await main(['--help'], cli), 0)
    assert.match(out.join(''), /resumable get <source> \[dest\]/)
  })

  it('prints the version from package.json, so a release bump reaches --version', async () => {
    const { cli, out } = fakeEnvironment()
    assert.equal(await main(['--version'], cli), 0)
    assert.equal(out.join(''), `resumable ${packageJson.version}\n`)
  })

  it('exits 2 on a bad flag without touching files', async () => {
    const { cli, err } = fakeEnvironment()
    assert.equal(await main(['get', 'http://x/y', 'out', '--part-size', 'huge'], cli), 2)
    assert.match(err.join(''), /--part-size "huge" is not a size/)
  })

  it('exits 2 for a part size outside 100 KiB–5 GiB, naming the flag in human units', async () => {
    const { cli, text } = fakeEnvironment({
      files: async () => {
        throw new Error('must not open files for invalid options')
      },
    })
    assert.equal(await main(['get', 'http://127.0.0.1:9/x', '-', '--part-size', '10KB'], cli), 2)
    assert.match(text(), /--part-size must be between 100 KiB and 5\.00 GiB, got 9\.77 KiB/)
  })

  it('exits 2 for a stall timeout beyond an hour, in seconds as the flag takes them', async () => {
    const { cli, text } = fakeEnvironment()
    assert.equal(
      await main(['get', 'http://127.0.0.1:9/x', '-', '--stall-timeout', '3601'], cli),
      2,
    )
    assert.match(
      text(),
      /--stall-timeout must be a whole number from 1 to 3600 seconds, got "3601"/,
    )
  })

  it('exits 2 for - with --checkpoint or --recheck, as for --checkpoint with --no-checkpoint, touching nothing', async () => {
    for (const flags of [['--checkpoint', 'x.json'], ['--recheck']]) {
      const { cli, out, err } = fakeEnvironment()
      const argv = ['get', 'http://127.0.0.1:9/x', '-', ...flags, '--json']
      assert.equal(await main(argv, cli), 2, flags.join(' '))
      assert.equal(err.join(''), '')
      const event = JSON.parse(out.join('')) as { kind: string; exitCode: number; message: string }
      assert.equal(event.kind, 'usage')
      assert.equal(event.exitCode, 2)
      assert.match(event.message, new RegExp(`^${flags[0]} cannot be combined with - \\(stdout\\)`))
    }
  })

  it('exits 2 for oss:// without a region or endpoint', async () => {
    const { cli, text } = fakeEnvironment()
    assert.equal(await main(['get', 'oss://bucket/key', 'out'], cli), 2)
    assert.match(text(), /--region/)
  })

  it('exits 2 for an unsupported scheme and does not echo a signed query', async () => {
    const { cli, text } = fakeEnvironment()
    assert.equal(await main(['get', 'ftp://host/file?Signature=SECRET', 'out'], cli), 2)
    assert.doesNotMatch(text(), /SECRET/)
  })
})
