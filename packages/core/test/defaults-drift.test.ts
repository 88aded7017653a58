import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  CHOICE_TABLE,
  type ChoiceOptionSpec,
  type NumericOptionSpec,
  OPTION_TABLE,
} from '@resumable/core'

const UNITS: Record<string, number> = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, s: 1000 }
const numeric = OPTION_TABLE as unknown as Record<string, NumericOptionSpec>
const choices = CHOICE_TABLE as unknown as Record<string, ChoiceOptionSpec<unknown>>

function text(relative: string): string {
  return readFileSync(new URL(relative, import.meta.url), 'utf8')
}

/** Reads a documented default (`8 MiB`, `20000`, `20 s`, `10,000`, `unlimited`, `'restart'`) as a value. */
function parseValue(raw: string): unknown {
  const value = raw.trim().replace(/^'(.*)'$/, '$1')
  if (value === 'true' || value === 'false') return value === 'true'
  if (value === 'unlimited' || value === 'off') return undefined
  const match = /^([\d,]+)(?: (KiB|MiB|GiB|s))?$/.exec(value)
  if (!match) return value
  return Number((match[1] as string).replaceAll(',', '')) * (match[2] ? (UNITS[match[2]] ?? 1) : 1)
}

/** The default a table entry documents: a number, `partSize` for a derived default, or a choice. */
function tableDefault(name: string): unknown {
  const spec = numeric[name]
  if (spec) return spec.defaultFrom ?? spec.default
  const choice = choices[name]
  assert.ok(choice, `${name} is in neither OPTION_TABLE nor CHOICE_TABLE`)
  return choice.default
}

/** Renders a byte count as the README table does. */
function bytes(n: number): string {
  if (n === Number.MAX_SAFE_INTEGER) return '2^53 − 1'
  for (const unit of ['GiB', 'MiB', 'KiB'] as const) {
    const size = UNITS[unit] as number
    if (n >= size && n % size === 0) return `${n / size} ${unit}`
  }
  return String(n)
}

function render(n: number | undefined, spec: NumericOptionSpec): string {
  if (n === undefined) return 'off'
  return spec.unit === 'bytes' || spec.unit === 'bytes/s' ? bytes(n) : bytes(n).replace(/ KiB$/, '')
}

/** The README row each table entry must appear as. */
function readmeRow(name: string): string {
  const spec = numeric[name]
  if (spec) {
    const def = spec.defaultFrom ?? render(spec.default, spec)
    const unit = spec.unit === 'count' ? '—' : spec.unit
    const plain = spec.unit === 'ms' || spec.unit === 'count'
    const show = (n: number): string =>
      plain && n < Number.MAX_SAFE_INTEGER ? String(n) : bytes(n)
    return `| \`${name}\` | ${def} | ${show(spec.min)} | ${show(spec.max)} | ${unit} | ${spec.description} |`
  }
  const choice = choices[name] as ChoiceOptionSpec<unknown>
  const list = choice.choices.map((c) => `\`${String(c)}\``).join(' or ')
  return `| \`${name}\` | ${String(choice.default)} | — | — | ${list} | ${choice.description} |`
}

const ALL = [...Object.keys(numeric), ...Object.keys(choices)]

describe('OPTION_TABLE is the single source of defaults', () => {
  it('every option in the table has a TSDoc @default in options.ts equal to the table', () => {
    const source = text('../src/options.ts')
    const documented = new Map<string, unknown>()
    for (const m of source.matchAll(/@default ([^*\n]+?) \*\/\s*readonly (\w+)\?:/g)) {
      documented.set(m[2] as string, parseValue(m[1] as string))
    }
    for (const name of ALL) {
      assert.ok(documented.has(name), `options.ts has no @default for ${name}`)
      assert.deepEqual(documented.get(name), tableDefault(name), `@default of ${name}`)
    }
  })

  it("the core README's options table lists every option exactly as the table says", () => {
    const readme = text('../README.md')
    const missing = ALL.map(readmeRow).filter((row) => !readme.includes(row))
    assert.deepEqual(missing, [], `README rows missing or different:\n${missing.join('\n')}`)
  })

  it("every '`option` (default …)' in the core README's steps matches the table", () => {
    const readme = text('../README.md')
    const mentions = [...readme.matchAll(/`(\w+)` \(default ([^)]+)\)/g)]
    assert.ok(
      mentions.length >= 10,
      `expected the steps to quote defaults, found ${mentions.length}`,
    )
    for (const [, name, quoted] of mentions) {
      const [value, range] = (quoted as string).split(', ')
      assert.deepEqual(parseValue(value as string), tableDefault(name as string), `README: ${name}`)
      if (range !== undefined) {
        const [min, max] = range.split('–')
        const spec = numeric[name as string] as NumericOptionSpec
        assert.deepEqual(
          [parseValue(min as string), parseValue(max as string)],
          [spec.min, spec.max],
        )
      }
    }
  })
})

describe('the core README maps each step of a download to its files', () => {
  const readme = text('../README.md')
  const steps = [...readme.matchAll(/^(\d+)\. \*\*([^*]+)\*\*[^\n]*(?:\n {2,}[^\n]*)*/gm)]

  it('names ten steps, each with at least one source file that exists', () => {
    assert.equal(steps.length, 10)
    for (const [step, number] of steps) {
      const files = [...step.matchAll(/`([\w/-]+\.ts)`/g)].map((m) => m[1] as string)
      assert.ok(files.length > 0, `step ${number} names no file`)
      for (const file of files) {
        assert.doesNotThrow(
          () => text(`../src/${file}`),
          `step ${number}: src/${file} does not exist`,
        )
      }
    }
  })

  it('engine.ts carries every step number as a comment', () => {
    const engine = text('../src/engine.ts')
    const numbered = new Set<number>()
    for (const m of engine.matchAll(/(?:\/\/|\*) (\d+)(?:–(\d+))?\. /g)) {
      const from = Number(m[1])
      for (let n = from; n <= Number(m[2] ?? from); n++) numbered.add(n)
    }
    for (const [, number] of steps)
      assert.ok(numbered.has(Number(number)), `engine.ts lacks step ${number}`)
  })
})
