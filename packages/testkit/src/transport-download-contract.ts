import assert from 'node:assert/strict'
import {
  type ChecksumAlgorithm,
  crc64,
  createDownload,
  type DownloadEvent,
  type DownloadResult,
  download,
  IntegrityError,
  isTransportError,
  ObjectChangedError,
  type ObjectChangedPolicy,
} from '@resumable/core'
import { MemoryCheckpointStore, MemoryTarget, MemoryVolume } from '@resumable/store-memory'
import type { ContractCase } from './contract-case.ts'
import { FAST_DOWNLOAD, SUITE_OBJECT_SIZE } from './download-settings.ts'
import type { Fault, FaultRule } from './faults.ts'
import { makeBytes } from './helpers.ts'
import { MockOss } from './oss-model.ts'
import type { ServedRequest } from './served-counters.ts'
import {
  CONTRACT_CREDENTIALS,
  ContextOpener,
  type TransportCapabilities,
  type TransportFactory,
} from './transport-context.ts'

const BUCKET = 'examplebucket'
const KEY = 'contract/object.bin'
/** Faults a correct transport and the engine turn into a retry and a byte-identical result. */
const RECOVERABLE: readonly Fault[] = [
  { type: 'reset', afterBytes: 30_000 },
  { type: 'stall', afterBytes: 10_000 },
  { type: 'short', afterBytes: 40_000 },
  { type: 'long', extraBytes: 7 },
  { type: 'status', status: 503, code: 'ServiceUnavailable' },
  {
    type: 'error',
    status: 500,
    code: 'InternalError',
    message: 'We encountered an internal error',
  },
  { type: 'ignore-range' },
  { type: 'whole-body' },
  { type: 'wrong-range' },
]

/** One download through the engine against a fresh mock, with `rules` injected. */
async function run(
  makeTransport: TransportFactory,
  capabilities: TransportCapabilities,
  opener: ContextOpener,
  rules: (oss: MockOss) => readonly FaultRule[],
  extra: {
    onObjectChanged?: ObjectChangedPolicy
    replacement?: Uint8Array
    stallTimeoutMs?: number
  } = {},
) {
  const oss = new MockOss(capabilities.signed ? { credentials: CONTRACT_CREDENTIALS } : {})
  const bytes = makeBytes(SUITE_OBJECT_SIZE, 11)
  const stored = oss.putObject(BUCKET, KEY, { bytes })
  const context = await opener.open(oss, BUCKET, KEY)
  const transport = await makeTransport(context)
  for (const rule of rules(oss)) oss.faults.add(rule)
  const volume = new MemoryVolume()
  const target = new MemoryTarget('dest.bin', { volume })
  const store = new MemoryCheckpointStore()
  const events: DownloadEvent[] = []
  const outcome: Promise<DownloadResult> = download({
    ...FAST_DOWNLOAD,
    transport,
    target,
    checkpoint: store,
    ...(extra.onObjectChanged ? { onObjectChanged: extra.onObjectChanged } : {}),
    ...(extra.stallTimeoutMs ? { stallTimeoutMs: extra.stallTimeoutMs } : {}),
    onEvent: (event) => events.push(event),
  })
  return { oss, bytes, stored, context, transport, volume, target, store, events, outcome }
}

/** The checksum the engine verifies for a flavour: S3 publishes CRC-64/NVME, OSS CRC-64/XZ. */
function expectedVerification(flavour: string, bytes: Uint8Array) {
  const method: ChecksumAlgorithm = flavour === 's3' ? 'crc64nvme' : 'crc64xz'
  return { method, value: crc64(method, bytes) }
}

/** A rule that hits the second ranged GET once (the first part read stays clean). */
function onePart(fault: Fault): FaultRule {
  return { fault, match: { method: 'GET', ranged: true }, skip: 1, times: 1 }
}

/**
 * The cases every Transport must pass when driven by the real engine (`download()` into a
 * MemoryTarget and MemoryCheckpointStore) against the mock OSS, under every fault the testkit
 * knows: byte-identical output, CRC-64 verification, and IntegrityError / ObjectChangedError
 * surfacing as the engine relies on. Complements `transportContract`, which calls stat/read directly.
 */
