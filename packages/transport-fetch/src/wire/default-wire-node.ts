// Imported for its effect by the Node build of the main entry (src/index.node.ts, chosen by the
// `node` export condition, which Bun, Deno and browsers never reach: their conditions come first).
import { setDefaultWire } from './default-wire.ts'
import { nodeWire } from './node-wire.ts'

setDefaultWire(() => nodeWire())
