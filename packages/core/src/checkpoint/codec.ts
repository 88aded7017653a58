import { base64ToBytes, bytesToBase64 } from '../base64.ts'
import { type ChecksumAlgorithm, isChecksumAlgorithm } from '../crc/algorithm.ts'
import { crc64, formatCrc64Hex } from '../crc/index.ts'
import { CheckpointError } from '../errors/checkpoint-error.ts'
import { isPlanValidFor, type PartPlan, partRange } from '../plan.ts'
import { TransferState } from './transfer-state.ts'

/** The checkpoint format version this build writes and reads. */
export const CHECKPOINT_FORMAT_VERSION = 1

/** What a checkpoint is about: the object (as it was) and the destination. Never credentials. */
export interface CheckpointIdentity {
  /** The Transport's credential-free id. */
  readonly source: string
  /** The Target's id. */
  readonly destination: string
  /** Object identity at the time of the first request. */
  readonly object: {
    readonly size: number
    readonly etag?: string
    readonly lastModified?: string
    readonly versionId?: string
  }
}

/** A decoded checkpoint. */
export interface Checkpoint {
  /** What the checkpoint belongs to. */
  readonly identity: CheckpointIdentity
  /** Durable progress. */
  readonly state: TransferState
  /** When it was saved (ms since the epoch). */
  readonly savedAt: number
}

const PREFIX_HEAD = '{"format":"resumable-checkpoint","version":'
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * True when `bytes` begin as every checkpoint does (or are a non-empty beginning cut short): a file that
 * could be a damaged checkpoint, to be discarded, rather than someone else's file, to be left
 * alone. Costs a comparison of the first 40-odd bytes.
 *
 * @example
 * ```ts
 * looksLikeCheckpoint(await readFile(path)) // false for notes.txt: do not overwrite it
 * ```
 */
export function looksLikeCheckpoint(bytes: Uint8Array): boolean {
  // Saves are atomic (temporary file, rename): an empty file was never a checkpoint.
  if (bytes.length === 0) return false
  const head = latin1(bytes.subarray(0, PREFIX_HEAD.length))
  return head.length === PREFIX_HEAD.length ? head === PREFIX_HEAD : PREFIX_HEAD.startsWith(head)
}

/**
 * Encodes and decodes checkpoints: JSON a person can read, whose body is covered by a CRC-64
 * written in front of it, so any flipped or missing byte is detected before a field is trusted.
 */
export const CheckpointCodec: {
  encode(checkpoint: Checkpoint): Uint8Array
  decode(bytes: Uint8Array): Checkpoint
} = {
  encode(checkpoint: Checkpoint): Uint8Array {
    const body = encoder.encode(JSON.stringify(toBody(checkpoint)))
    const head = `${PREFIX_HEAD}${CHECKPOINT_FORMAT_VERSION},"crc64":"${formatCrc64Hex(crc64('crc64xz', body))}","body":`
    const headBytes = encoder.encode(head)
    const out = new Uint8Array(headBytes.length + body.length + 2)
    out.set(headBytes)
    out.set(body, headBytes.length)
    out.set(encoder.encode('}\n'), headBytes.length + body.length)
    return out
  },

  decode(bytes: Uint8Array): Checkpoint {
    const headLength = encoder.encode(PREFIX_HEAD).length
    const head = latin1(bytes.subarray(0, Math.min(bytes.length, headLength + 64)))
    if (!head.startsWith(PREFIX_HEAD)) {
      throw bytes.length < headLength && PREFIX_HEAD.startsWith(head)
        ? new CheckpointError('truncated', 'checkpoint is truncated (shorter than its header)')
        : new CheckpointError('corrupt', 'not a resumable checkpoint (header missing)')
    }
    const match = /^(\d+),"crc64":"([0-9a-f]{16})","body":/.exec(head.slice(PREFIX_HEAD.length))
    if (!match) {
      throw head.length < headLength + 40
        ? new CheckpointError('truncated', 'checkpoint is truncated inside its header')
        : new CheckpointError('corrupt', 'checkpoint header is malformed')
    }
    const version = Number(match[1])
    if (version !== CHECKPOINT_FORMAT_VERSION) {
      throw new CheckpointError(
        'unsupported-version',
        `checkpoint format version ${version} is not supported (this build reads ${CHECKPOINT_FORMAT_VERSION})`,
      )
    }
    const bodyStart = PREFIX_HEAD.length + match[0].length
    const tail = latin1(bytes.subarray(Math.max(bodyStart, bytes.length - 2)))
    const bodyEnd = tail === '}\n' ? bytes.length - 2 : -1
    if (bodyEnd < bodyStart)
      throw new CheckpointError('truncated', 'checkpoint is truncated (no closing brace)')
    const body = bytes.subarray(bodyStart, bodyEnd)
    if (formatCrc64Hex(crc64('crc64xz', body)) !== match[2]) {
      throw new CheckpointError('corrupt', 'checkpoint checksum does not match its contents')
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(decoder.decode(body))
    } catch (cause) {
      throw new CheckpointError('corrupt', 'checkpoint body is not valid JSON', { cause })
    }
    return fromBody(parsed)
  },
}

