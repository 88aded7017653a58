import { quoteForTerminal, terminalText } from '../units.ts'
import type { BatchFilter } from './batch-flags.ts'

/** Why a glob cannot be compiled. */
export type GlobProblem = 'range-out-of-order'

/** A glob that cannot be compiled (a class range such as `[z-a]`); the CLI reports it as a usage error. */
export class GlobError extends Error {
  override name = 'GlobError'
  /** What is wrong with the pattern. */
  readonly kind: GlobProblem
  /** The whole pattern, as given. */
  readonly pattern: string

  constructor(kind: GlobProblem, pattern: string, message: string) {
    super(message)
    this.kind = kind
    this.pattern = pattern
  }
}

/**
 * A glob as aws-cli's `--include`/`--exclude` read it (Python fnmatch): `*` any run of characters
 * *including* `/`, `?` one character, `[abc]`/`[a-z]` a class, `[!abc]` its complement; anything
 * else literal. Matched against the whole key relative to the source prefix. As in fnmatch, a `]`
 * right after `[` or `[!` is a member of the class (`[]a]`, `[!]]`), and a `[` with no `]` to close
 * it is a literal `[` (`[`, `[]`, `[!]`). Throws a {@link GlobError} for a range whose ends are out
 * of order (`[z-a]`): fnmatch would silently match nothing there, which is never what was meant.
 */
export function globToRegExp(pattern: string): RegExp {
  // Code points, not UTF-16 units: `?` is one character and `[😀-😎]` a range, as in Python.
  const chars = Array.from(pattern)
  let out = ''
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string
    if (c === '*') out += '.*'
    else if (c === '?') out += '.'
    else if (c === '[') {
      const end = classEnd(chars, i)
      if (end < 0) {
        out += '\\['
        continue
      }
      out += classToRegExp(chars.slice(i + 1, end), pattern)
      i = end
    } else out += escapeLiteral(c)
  }
  return new RegExp(`^${out}$`, 'su')
}

/** The index of the `]` closing the class opened at `open`, or -1 when there is none. */
function classEnd(chars: readonly string[], open: number): number {
  let j = open + 1
  if (chars[j] === '!') j++
  // A `]` first in the class is a member, not its end.
  if (chars[j] === ']') j++
  while (j < chars.length && chars[j] !== ']') j++
  return j < chars.length ? j : -1
}

/** A class body (between `[` and `]`) as a RegExp class; ranges are checked here, by name. */
function classToRegExp(body: readonly string[], pattern: string): string {
  const negate = body[0] === '!'
  const members = negate ? body.slice(1) : body
  let out = ''
  for (let k = 0; k < members.length; k++) {
    const lo = members[k] as string
    // `a-z` is a range unless the `-` is last (`[a-]`: `a` and `-`), as in fnmatch and RegExp.
    if (members[k + 1] === '-' && k + 2 < members.length) {
      const hi = members[k + 2] as string
      if ((lo.codePointAt(0) as number) > (hi.codePointAt(0) as number))
        throw new GlobError(
          'range-out-of-order',
          pattern,
          `the range ${terminalText(`${lo}-${hi}`)} in the glob ${quoteForTerminal(pattern)} is out of order (a range goes from low to high, as in [a-z])`,
        )
      out += `${escapeMember(lo)}-${escapeMember(hi)}`
      k += 2
    } else out += escapeMember(lo)
  }
  return `[${negate ? '^' : ''}${out}]`
}

/** A character outside a class, literal in a `u` RegExp (which refuses needless escapes). */
function escapeLiteral(c: string): string {
  return /^[.+^$|\\/(){}[\]]$/.test(c) ? `\\${c}` : c
}

/** A character inside a class, literal in a `u` RegExp. */
function escapeMember(c: string): string {
  return /^[\\\]^[-]$/.test(c) ? `\\${c}` : c
}

/**
 * True when `relativeKey` passes the filters. Every filter applies in command-line order and the
 * last one that matches decides, as in aws-cli, so its `--exclude '*' --include '*.parquet'`
 * works unchanged. A key that no filter matches is kept only when no filter is an `--include`:
 * an include means "these", as in ossutil 2.0, rclone and s5cmd. (In aws-cli an include that
 * nothing excluded first does nothing: `--include '*.parquet'` alone fetches every object.)
 */
export function compileFilters(filters: readonly BatchFilter[]): (relativeKey: string) => boolean {
  const compiled = filters.map((f) => ({ include: f.include, re: globToRegExp(f.pattern) }))
  const unmatched = !compiled.some((f) => f.include)
  return (relativeKey) => {
    let included = unmatched
    for (const f of compiled) if (f.re.test(relativeKey)) included = f.include
    return included
  }
}
