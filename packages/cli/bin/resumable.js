#!/usr/bin/env node
// The `resumable` command. Committed as plain JavaScript so the file npm links at install time
// exists before any build: `npm ci && npx resumable …` works in a fresh clone. A built package
// runs dist/; a source checkout runs src/ through tsx with the `@resumable/source` condition.
import { existsSync } from 'node:fs'
import { register } from 'node:module'

const built = new URL('../dist/bin.js', import.meta.url)
if (existsSync(built)) {
  await import(built.href)
} else {
  const { register: registerTsx } = await import('tsx/esm/api')
  registerTsx()
  // Registered after tsx so it runs first: every import resolves with the source condition,
  // as `node --conditions=@resumable/source` would (conditions cannot be added to a running process).
  const hook = `export function resolve(specifier, context, next) {
    const conditions = [...context.conditions, '@resumable/source']
    return next(specifier, { ...context, conditions })
  }`
  register(`data:text/javascript,${encodeURIComponent(hook)}`)
  await import(new URL('../src/bin.ts', import.meta.url).href)
}
