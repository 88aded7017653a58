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

  it('a flag value starting with "-" is one usage error line naming the flag and the --flag=value form, not parseArgs\' three', async () => {
    const { cli, err } = fakeEnvironment()
    assert.equal(await main(['get', 's3://b/p/', 'd', '--recursive', '--shard', '-1/2'], cli), 2)
    assert.equal(
      err.join(''),
      'usage error: --shard was followed by a value starting with "-", taken for an option: write --shard=<value> to give such a value (see resumable --help)\n',
    )
  })

  it('exits 2 on a bad flag without touching files', async () => {
    const { cli, err } = fakeEnvironment()
    assert.equal(await main(['get', 'http://x/y', 'out', '--part-size', 'huge'], cli), 2)
    assert.match(err.join(''), /--part-size "huge" is not a size/)
  })

  it('a wrong number of arguments is one "usage error:" line, not "usage error: usage:"', async () => {
    for (const argv of [
      ['get'],
      ['get', '--manifest', 'm.txt', 'a/', 'b/'],
      ['status', 'a', 'b'],
    ]) {
      const { cli, err } = fakeEnvironment()
      assert.equal(await main(argv, cli), 2, argv.join(' '))
      const line = err.join('')
      assert.match(line, /^usage error: resumable (get|status) /, argv.join(' '))
      assert.doesNotMatch(line, /usage:/, argv.join(' '))
    }
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

  it('exits 2 for - with --checkpoint, --recheck or --on-change restart, touching nothing; with --json the error goes to stderr, as stdout carries the object', async () => {
    for (const [flags, refused] of [
      [['--checkpoint', 'x.json'], '--checkpoint'],
      [['--recheck'], '--recheck'],
      [['--on-change', 'restart'], '--on-change restart'],
    ] as const) {
      const { cli, out, err } = fakeEnvironment()
      const argv = ['get', 'http://127.0.0.1:9/x', '-', ...flags, '--json']
      assert.equal(await main(argv, cli), 2, refused)
      assert.equal(out.join(''), '', 'nothing on stdout, which - gives to the object')
      const event = JSON.parse(err.join('')) as { kind: string; exitCode: number; message: string }
      assert.equal(event.kind, 'usage')
      assert.equal(event.exitCode, 2)
      assert.ok(
        event.message.startsWith(`${refused} cannot be combined with - (stdout)`),
        event.message,
      )
    }
  })

  it('with - and --json, a command line that does not parse reports its error on stderr too', async () => {
    const { cli, out, err } = fakeEnvironment()
    const argv = ['get', 'http://127.0.0.1:9/x', '-', '--part-size', 'huge', '--json']
    assert.equal(await main(argv, cli), 2)
    assert.equal(out.join(''), '')
    const event = JSON.parse(err.join('')) as { type: string; kind: string; message: string }
    assert.equal(event.type, 'error')
    assert.equal(event.kind, 'usage')
    assert.match(event.message, /--part-size "huge" is not a size/)
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
