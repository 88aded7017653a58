#!/usr/bin/env node
import process from 'node:process'
import { aliOssFactory } from './ali-oss-factory.ts'
import { filePlaces } from './file-places.ts'
import { main } from './main.ts'
import { processEnvironment } from './process-environment.ts'

const cli = processEnvironment(filePlaces, aliOssFactory(process.env))
// No top-level await: the bin is also bundled as CommonJS, which cannot have one. A rejection still
// surfaces as an unhandled rejection (exit 1), exactly as it did with `await`.
void main(process.argv.slice(2), cli).then((code) => {
  process.exitCode = code
})
