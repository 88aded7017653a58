/// <reference path="./s3rver-module.d.ts" />
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A real S3 implementation (s3rver) on a loopback port, for behaviour nobody here wrote: path-style
 * routing, key encoding, Range, conditional reads, errors. s3rver checks the access key id but not
 * the signature, so the testkit mock stays the signature oracle.
 */
export interface S3rverHandle {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string
  /** s3rver's built-in account (any secret passes). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  /** Stores `bytes` at `bucket/key` (s3rver accepts an unsigned PUT). */
  put(bucket: string, key: string, bytes: Uint8Array<ArrayBuffer>): Promise<void>
  close(): Promise<void>
}

/** The path of a key as S3 expects it: every byte but the unreserved set and `/` percent-encoded. */
export function keyPath(key: string): string {
  return key
    .split('/')
    .map((s) =>
      encodeURIComponent(s).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/')
}

/** Starts s3rver (a devDependency of the suites that call this) on 127.0.0.1 (ephemeral port) over a fresh directory, with `buckets` created. */
export async function startS3rver(buckets: readonly string[]): Promise<S3rverHandle> {
  // Loaded on demand: only suites that run against s3rver need it installed.
  const { default: S3rver } = await import('s3rver')
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'))
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  })
  const { port } = await server.run()
  const endpoint = `http://127.0.0.1:${port}`
  return {
    endpoint,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    async put(bucket, key, bytes) {
      const response = await fetch(`${endpoint}/${bucket}/${keyPath(key)}`, {
        method: 'PUT',
        body: bytes,
      })
      await response.body?.cancel()
      if (response.status !== 200) throw new Error(`s3rver PUT ${key}: ${response.status}`)
    },
    async close() {
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
