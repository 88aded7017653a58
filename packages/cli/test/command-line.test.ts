import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseCommandLine, streamsToStdout } from '../src/command-line.ts'
import { parseSource } from '../src/sources.ts'
import { UsageError } from '../src/usage-error.ts'

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

  it('a manifest line naming a bucket alone names one object as the fix, not --recursive, which a manifest refuses', () => {
    assert.throws(
      () => parseSource('oss://bucket', true),
      (e: unknown) =>
        e instanceof UsageError &&
        /names no object: a manifest line names one, oss:\/\/bucket\/key/.test(e.message) &&
        !e.message.includes('--recursive'),
    )
  })

  it('refuses a URL as the destination (aws s3 cp takes one; resumable writes local paths), never echoing its credentials', () => {
    for (const argv of [
      ['get', 'https://example.com/f.bin', 's3://bucket/x/'],
      ['get', 's3://b/logs/', 'https://alice:pw-secret@example.com/x/?sig=s3cr3t', '--recursive'],
      ['get', '--manifest', 'm.txt', 'oss://bucket/prefix/'],
    ])
      assert.throws(
        () => parseCommandLine(argv),
        (e: unknown) =>
          e instanceof UsageError &&
          /^destination ".*" is a URL: resumable downloads to a local directory or file/.test(
            e.message,
          ) &&
          !/pw-secret|s3cr3t/.test(e.message),
      )
    // A local name with a colon is a path, as are Windows drive letters.
    for (const dest of ['out:1.bin', 'C:\\data\\f.bin', './s3:bucket'])
      assert.doesNotThrow(() => parseCommandLine(['get', 'https://example.com/f.bin', dest]))
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

  it('takes an omitted batch directory as the current one, for --manifest as for --recursive', () => {
    for (const argv of [
      ['get', '--manifest', 'objects.txt'],
      ['get', 's3://b/logs/', '--recursive'],
    ]) {
      const cmd = parseCommandLine(argv)
      assert.equal(cmd.command === 'get' && cmd.destination, '.', argv.join(' '))
    }
    const manifest = parseCommandLine(['get', '--manifest', 'objects.txt'])
    assert.equal(manifest.command === 'get' && manifest.source, 'objects.txt')
    assert.throws(
      () => parseCommandLine(['get', '--manifest', 'objects.txt', 'a/', 'b/']),
      (e: unknown) =>
        e instanceof UsageError &&
        /^resumable get --manifest takes <file> \[dest-dir\]/.test(e.message),
    )
  })

  it('accepts --checkpoint on status and cancel', () => {
    for (const command of ['status', 'cancel']) {
      const cmd = parseCommandLine([command, 'out.bin', '--checkpoint', 'ck/'])
      assert.equal(cmd.command === command && 'checkpoint' in cmd && cmd.checkpoint, 'ck/')
    }
  })

  it("refuses get's flags on status and cancel, naming the flag, instead of ignoring them", () => {
    for (const command of ['status', 'cancel']) {
      for (const flag of [['--force'], ['--on-change', 'fail'], ['--concurrency', '4'], ['-q']]) {
        assert.throws(
          () => parseCommandLine([command, 'out.bin', ...flag]),
          (e: unknown) =>
            e instanceof UsageError &&
            e.message.startsWith(
              `--${flag[0] === '-q' ? 'quiet' : (flag[0] as string).slice(2)} does not apply to ${command}`,
            ),
          `${command} ${flag.join(' ')}`,
        )
      }
    }
  })

  it('refuses status - and cancel -: stdout keeps no progress', () => {
    for (const command of ['status', 'cancel'])
      assert.throws(
        () => parseCommandLine([command, '-']),
        (e: unknown) => e instanceof UsageError && /keeps no progress/.test(e.message),
      )
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
      /--stall-timeout must be a whole number from 1 to 3600 seconds, got "0"/,
    )
  })

  it("states each integer flag's range in the flag's own unit, however the value misses it", () => {
    // Found by a tester: "0.5" was "an integer ≥ 1", 100000000000 was "between 0.001 s and
    // 3600 s" (core's range, in milliseconds, shown as seconds).
    const refusals: [string, string, RegExp][] = [
      [
        '--stall-timeout',
        '0.5',
        /^--stall-timeout must be a whole number from 1 to 3600 seconds, got "0\.5"$/,
      ],
      [
        '--stall-timeout',
        '100000000000',
        /^--stall-timeout must be a whole number from 1 to 3600 seconds, got "100000000000"$/,
      ],
      ['--stall-timeout', '3601', /from 1 to 3600 seconds, got "3601"/],
      [
        '--concurrency',
        '5000',
        /^--concurrency must be a whole number from 1 to 1024, got "5000"$/,
      ],
      ['--concurrency', '1.5', /^--concurrency must be a whole number from 1 to 1024, got "1\.5"$/],
      ['--retries', '1001', /^--retries must be a whole number from 0 to 1000, got "1001"$/],
      ['--retries', 'many', /^--retries must be a whole number from 0 to 1000, got "many"$/],
    ]
    for (const [flag, value, message] of refusals) {
      assert.throws(
        () => parseCommandLine(['get', 'http://h/k', 'out', flag, value]),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
        `${flag} ${value}`,
      )
    }
    const edges = parseCommandLine([
      'get',
      'http://h/k',
      'out',
      '--stall-timeout',
      '3600',
      '--concurrency',
      '1024',
      '--retries',
      '0',
    ])
    assert.equal(edges.command === 'get' && edges.stallTimeoutSeconds, 3600)
    assert.equal(edges.command === 'get' && edges.concurrency, 1024)
    assert.equal(edges.command === 'get' && edges.retries, 0)
  })

  it('refuses --checkpoint and --recheck with - (stdout keeps no checkpoint and never resumes)', () => {
    assert.throws(
      () => parseCommandLine(['get', 'http://h/k', '-', '--checkpoint', 'x.json']),
      (e: unknown) =>
        e instanceof UsageError &&
        /^--checkpoint cannot be combined with - \(stdout\)/.test(e.message),
    )
    assert.throws(
      () => parseCommandLine(['get', 'http://h/k', '-', '--recheck']),
      (e: unknown) =>
        e instanceof UsageError &&
        /^--recheck cannot be combined with - \(stdout\)/.test(e.message),
    )
    // --no-checkpoint says what - does anyway; a file destination takes both flags.
    assert.equal(parseCommandLine(['get', 'http://h/k', '-', '--no-checkpoint']).command, 'get')
    const file = parseCommandLine([
      'get',
      'http://h/k',
      'out',
      '--checkpoint',
      'x.json',
      '--recheck',
    ])
    assert.equal(file.command === 'get' && file.checkpoint, 'x.json')
    assert.equal(file.command === 'get' && file.recheck, true)
  })

  it('refuses an explicit --on-change restart with - (bytes on stdout cannot be taken back); fail stays accepted', () => {
    assert.throws(
      () => parseCommandLine(['get', 'http://h/k', '-', '--on-change', 'restart']),
      (e: unknown) =>
        e instanceof UsageError &&
        /^--on-change restart cannot be combined with - \(stdout\): bytes already written to stdout cannot be taken back/.test(
          e.message,
        ),
    )
    const fail = parseCommandLine(['get', 'http://h/k', '-', '--on-change', 'fail'])
    assert.equal(fail.command === 'get' && fail.onChange, 'fail')
    const unset = parseCommandLine(['get', 'http://h/k', '-'])
    assert.equal(unset.command === 'get' && unset.onChange, undefined)
    const file = parseCommandLine(['get', 'http://h/k', 'out', '--on-change', 'restart'])
    assert.equal(file.command === 'get' && file.onChange, 'restart')
  })

  it('tells whether a command line, even one that does not parse, streams to stdout', () => {
    assert.equal(streamsToStdout(['get', 'http://h/k', '-', '--part-size', 'huge']), true)
    assert.equal(streamsToStdout(['get', 'http://h/k', '-', '--bogus', '--json']), true)
    assert.equal(streamsToStdout(['get', 'http://h/k', 'out', '--json']), false)
    // A flag's value is not a destination.
    assert.equal(streamsToStdout(['get', 'http://h/k', 'out', '--checkpoint', '-']), false)
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
