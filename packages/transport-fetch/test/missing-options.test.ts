import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OptionsError } from '@resumable/core'
import * as onNode from '../src/index.node.ts'
import * as anywhere from '../src/index.ts'

const FACTORIES = [
  'createUrlTransport',
  'createOssTransport',
  'createS3Transport',
  'createFetchTransport',
  'createOssLister',
  'createS3Lister',
  'ramRoleArnCredentials',
  'oidcRoleCredentials',
] as const

/** Calls a factory as an untyped (JavaScript, JSON-configured) caller might. */
function callUntyped(entry: typeof anywhere, name: (typeof FACTORIES)[number], arg: unknown) {
  return (entry[name] as (options: unknown) => unknown)(arg)
}

describe('a factory given no options object throws OptionsError("options"), on every entry', () => {
  for (const [label, entry] of [
    ['index.ts (Deno, Bun, browsers)', anywhere],
    ['index.node.ts (Node)', onNode],
  ] as const) {
    for (const name of FACTORIES) {
      it(`${label}: ${name}(undefined) and ${name}(null)`, () => {
        for (const arg of [undefined, null]) {
          assert.throws(
            () => callUntyped(entry, name, arg),
            (error: unknown) => error instanceof OptionsError && error.option === 'options',
          )
        }
      })
    }
  }

  it('credentialsUriCredentials(undefined)', () => {
    const factory = anywhere.credentialsUriCredentials as (options: unknown) => unknown
    assert.throws(
      () => factory(undefined),
      (error: unknown) => error instanceof OptionsError && error.option === 'options',
    )
  })
})
