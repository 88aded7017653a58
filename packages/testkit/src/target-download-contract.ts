import assert from 'node:assert/strict'
import {
  type CheckpointStore,
  type DownloadOptions,
  type DownloadResult,
  download,
  IntegrityError,
  ObjectChangedError,
  type Target,
} from '@resumable/core'
import { MemoryCheckpointStore } from '@resumable/store-memory'
import type { ContractCase } from './contract-case.ts'
import { FAST_DOWNLOAD, SUITE_OBJECT_SIZE } from './download-settings.ts'
import {
  type FakeObject,
  FakeTransport,
  makeObject,
  type TransportFault,
} from './fake-transport.ts'
import { PowerSwitch } from './power-switch.ts'
import type { TargetUnderTest } from './target-contract.ts'

/** Part faults the engine must turn into a retry, leaving the target's bytes intact. */
const PART_FAULTS: readonly TransportFault[] = [
  { type: 'reset', afterBytes: 30_000 },
  { type: 'short', afterBytes: 40_000 },
  { type: 'long', extraBytes: 7 },
  { type: 'stall', afterBytes: 10_000 },
  { type: 'ignore-range' },
  { type: 'wrong-range' },
]

/** Downloads `transport`'s object into `target` with the suite's fast settings. */
function into(
  transport: FakeTransport,
  target: Target,
  checkpoint: CheckpointStore,
  extra: Partial<DownloadOptions> = {},
) {
  return download({
    ...FAST_DOWNLOAD,
    stallTimeoutMs: 100,
    transport,
    target,
    checkpoint,
    ...extra,
  })
}

/**
 * Kills a download into `setup`'s target after the first checkpoint that names bytes, crashes
 * the volume when the target can, and resumes with new target and store instances.
 */
export async function killAndResume(
  t: TargetUnderTest,
  store: () => CheckpointStore,
): Promise<{ object: FakeObject; result: DownloadResult }> {
  const object = makeObject(SUITE_OBJECT_SIZE, 21)
  const power = new PowerSwitch()
  const slow = new FakeTransport(object)
  slow.chunkDelayMs = 2
  const dead = t.make()
  const killed = into(slow, power.target(dead), power.store(store()), {
    onEvent: (event) => {
      if (event.type === 'checkpoint-saved' && event.durableBytes > 0 && power.on) {
        power.pull(t.crash)
      }
    },
  })
  await assert.rejects(killed)
  // The kernel closes a killed process's files; do the same for the in-process "process", or its
  // handle is left to the garbage collector (which Bun turns into an error in a later test).
  await dead.abort({ keep: true }).catch(() => undefined)
  const result = await into(new FakeTransport(object), t.make(), store())
  return { object, result }
}

/**
 * The cases every Target must pass when the real engine writes into it: out-of-order parts under
 * every transport fault land byte-identical, a killed run resumes from what the target made
 * durable, and a failed verification or a changed object publishes nothing.
 */
export function targetDownloadContract(
  setup: () => TargetUnderTest | Promise<TargetUnderTest>,
): ContractCase[] {
  return [
    ...PART_FAULTS.map(
      (fault): ContractCase => ({
        name: `a '${fault.type}' fault on a part still commits byte-identical into the target`,
        async run() {
          const t = await setup()
          const object = makeObject(SUITE_OBJECT_SIZE, 20)
          const transport = new FakeTransport(object)
          transport.fault = ({ n }) => (n === 1 ? fault : undefined)
          const result = await into(transport, t.make(), new MemoryCheckpointStore())
          assert.deepEqual(await t.committed(), object.bytes)
          assert.deepEqual(result.verification, { method: 'crc64xz', value: object.checksum })
          assert.ok(result.retries >= 1, `the '${fault.type}' fault cost no retry`)
        },
      }),
    ),
    {
      name: `a run killed after a checkpoint (and a power loss where the target simulates one) resumes from the target's durable bytes and commits byte-identical`,
      async run() {
        const t = await setup()
        const store = new MemoryCheckpointStore()
        const { object, result } = await killAndResume(t, () => store)
        assert.ok(result.resumedBytes > 0, 'nothing was resumed')
        assert.deepEqual(await t.committed(), object.bytes)
      },
    },
    {
      name: 'a wrong published CRC-64 surfaces as IntegrityError and the target publishes nothing',
      async run() {
        const t = await setup()
        const transport = new FakeTransport(makeObject(SUITE_OBJECT_SIZE, 22))
        transport.wrongCrc = true
        await assert.rejects(into(transport, t.make(), new MemoryCheckpointStore()), IntegrityError)
        assert.equal(await t.committed(), undefined)
        const reopened = t.make()
        assert.deepEqual(await reopened.open({ size: SUITE_OBJECT_SIZE, resume: true }), {
          resumed: false,
        })
        await reopened.abort({ keep: false })
      },
    },
    {
      name: "an object replaced mid-download with onObjectChanged 'fail' publishes nothing",
      async run() {
        const t = await setup()
        const transport = new FakeTransport(makeObject(SUITE_OBJECT_SIZE, 23, '"E1"'))
        transport.fault = ({ n }) =>
          n === 2
            ? { type: 'replace', object: makeObject(SUITE_OBJECT_SIZE, 24, '"E2"') }
            : undefined
        await assert.rejects(
          into(transport, t.make(), new MemoryCheckpointStore(), { onObjectChanged: 'fail' }),
          ObjectChangedError,
        )
        assert.equal(await t.committed(), undefined)
      },
    },
  ]
}
