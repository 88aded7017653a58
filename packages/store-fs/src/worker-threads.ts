/**
 * `node:worker_threads`, loaded when a thread (the write thread, the CRC thread) first starts, not
 * with the package: most processes never start one, and loading it costs each command about 8 ms
 * (BENCHMARKS.md). Undefined where the runtime has no `process.getBuiltinModule` (Node before
 * 20.16): the work then stays where it is, as where a thread cannot start.
 */
export function workerThreads(): typeof import('node:worker_threads') | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process
  return runtime?.getBuiltinModule?.('node:worker_threads') as
    | typeof import('node:worker_threads')
    | undefined
}
