import type { BatchFilter } from './batch-flags.ts'

/**
 * A glob as aws-cli's `--include`/`--exclude` read it (Python fnmatch): `*` any run of characters
 * *including* `/`, `?` one character, `[abc]`/`[a-z]` a class, `[!abc]` its complement; anything
 * else literal. Matched against the whole key relative to the source prefix.
 */
export function globToRegExp(pattern: string): RegExp {
  let out = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    if (c === '*') out += '.*'
    else if (c === '?') out += '.'
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2)
      if (end < 0) {
        out += '\\['
        continue
      }
      let body = pattern.slice(i + 1, end)
      const negate = body.startsWith('!')
      if (negate) body = body.slice(1)
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`
      i = end
    } else out += c.replace(/[.+^${}()|\\/]/g, '\\$&')
  }
  return new RegExp(`^${out}$`, 's')
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