export function transportDownloadContract(
  makeTransport: TransportFactory,
  capabilities: TransportCapabilities = {},
): ContractCase[] {
  const flavour = capabilities.flavour ?? 'url'
  const crcName = flavour === 's3' ? 'CRC-64/NVME' : 'CRC-64/XZ'
  const opener = new ContextOpener(capabilities.serve)
  const go = (
    rules: readonly FaultRule[] | ((oss: MockOss) => readonly FaultRule[]),
    extra?: Parameters<typeof run>[4],
  ) =>
    run(
      makeTransport,
      capabilities,
      opener,
      typeof rules === 'function' ? rules : () => rules,
      extra,
    )

  const recoverable = RECOVERABLE.map(
    (fault): ContractCase => ({
      name: `${flavour}: a '${fault.type}' fault on a part is retried and the download commits byte-identical, verified`,
      async run() {
        const t = await go([onePart(fault)])
        const result = await t.outcome
        assert.deepEqual(t.target.committed, t.bytes)
        assert.deepEqual(result.verification, expectedVerification(flavour, t.bytes))
        assert.ok(
          t.oss.served.log.some((r) => r.fault === fault.type),
          `the '${fault.type}' fault was never served`,
        )
        // Bytes past Content-Length may be cut by the transport (HTTP framing) or refused by the
        // engine; every other fault must cost a retry, or the transport hid a failure.
        if (fault.type !== 'long') {
          assert.ok(result.retries >= 1, `a '${fault.type}' answer must cost a retry`)
        }
        assert.deepEqual(t.store.keys(), [])
      },
    }),
  )

  return opener.wrap([
    {
      name: `${flavour}: with no fault, downloads byte-identical, verifies ${crcName} and removes the checkpoint`,
      async run() {
        // No retry is allowed here, so no scheduling delay of a loaded machine may pass for a stall.
        const t = await go([], { stallTimeoutMs: 5_000 })
        const result = await t.outcome
        assert.deepEqual(t.target.committed, t.bytes)
        assert.deepEqual(result.verification, expectedVerification(flavour, t.bytes))
        assert.equal(result.partCount, 6)
        assert.equal(result.retries, 0)
        assert.deepEqual(t.store.keys(), [])
        if (capabilities.expectedId) {
          assert.equal(t.transport.id, capabilities.expectedId(t.context))
        }
      },
    },
    ...recoverable,
    {
      name: `${flavour}: a 503 on the stat request is retried (as part -1) and the download completes`,
      async run() {
        const t = await go([
          { fault: { type: 'status', status: 503, code: 'ServiceUnavailable' }, times: 1 },
        ])
        await t.outcome
        assert.deepEqual(t.target.committed, t.bytes)
        const retry = t.events.find((e) => e.type === 'retry')
        assert.ok(retry?.type === 'retry' && retry.part === -1, 'the stat failure was not retried')
      },
    },
    {
      name: `${flavour}: 503 with Retry-After: 1 waits at least a second before the retry`,
      async run() {
        const t = await go([
          onePart({ type: 'status', status: 503, code: 'SlowDown', retryAfterSeconds: 1 }),
        ])
        await t.outcome
        assert.deepEqual(t.target.committed, t.bytes)
        const retry = t.events.find((e) => e.type === 'retry')
        assert.ok(retry?.type === 'retry' && retry.delayMs >= 1000, 'Retry-After was not honoured')
      },
    },
    {
      name: `${flavour}: headers delayed below the stall timeout cost no retry`,
      async run() {
        // A generous stall timeout for this case alone, so a loaded machine's scheduling delays are
        // not mistaken for a stall: what is asserted is that a slow answer is not a failure.
        const t = await go([onePart({ type: 'delay-headers', ms: 300 })], { stallTimeoutMs: 5_000 })
        const result = await t.outcome
        assert.deepEqual(t.target.committed, t.bytes)
        assert.equal(result.retries, 0)
        assert.ok(t.oss.served.log.some((r) => r.fault === 'delay-headers'))
      },
    },
    {
      name: `${flavour}: a gzip-encoded answer to a ranged read is never written as object bytes`,
      async run() {
        const t = await go([onePart({ type: 'gzip' })])
        try {
          await t.outcome
        } catch (error) {
          assert.ok(isTransportError(error), `expected a TransportError, got ${String(error)}`)
          assert.equal(t.target.committed, undefined)
          return
        }
        assert.deepEqual(t.target.committed, t.bytes)
      },
    },
    {
      name: `${flavour}: a wrong published ${crcName} surfaces as IntegrityError and nothing is committed or kept`,
      async run() {
        const t = await go([{ fault: { type: 'wrong-crc' } }])
        await assert.rejects(t.outcome, IntegrityError)
        assert.equal(t.target.committed, undefined)
        assert.equal(t.volume.hasTemp('dest.bin'), false)
        assert.deepEqual(t.store.keys(), [])
      },
    },
    {
      name: `${flavour}: an object overwritten mid-download (mutate) with onObjectChanged 'fail' surfaces ObjectChangedError`,
      async run() {
        const t = await go(
          (oss) => [
            onePart({
              type: 'mutate',
              mutate: () => oss.putObject(BUCKET, KEY, { bytes: makeBytes(SUITE_OBJECT_SIZE, 12) }),
            }),
          ],
          { onObjectChanged: 'fail' },
        )
        await assert.rejects(t.outcome, ObjectChangedError)
        assert.equal(t.target.committed, undefined)
        assert.deepEqual(t.store.keys(), [])
      },
    },
    {
      name: `${flavour}: an object replaced mid-download is restarted and the new version committed whole`,
      async run() {
        const next = makeBytes(SUITE_OBJECT_SIZE, 13)
        const t = await go([onePart({ type: 'replace', object: { bytes: next } })])
        const result = await t.outcome
        assert.deepEqual(t.target.committed, next)
        assert.equal(result.restarts, 1)
      },
    },
    {
      name: `${flavour}: a paused download resumes in a new transport and fetches only what is missing`,
      async run() {
        const first = await go([])
        await first.outcome.catch(() => undefined)
        // A second run against the same mock: pause after the first part, then resume.
        const oss = first.oss
        const volume = new MemoryVolume()
        const store = new MemoryCheckpointStore()
        const handle = createDownload({
          ...FAST_DOWNLOAD,
          concurrency: 1,
          transport: await makeTransport(first.context),
          target: new MemoryTarget('again.bin', { volume }),
          checkpoint: store,
        })
        handle.on('part-done', () => handle.pause())
        await assert.rejects(
          handle.start(),
          (e: unknown) => (e as { kind?: string }).kind === 'paused',
        )
        assert.equal(store.keys().length, 1)
        const before = oss.served.log.length
        const target = new MemoryTarget('again.bin', { volume })
        const result = await download({
          ...FAST_DOWNLOAD,
          transport: await makeTransport(first.context),
          target,
          checkpoint: store,
        })
        assert.deepEqual(target.committed, first.bytes)
        assert.ok(result.resumedBytes > 0, 'nothing was resumed')
        assert.equal(
          requestedBytes(oss.served.log.slice(before)),
          SUITE_OBJECT_SIZE - result.resumedBytes,
          'the resumed run asked for bytes the checkpoint already held',
        )
      },
    },
  ])
}

/**
 * How many distinct object bytes the ranged GETs in `log` asked for (a `bytes=0-0` stat probe left
 * out): the union of their ranges, so
 * a retry of the same bytes (a stall on a loaded machine) is not counted twice, while a re-fetch of
 * bytes a checkpoint already held still is.
 */
function requestedBytes(log: readonly ServedRequest[]): number {
  const ranges: [number, number][] = []
  for (const request of log) {
    const range = /^bytes=(\d+)-(\d+)$/.exec(request.range ?? '')
    if (request.method !== 'GET' || !range || request.range === 'bytes=0-0') continue
    ranges.push([Number(range[1]), Number(range[2])])
  }
  ranges.sort((x, y) => x[0] - y[0])
  let total = 0
  let reached = -1
  for (const [start, end] of ranges) {
    const from = Math.max(start, reached + 1)
    if (end >= from) total += end - from + 1
    reached = Math.max(reached, end)
  }
  return total
}