interface Body {
  source: string
  destination: string
  object: { size: number; etag?: string; lastModified?: string; versionId?: string }
  plan: { partSize: number; partCount: number }
  algorithm: ChecksumAlgorithm | null
  done: string
  crcs: string
  partial: [number, number, string][]
  savedAt: number
}

function toBody({ identity, state, savedAt }: Checkpoint): Body {
  const { plan } = state
  const crcs = new Uint8Array(state.algorithm ? state.doneCount * 8 : 0)
  if (state.algorithm) {
    const view = new DataView(crcs.buffer)
    let at = 0
    for (let i = 0; i < plan.partCount; i++) {
      if (!state.isDone(i)) continue
      view.setBigUint64(at, state.crcs[i] as bigint)
      at += 8
    }
  }
  return {
    source: identity.source,
    destination: identity.destination,
    object: { ...identity.object },
    plan: { partSize: plan.partSize, partCount: plan.partCount },
    algorithm: state.algorithm ?? null,
    done: bytesToBase64(state.done),
    crcs: bytesToBase64(crcs),
    partial: state.partials().map((p) => [p.index, p.written, formatCrc64Hex(p.crc)]),
    savedAt,
  }
}

function fromBody(value: unknown): Checkpoint {
  const body = value as Partial<Body> | null
  const bad = (what: string): CheckpointError =>
    new CheckpointError('corrupt', `checkpoint field ${what} is invalid`)
  if (typeof body !== 'object' || body === null) throw bad('body')
  if (typeof body.source !== 'string' || typeof body.destination !== 'string')
    throw bad('source/destination')
  const object = body.object
  if (
    typeof object !== 'object' ||
    object === null ||
    !Number.isSafeInteger(object.size) ||
    object.size < 0
  ) {
    throw bad('object')
  }
  for (const key of ['etag', 'lastModified', 'versionId'] as const) {
    if (object[key] !== undefined && typeof object[key] !== 'string') throw bad(`object.${key}`)
  }
  const plan: PartPlan = {
    size: object.size,
    partSize: body.plan?.partSize ?? -1,
    partCount: body.plan?.partCount ?? -1,
  }
  if (!isPlanValidFor(plan, object.size)) throw bad('plan')
  const algorithm = body.algorithm
  if (algorithm !== null && !isChecksumAlgorithm(algorithm)) throw bad('algorithm')
  if (
    typeof body.done !== 'string' ||
    typeof body.crcs !== 'string' ||
    !Array.isArray(body.partial)
  )
    throw bad('parts')
  if (typeof body.savedAt !== 'number') throw bad('savedAt')

  const state = new TransferState(plan, algorithm ?? undefined)
  const done = decodeBase64(body.done, bad)
  const crcs = decodeBase64(body.crcs, bad)
  if (done.length !== state.done.length) throw bad('done')
  const view = new DataView(crcs.buffer, crcs.byteOffset, crcs.byteLength)
  let at = 0
  for (let i = 0; i < done.length * 8; i++) {
    if (((done[i >> 3] as number) & (1 << (i & 7))) === 0) continue
    if (i >= plan.partCount) throw bad('done')
    let crc = 0n
    if (algorithm !== null) {
      if (at + 8 > crcs.length) throw bad('crcs')
      crc = view.getBigUint64(at)
      at += 8
    }
    state.markDone(i, crc)
  }
  if (at !== crcs.length) throw bad('crcs')
  for (const entry of body.partial) {
    if (!Array.isArray(entry) || entry.length !== 3) throw bad('partial')
    const [index, written, crcHex] = entry
    if (!Number.isSafeInteger(index) || index < 0 || index >= plan.partCount || state.isDone(index))
      throw bad('partial')
    const { start, end } = partRange(plan, index)
    if (!Number.isSafeInteger(written) || written <= 0 || written > end - start)
      throw bad('partial')
    if (typeof crcHex !== 'string' || !/^[0-9a-f]{16}$/.test(crcHex)) throw bad('partial')
    if (state.partial(index)) throw bad('partial')
    state.setPartial(index, written, algorithm === null ? 0n : BigInt(`0x${crcHex}`))
  }
  const identity: CheckpointIdentity = {
    source: body.source,
    destination: body.destination,
    object: {
      size: object.size,
      ...(object.etag === undefined ? {} : { etag: object.etag }),
      ...(object.lastModified === undefined ? {} : { lastModified: object.lastModified }),
      ...(object.versionId === undefined ? {} : { versionId: object.versionId }),
    },
  }
  return { identity, state, savedAt: body.savedAt }
}

function decodeBase64(text: string, bad: (what: string) => CheckpointError): Uint8Array {
  try {
    return base64ToBytes(text)
  } catch {
    throw bad('base64')
  }
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes)
}
