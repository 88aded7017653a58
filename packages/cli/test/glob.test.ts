import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compileFilters, GlobError, globToRegExp } from '../src/batch/glob.ts'
import { parseCommandLine } from '../src/command-line.ts'
import { UsageError } from '../src/usage-error.ts'

/** What `pattern` matches among `names`. */
const matching = (pattern: string, names: readonly string[]): string[] =>
  names.filter((name) => globToRegExp(pattern).test(name))

describe('globs as fnmatch reads them', () => {
  it('*, ? and classes; * crosses /', () => {
    assert.deepEqual(matching('*.parquet', ['a.parquet', 'tmp/b.parquet', 'c.csv']), [
      'a.parquet',
      'tmp/b.parquet',
    ])
    assert.deepEqual(matching('?.txt', ['a.txt', 'ab.txt', '/.txt']), ['a.txt', '/.txt'])
    assert.deepEqual(matching('[a-c]x', ['ax', 'cx', 'dx', '-x']), ['ax', 'cx'])
    assert.deepEqual(matching('[!a-c]x', ['ax', 'dx', '-x']), ['dx', '-x'])
  })

  it('[!] and [] have no closing ]: a literal [ and the rest literal, never "any character"', () => {
    assert.deepEqual(matching('[!]', ['[!]', 'x', '!', '']), ['[!]'])
    assert.deepEqual(matching('a[!]b', ['a[!]b', 'axb']), ['a[!]b'])
    assert.deepEqual(matching('[]', ['[]', 'x', '']), ['[]'])
    assert.deepEqual(matching('[abc', ['[abc', 'a']), ['[abc'])
  })

  it('a ] right after [ or [! is a member of the class', () => {
    assert.deepEqual(matching('[]a]', [']', 'a', 'b', ']a]']), [']', 'a'])
    assert.deepEqual(matching('[!]]', [']', 'a', '!']), ['a', '!'])
    assert.deepEqual(matching('[!]a]', [']', 'a', 'b']), ['b'])
  })

  it('a - first or last in a class, ^, [ and \\ in a class are members', () => {
    assert.deepEqual(matching('[-a]', ['-', 'a', 'b']), ['-', 'a'])
    assert.deepEqual(matching('[a-]', ['-', 'a', 'b']), ['-', 'a'])
    assert.deepEqual(matching('[^a]', ['^', 'a', 'b']), ['^', 'a'])
    assert.deepEqual(matching('[[]', ['[', 'a']), ['['])
    assert.deepEqual(matching('[\\]', ['\\', 'a']), ['\\'])
  })

  it('RegExp syntax outside a class is literal', () => {
    assert.deepEqual(matching('a{1}(b)|c]$.^+\\', ['a{1}(b)|c]$.^+\\', 'a']), ['a{1}(b)|c]$.^+\\'])
  })

  it('works on characters, not UTF-16 units: ? is one emoji, and a range of emoji compiles', () => {
    assert.deepEqual(matching('?', ['😀', 'ab']), ['😀'])
    assert.deepEqual(matching('[😀-😎]', ['😃', '😐', 'a']), ['😃'])
  })

  it('a range out of order is a GlobError naming the pattern, not a RegExp SyntaxError', () => {
    for (const [pattern, range] of [
      ['[z-a]', 'z-a'],
      ['*[b-a]*', 'b-a'],
      ['[!9-0]', '9-0'],
    ]) {
      assert.throws(
        () => globToRegExp(pattern as string),
        (error: unknown) =>
          error instanceof GlobError &&
          error.kind === 'range-out-of-order' &&
          error.pattern === pattern &&
          error.message.includes(`the range ${range}`) &&
          error.message.includes(JSON.stringify(pattern)),
      )
    }
  })

  it('the last matching filter decides; an include means "only these"', () => {
    const pass = compileFilters([
      { include: false, pattern: '*' },
      { include: true, pattern: '*.parquet' },
      { include: false, pattern: 'tmp/*' },
    ])
    assert.deepEqual(['x.parquet', 'tmp/y.parquet', 'z.csv'].filter(pass), ['x.parquet'])
  })
})

describe('a bad glob on the command line', () => {
  it('is a usage error when the flags are parsed, naming the flag and the pattern', () => {
    for (const [flag, pattern] of [
      ['--include', '[z-a]'],
      ['--exclude', '*[b-a]*'],
    ]) {
      const argv = ['get', 's3://b/logs/', 'c1', '-r', flag as string, pattern as string]
      assert.throws(
        () => parseCommandLine(argv),
        (error: unknown) =>
          error instanceof UsageError &&
          error.message.startsWith(`${flag}: `) &&
          error.message.includes(JSON.stringify(pattern)),
      )
      assert.throws(() => parseCommandLine([...argv.slice(0, 4), `${flag}=${pattern}`]), UsageError)
    }
  })

  it('a good one parses, in command-line order', () => {
    const command = parseCommandLine([
      'get',
      's3://b/p/',
      'd',
      '-r',
      '--include',
      '[!]]',
      '--exclude=[]',
    ])
    assert.equal(command.command, 'get')
    assert.deepEqual(command.command === 'get' ? command.batch?.filters : undefined, [
      { include: true, pattern: '[!]]' },
      { include: false, pattern: '[]' },
    ])
  })
})
