// Debian's nginx on a loopback port with a generated config (sendfile on), serving generated
// random files: a real server that is not ours. Used by bench/compare.ts --sections nginx and by
// bench/wire-probe.ts. Files are cached in the temp dir with their CRC, so reruns skip generating.
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomFillSync } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc64 } from '@resumable/core'

const MiB = 1024 * 1024

/** Where Debian installs nginx; `undefined` when it is not installed. */
export const nginxBinary = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p))

/** A running nginx. */
export interface Nginx {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** `https://127.0.0.1:<port>`, the same files over TLS, when asked for and openssl could make a certificate. */
  readonly tlsUrl?: string
  /** The CA certificate (PEM) that signed `tlsUrl`'s, for the clients to trust. */
  readonly caFile?: string
  /** CRC-64/XZ of each file, by name, as a decimal string. */
  readonly crcs: Record<string, string>
  /** Where each file is on disk, by name (to hash it for a contender that checks a digest). */
  readonly paths: Record<string, string>
  /** SHA-256 (hex) of each file, by name, with the `reprDigest` option; else empty. */
  readonly sha256s: Record<string, string>
  /** Stops nginx and removes its config directory (the cached files stay). */
  stop(): Promise<void>
}

/** Generates (or reuses) `mib` MiB of random bytes under the temp dir; returns its path and CRC. */
async function randomFile(mib: number): Promise<{ path: string; crc: string }> {
  const dir = join(tmpdir(), 'resumable-nginx-files')
  await mkdir(dir, { recursive: true })
  const path = join(dir, `random-${mib}.bin`)
  const crcPath = `${path}.crc64`
  if (existsSync(path) && existsSync(crcPath))
    return { path, crc: (await readFile(crcPath, 'utf8')).trim() }
  // A digest kept for an earlier file of this name is not the new file's.
  await rm(`${path}.sha256`, { force: true })
  const handle = await open(path, 'w')
  const block = new Uint8Array(8 * MiB)
  let crc = 0n
  try {
    for (let left = mib * MiB; left > 0; left -= block.length) {
      const slice = block.subarray(0, Math.min(block.length, left))
      randomFillSync(slice)
      crc = crc64('crc64xz', slice, crc)
      await handle.write(slice)
    }
  } finally {
    await handle.close()
  }
  await writeFile(crcPath, String(crc))
  return { path, crc: String(crc) }
}

/** The SHA-256 (hex) of a random file, computed once and kept beside it. */
async function sha256Of(path: string): Promise<string> {
  const cached = `${path}.sha256`
  if (existsSync(cached)) return (await readFile(cached, 'utf8')).trim()
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(chunk)
  const hex = hash.digest('hex')
  await writeFile(cached, hex)
  return hex
}

/**
 * A certificate for 127.0.0.1 signed by a CA made for the run, both with openssl in `dir`, and a
 * free port for it; or undefined (with a message) when openssl is missing or fails. Not one
 * self-signed certificate: Deno's TLS refuses a CA certificate as the server's own.
 */
