/**
 * The main entry as Node loads it (the `node` export condition, listed after `bun`, `deno` and
 * `browser`, so only Node reaches it): everything in `index.ts`. Once the transports take a wire,
 * this file re-exports their factories with `defaultNodeWire()` as the default, without side
 * effects (the package stays `sideEffects: false`); Bun, Deno and browsers keep fetch.
 * @module
 */
export * from './index.ts'
