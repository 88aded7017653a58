/**
 * The main entry as Node loads it (the `node` export condition): everything in `index.ts`, with
 * the undici wire registered as the default wire. Bun, Deno and browsers load `index.ts`, where
 * fetch is the default.
 * @module
 */
import './wire/default-wire-node.ts'

export * from './index.ts'