async function testCertificate(
  dir: string,
): Promise<{ port: number; ca: string; cert: string; key: string } | undefined> {
  const file = (name: string) => join(dir, name)
  await writeFile(file('leaf.ext'), 'subjectAltName=IP:127.0.0.1\n')
  const ca = ['-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial']
  const commands = [
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=resumable bench CA',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
    ],
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      file('key.pem'),
      '-out',
      file('leaf.csr'),
    ],
    [
      'x509',
      '-req',
      '-in',
      file('leaf.csr'),
      ...ca,
      '-days',
      '1',
      '-extfile',
      file('leaf.ext'),
      '-out',
      file('cert.pem'),
    ],
  ]
  // In order, stopping at the first failure.
  if (commands.some((args) => spawnSync('openssl', args).status !== 0)) {
    console.log(
      'openssl could not make a certificate (Debian: apt-get install openssl): HTTPS table skipped',
    )
    return undefined
  }
  return {
    port: await freePort(),
    ca: file('ca.pem'),
    cert: file('cert.pem'),
    key: file('key.pem'),
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * Starts nginx serving `files` (name → MiB) at `/<name>`, and, when a cap is given, the same files
 * throttled to `capBytesPerSecond` per connection at `/cap/<name>` and at `/uneven/<name>`, where
 * one connection in five (nginx's connection serial number ending in 3 or 8) gets a tenth of the
 * cap: a straggler among fast connections, as a congested path or a slow storage node makes one.
 */
export async function startNginx(
  files: Readonly<Record<string, number>>,
  capBytesPerSecond?: number,
  options: {
    readonly tls?: boolean
    /** A directory served under `/tree/` with autoindex on, for clients that list a directory. */
    readonly tree?: string
    /**
     * Also serve each file under `/repr/<name>` with its SHA-256 in `Repr-Digest` (RFC 9530), as a
     * server that vouches for its files does; `Nginx.sha256s` then gives them (hex).
     */
    readonly reprDigest?: boolean
  } = {},
): Promise<Nginx> {
  if (!nginxBinary) throw new Error('nginx is not installed')
  const dir = await mkdtemp(join(tmpdir(), 'resumable-nginx-'))
  const www = join(dir, 'www')
  await mkdir(join(www, 'cap'), { recursive: true })
  await mkdir(join(www, 'uneven'), { recursive: true })
  // /crc/<name> carries OSS's CRC-64 header, as every OSS object does: the client then verifies.
  await mkdir(join(www, 'crc'), { recursive: true })
  const crcs: Record<string, string> = {}
  const paths: Record<string, string> = {}
  for (const [name, mib] of Object.entries(files)) {
    const { path, crc } = await randomFile(mib)
    crcs[name] = crc
    paths[name] = path
    spawnSync('ln', ['-s', path, join(www, name)])
    spawnSync('ln', ['-s', path, join(www, 'cap', name)])
    spawnSync('ln', ['-s', path, join(www, 'uneven', name)])
    spawnSync('ln', ['-s', path, join(www, 'crc', name)])
  }
  const sha256s: Record<string, string> = {}
  if (options.reprDigest) {
    await mkdir(join(www, 'repr'), { recursive: true })
    for (const [name, path] of Object.entries(paths)) {
      sha256s[name] = await sha256Of(path)
      spawnSync('ln', ['-s', path, join(www, 'repr', name)])
    }
  }
  const crcHeaders = [
    ...Object.entries(crcs).map(
      ([name, crc]) => `location = /crc/${name} { add_header x-oss-hash-crc64ecma ${crc}; }`,
    ),
    ...Object.entries(sha256s).map(
      ([name, hex]) =>
        `location = /repr/${name} { add_header Repr-Digest "sha-256=:${Buffer.from(hex, 'hex').toString('base64')}:"; }`,
    ),
  ].join('\n    ')
  if (options.tree !== undefined) spawnSync('ln', ['-s', options.tree, join(www, 'tree')])
  const port = await freePort()
  const tls = options.tls ? await testCertificate(dir) : undefined
  const conf = `
daemon off;
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  types { application/octet-stream bin; }
  ${capBytesPerSecond ? `map $connection $uneven_rate { "~[38]$" ${Math.round(capBytesPerSecond / 10)}; default ${capBytesPerSecond}; }` : ''}
  server {
    listen 127.0.0.1:${port};
    root ${www};
    ${capBytesPerSecond ? `location /cap/ { limit_rate ${capBytesPerSecond}; }` : ''}
    ${capBytesPerSecond ? 'location /uneven/ { limit_rate $uneven_rate; }' : ''}
    ${options.tree !== undefined ? 'location /tree/ { autoindex on; }' : ''}
    ${crcHeaders}
  }
  ${tls ? `server { listen 127.0.0.1:${tls.port} ssl; ssl_certificate ${tls.cert}; ssl_certificate_key ${tls.key}; root ${www}; ${crcHeaders} }` : ''}
}
`
  await writeFile(join(dir, 'nginx.conf'), conf)
  const child = spawn(nginxBinary, ['-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/`, { method: 'HEAD' })
      break
    } catch {
      if (i > 100 || child.exitCode !== null) throw new Error(`nginx did not start (see ${dir})`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return {
    url,
    ...(tls ? { tlsUrl: `https://127.0.0.1:${tls.port}`, caFile: tls.ca } : {}),
    crcs,
    paths,
    sha256s,
    async stop() {
      child.kill('SIGQUIT')
      await new Promise((resolve) => child.once('exit', resolve))
      await rm(dir, { recursive: true, force: true })
    },
  }
}
