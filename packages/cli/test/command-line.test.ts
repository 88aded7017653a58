import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseCommandLine, UsageError } from '../src/command-line.ts'
import { parseSource } from '../src/sources.ts'

describe('parseCommandLine', () => {
  it('parses get with human units', () => {
    const cmd = parseCommandLine([
      'get',
      'oss://examplebucket/exampledir/exampleobject.txt',
      'out.txt',
      '--part-size',
      '1MiB',
      '--concurrency',
      '10',
      '--limit-rate',
      '50MiB/s',
      '--json',
    ])
    assert.equal(cmd.command, 'get')
    if (cmd.command !== 'get') return
    assert.equal(cmd.partSize, 1024 * 1024)
    assert.equal(cmd.concurrency, 10)
    assert.equal(cmd.limitRate, 50 * 1024 * 1024)
    assert.equal(cmd.json, true)
    assert.equal(cmd.verify, true)
  })

  for (const [name, argv] of [
    ['an unknown flag', ['get', 'a', 'b', '--bogus']],
    ['a bad size', ['get', 'a', 'b', '--part-size', 'lots']],
    ['concurrency 0', ['get', 'a', 'b', '--concurrency', '0']],
    ['a missing source', ['get']],
    ['a third positional', ['get', 'a', 'b', 'c']],
    ['an unknown command', ['fetch', 'a', 'b']],
    [
      '--checkpoint with --no-checkpoint',
      ['get', 'a', 'b', '--checkpoint', 'x', '--no-checkpoint'],
    ],
    ['an unknown transport', ['get', 'a', 'b', '--transport', 'curl']],
  ]) {
    it(`rejects ${name} with a UsageError`, () => {
      assert.throws(() => parseCommandLine(argv as string[]), UsageError)
    })
  }

  it('names the option a typo most likely meant, and says nothing when none is close', () => {
    const refused = (argv: string[]) => {
      try {
        parseCommandLine(argv)
      } catch (error) {
        assert.ok(error instanceof UsageError)
        return error.message
      }
      assert.fail('accepted')
    }
    assert.equal(
      refused(['get', 'x', '--concurency', '4']),
      'unknown option --concurency (did you mean --concurrency?)',
    )
    assert.equal(
      refused(['get', 'x', '--skip-exist']),
      'unknown option --skip-exist (did you mean --skip-existing?)',
    )
    assert.equal(refused(['get', 'x', '--zzzzzz']), 'unknown option --zzzzzz')
  })

  it('a bucket or prefix without --recursive names the scheme given and points to --recursive', () => {
    for (const source of ['s3://bucket', 's3://bucket/', 'oss://bucket']) {
      const scheme = source.split(':')[0]
      assert.throws(
        () => parseSource(source),
        new RegExp(`names no object: ${scheme}://bucket/key .*add --recursive`),
      )
    }
  })

  it('gives size examples for a size and rate examples for a rate', () => {
    assert.throws(
      () => parseCommandLine(['get', 'x', '--part-size', '8MiB/s']),
      /is not a size \(examples: 8MiB/,
    )
    assert.throws(
      () => parseCommandLine(['get', 'x', '--limit-rate', 'fast']),
      /is not a rate \(examples: 50MiB\/s/,
    )
  })

  it('takes an omitted destination as the current directory', () => {
    const cmd = parseCommandLine(['get', 'https://example.com/a.bin'])
    assert.equal(cmd.command === 'get' && cmd.destination, '.')
  })

  it('accepts --checkpoint on status and cancel', () => {
    for (const command of ['status', 'cancel']) {
      const cmd = parseCommandLine([command, 'out.bin', '--checkpoint', 'ck/'])
      assert.equal(cmd.command === command && 'checkpoint' in cmd && cmd.checkpoint, 'ck/')
    }
  })

  it('refuses a secret on the command line without echoing it', () => {
    assert.throws(
      () => parseCommandLine(['get', 'a', 'b', '--access-key-secret=TOPSECRET']),
      (e: unknown) =>
        e instanceof UsageError &&
        !e.message.includes('TOPSECRET') &&
        e.message.includes('OSS_ACCESS_KEY_SECRET'),
    )
  })

  it('parses --stall-timeout and --on-change, and refuses an unknown policy', () => {
    const cmd = parseCommandLine([
      'get',
      'http://h/k',
      'out',
      '--stall-timeout',
      '5',
      '--on-change',
      'fail',
    ])
    assert.equal(cmd.command === 'get' && cmd.stallTimeoutSeconds, 5)
    assert.equal(cmd.command === 'get' && cmd.onChange, 'fail')
    assert.throws(
      () => parseCommandLine(['get', 'http://h/k', 'out', '--on-change', 'ignore']),
      /--on-change must be restart or fail/,
    )
    assert.throws(
      () => parseCommandLine(['get', 'http://h/k', 'out', '--stall-timeout', '0']),
      /--stall-timeout must be an integer ≥ 1/,
    )
  })

  it('parses status and cancel', () => {
    assert.deepEqual(parseCommandLine(['status', 'x.bin']), {
      command: 'status',
      destination: 'x.bin',
      checkpoint: undefined,
      json: false,
    })
    assert.equal(parseCommandLine(['cancel', 'x.bin']).command, 'cancel')
    assert.equal(parseCommandLine([]).command, 'help')
    assert.equal(parseCommandLine(['--version']).command, 'version')
  })
})
