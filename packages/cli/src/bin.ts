#!/usr/bin/env node
import process from 'node:process'
import { aliOssFactory } from './ali-oss-factory.ts'
import { filePlaces } from './file-places.ts'
import { main } from './main.ts'
import { processEnvironment } from './process-environment.ts'

// The AWS SDK (loaded for s3:// profiles and roles) warns on Node < 22 through process.emitWarning,
// several lines on stderr that break --quiet and the --json stream. It speaks to whoever ships
// the SDK, not to someone downloading a file; the SDK's own switch turns it off unless set.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const cli = processEnvironment(filePlaces, aliOssFactory(process.env))
// No top-level await: the bin is also bundled as CommonJS, which cannot have one. A rejection still
// surfaces as an unhandled rejection (exit 1), exactly as it did with `await`.
void main(process.argv.slice(2), cli).then((code) => {
  process.exitCode = code
})
