// The testkit's engine-driven contract (download() under every fault), for every mode of
// transport-fetch on every wire.
import { transportDownloadContract } from '@resumable/testkit'
import { bindContract } from '@resumable/testkit/node'
import { everyModeOnEveryWire } from './helpers/modes.ts'

for (const { name, make, capabilities, skip } of everyModeOnEveryWire()) {
  bindContract(
    `${name} through download(): Transport download contract`,
    transportDownloadContract(make, capabilities),
    { skip },
  )
}
