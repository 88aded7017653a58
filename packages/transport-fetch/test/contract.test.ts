// The testkit's direct Transport contract, for every mode of transport-fetch on every wire.
import { transportContract } from '@resumable/testkit'
import { bindContract } from '@resumable/testkit/node'
import { everyModeOnEveryWire } from './helpers/modes.ts'

for (const { name, make, capabilities, skip } of everyModeOnEveryWire()) {
  bindContract(`${name}: Transport contract`, transportContract(make, capabilities), { skip })
}
