import type { ChecksumAlgorithm, Crc64Algorithm } from './algorithm.ts'
import { CRC64_WASM_BASE64 } from './crc64.wasm.ts'
import { POLYNOMIALS } from './polynomials.ts'

/** CRC-64 of `data` continuing from `crc`, for one polynomial. */
export type Crc64Update = (data: Uint8Array, crc: bigint) => bigint

/** What crc64.wat exports. */
interface Crc64Exports {
  readonly memory: WebAssembly.Memory
  readonly input: WebAssembly.Global
  build(poly: bigint): void
  update(crc: bigint, at: number, length: number): bigint
}

/** undefined: not tried yet; null: WebAssembly is missing or refused the module (e.g. by CSP). */
let compiled: WebAssembly.Module | null | undefined
const updaters = new Map<ChecksumAlgorithm, Crc64Update>()

/** The module's bytes, decoded with the `atob` every runtime and browser has. */
function wasmBytes(): Uint8Array<ArrayBuffer> {
  const binary = atob(CRC64_WASM_BASE64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

function compile(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      // Synchronous on purpose: crc64() is synchronous, and the module is far below the 4 KiB
      // browsers allow to compile synchronously on the main thread.
      compiled = new WebAssembly.Module(wasmBytes())
    } catch {
      compiled = null
    }
  }
  return compiled
}

/**
 * An updater over a fresh instance of crc64.wat whose tables are built for `polynomial`.
 * Self-contained on purpose (it names nothing outside its own body), so that another thread can
 * run this same function from its source text (`crc64Kit`).
 */
export function wasmUpdater(module: WebAssembly.Module, polynomial: bigint): Crc64Update {
  const exports = new WebAssembly.Instance(module).exports as unknown as Crc64Exports
  exports.build(polynomial)
  const { update } = exports
  const input = exports.input.value as number
  // The memory never grows, so this view stays valid.
  const memory = new Uint8Array(exports.memory.buffer)
  const capacity = memory.length - input
  return (data, crc) => {
    let state = crc
    // WebAssembly reads only its own memory, so the input is copied in, one slice at a time.
    for (let at = 0; at < data.length; at += capacity) {
      const piece = data.subarray(at, at + capacity)
      memory.set(piece, input)
      state = update(state, input, piece.length)
    }
    // i64 results arrive signed.
    return BigInt.asUintN(64, state)
  }
}

/** The WebAssembly CRC-64 for `algorithm`, or undefined where WebAssembly is unavailable. */
export function wasmCrc64(algorithm: ChecksumAlgorithm): Crc64Update | undefined {
  const found = updaters.get(algorithm)
  if (found) return found
  // Instantiated on first use, once per polynomial: each instance keeps its tables at address 0
  // of its own memory, so the hot loop needs no table base.
  const module = compile()
  if (!module) return undefined
  let updater: Crc64Update
  try {
    updater = wasmUpdater(module, POLYNOMIALS[algorithm])
  } catch {
    compiled = null
    return undefined
  }
  updaters.set(algorithm, updater)
  return updater
}

/**
 * What another thread needs to compute a CRC-64 exactly as `crc()` does: the WebAssembly module's
 * bytes, the reflected polynomials, and the source of the self-contained updater core itself
 * runs, to be evaluated there as a function expression.
 */
export interface Crc64Kit {
  /** The WebAssembly module's bytes, for `new WebAssembly.Module(bytes)` on the other side. */
  readonly bytes: Uint8Array
  readonly polynomials: Readonly<Record<Crc64Algorithm, bigint>>
  /** `(module, polynomial) => (data, crc) => crc`, as source text. */
  readonly updaterSource: string
}

/**
 * The {@link Crc64Kit} of this build, or undefined where WebAssembly is unavailable.
 *
 * @example
 * ```ts
 * const kit = crc64Kit()
 * // on the other thread, from what was posted to it:
 * const makeUpdater = (0, eval)(`(${kit.updaterSource})`)
 * const update = makeUpdater(new WebAssembly.Module(kit.bytes), kit.polynomials.crc64xz)
 * update(bytes, 0n) // === crc('crc64xz', bytes)
 * ```
 */
export function crc64Kit(): Crc64Kit | undefined {
  if (!compile()) return undefined
  return {
    bytes: wasmBytes(),
    polynomials: { crc64xz: POLYNOMIALS.crc64xz, crc64nvme: POLYNOMIALS.crc64nvme },
    updaterSource: wasmUpdater.toString(),
  }
}
