#!/usr/bin/env node
import process from 'node:process'
import { aliOssFactory } from './ali-oss-factory.ts'
import { filePlaces } from './file-places.ts'
import { main } from './main.ts'
import { processEnvironment } from './process-environment.ts'

const cli = processEnvironment(filePlaces, aliOssFactory(process.env))
process.exitCode = await main(process.argv.slice(2), cli)
