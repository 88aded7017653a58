import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer as createTcpServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { after, before, beforeEach, describe, it } from 'node:test'
import { crc64 } from '@resumable/core'
import { type MockOssServer, startForwardProxy, startMockOss } from '@resumable/testkit/node'
import { runCliProcess } from './helpers.ts'

// s3:// on an AWS machine with no keys: the role's credentials come from STS for a web identity
// token, a container credentials endpoint or the EC2 instance metadata service, each a real
// loopback server here.
const ROLE = {
  accessKeyId: 'ASIAROLETESTKEY',
  secretAccessKey: 'role-secret-never-printed',
  sessionToken: 'role-session-token-never-printed',
}
const STATIC = { accessKeyId: 'AKIASTATICKEY', secretAccessKey: 'static-secret-never-printed' }
const CONTAINER_AUTH = 'container-auth-token-never-printed'
const IMDS_TOKEN = 'imds-v2-token-never-printed'
const IMDS_ROLE = 'resumable-test-role'
const WEB_IDENTITY_TOKEN = 'web-identity-jwt-never-printed'
const ROLE_ARN = 'arn:aws:iam::123456789012:role/resumable-test'
const SIZE = 100_003
const SECRETS = [
  ROLE.secretAccessKey,
  ROLE.sessionToken,
  STATIC.secretAccessKey,
  CONTAINER_AUTH,
  IMDS_TOKEN,
  WEB_IDENTITY_TOKEN,
]

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage['headers']
}

let s3: MockOssServer
let crc: bigint | undefined
let dir = ''
let n = 0
const seen = { container: [] as Seen[], imds: [] as Seen[], sts: [] as URLSearchParams[] }
let imdsV2 = true
let containerStatus = 200

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler)
  return once(server.listen(0, '127.0.0.1'), 'listening').then(() => server)
}
const urlOf = (server: Server): string =>
  `http://127.0.0.1:${(server.address() as AddressInfo).port}`

/** The container credentials source, with its authorization token, as ECS and EKS set it. */
const containerSource = () => ({
  AWS_CONTAINER_CREDENTIALS_FULL_URI: `${urlOf(container)}/v1/credentials`,
  AWS_CONTAINER_AUTHORIZATION_TOKEN: CONTAINER_AUTH,
})

const roleBody = (): string =>
  JSON.stringify({
    Code: 'Success',
    Type: 'AWS-HMAC',
    LastUpdated: new Date().toISOString(),
    AccessKeyId: ROLE.accessKeyId,
    SecretAccessKey: ROLE.secretAccessKey,
    Token: ROLE.sessionToken,
    Expiration: new Date(Date.now() + 3_600_000).toISOString(),
  })

// STS's AssumeRoleWithWebIdentity (query protocol), answering only for the test's token and role.
const stsBody = (): string => {
  const expiration = new Date(Date.now() + 3_600_000).toISOString()
  return `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>${ROLE.accessKeyId}</AccessKeyId><SecretAccessKey>${ROLE.secretAccessKey}</SecretAccessKey><SessionToken>${ROLE.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>${ROLE_ARN}/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`
}

let container: Server
let imds: Server
let sts: Server
let tokenFile = ''
// Accepts connections and never answers: a metadata address that swallows packets, as off EC2.
let silent: ReturnType<typeof createTcpServer>
const silentSockets = new Set<Socket>()

before(async () => {
  s3 = await startMockOss()
  crc = s3.oss.putObject('bucket', 'role.bin', { generated: { size: SIZE, seed: 21 } }).crc64
  dir = await mkdtemp(join(tmpdir(), 'cli-aws-role-'))
  container = await listen((req, res) => {
    seen.container.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    const ok = containerStatus === 200 && req.headers.authorization === CONTAINER_AUTH
    res.writeHead(ok ? 200 : containerStatus === 200 ? 401 : containerStatus, {
      'content-type': 'application/json',
    })
    res.end(ok ? roleBody() : JSON.stringify({ Code: 'AccessDenied', Message: 'no' }))
  })
  imds = await listen((req, res) => {
    seen.imds.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    const path = '/latest/meta-data/iam/security-credentials/'
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      const asked = req.headers['x-aws-ec2-metadata-token-ttl-seconds'] !== undefined
      res.writeHead(imdsV2 && asked ? 200 : imdsV2 ? 400 : 403).end(imdsV2 ? IMDS_TOKEN : '')
    } else if (imdsV2 && req.headers['x-aws-ec2-metadata-token'] !== IMDS_TOKEN) {
      res.writeHead(401).end()
    } else if (req.method === 'GET' && req.url === path) {
      res.writeHead(200).end(IMDS_ROLE)
    } else if (req.method === 'GET' && req.url === `${path}${IMDS_ROLE}`) {
      res.writeHead(200).end(roleBody())
    } else res.writeHead(404).end()
  })
  sts = await listen((req, res) => {
    let body = ''
    req.on('data', (d: Uint8Array) => {
      body += new TextDecoder().decode(d)
    })
    req.on('end', () => {
      const form = new URLSearchParams(body)
      seen.sts.push(form)
      const ok =
        form.get('Action') === 'AssumeRoleWithWebIdentity' &&
        form.get('WebIdentityToken') === WEB_IDENTITY_TOKEN &&
        form.get('RoleArn') === ROLE_ARN
      res.writeHead(ok ? 200 : 400, { 'content-type': 'text/xml' }).end(ok ? stsBody() : '')
    })
  })
  tokenFile = join(dir, 'web-identity-token')
  await writeFile(tokenFile, WEB_IDENTITY_TOKEN)
  silent = createTcpServer((socket) => {
    silentSockets.add(socket)
    socket.on('close', () => silentSockets.delete(socket))
  })
  await once(silent.listen(0, '127.0.0.1'), 'listening')
})
after(async () => {
  for (const socket of silentSockets) socket.destroy()
  await Promise.all([
    s3.close(),
    new Promise((r) => container.close(r)),
    new Promise((r) => imds.close(r)),
    new Promise((r) => sts.close(r)),
    new Promise((r) => silent.close(r)),
  ])
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => {
  seen.container.length = 0
  seen.imds.length = 0
  seen.sts.length = 0
  s3.oss.served.log.length = 0
  s3.oss.credentials = ROLE
  imdsV2 = true
  containerStatus = 200
})

/** The test's own environment without any AWS_* or OSS_* variable, no shared files, plus `extra`. */
function cleanEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('AWS_') && !name.startsWith('OSS_')) env[name] = value
  return { ...env, HOME: join(dir, 'no-home'), USERPROFILE: join(dir, 'no-home'), ...extra }
}

async function get(extra: Readonly<Record<string, string>>, flags: readonly string[] = []) {
  const dest = join(dir, `out-${++n}.bin`)
  const args = ['get', 's3://bucket/role.bin', dest, '--endpoint', s3.url, '--region', 'us-east-1']
  args.push(...flags)
  const result = await runCliProcess(args, cleanEnv(extra))
  const output = new TextDecoder().decode(result.stdout) + result.stderr
  for (const secret of SECRETS) assert.ok(!output.includes(secret), 'a secret in the output')
  return { ...result, output, dest }
}

async function assertSignedByRole(dest: string): Promise<void> {
  assert.equal(crc64('crc64xz', new Uint8Array(await readFile(dest))), crc)
  const requests = s3.oss.served.log
  assert.ok(requests.length > 0)
  for (const r of requests) {
    assert.match(r.headers.authorization ?? '', new RegExp(`Credential=${ROLE.accessKeyId}/`))
    assert.equal(r.headers['x-amz-security-token'], ROLE.sessionToken)
  }
}

describe('s3:// with no keys takes the AWS role of the machine', () => {
  it('web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN assume the role through STS, first in the chain', async () => {
    const r = await get({
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: ROLE_ARN,
      AWS_ROLE_SESSION_NAME: 'resumable-session',
      AWS_ENDPOINT_URL_STS: urlOf(sts),
      ...containerSource(),
      AWS_EC2_METADATA_SERVICE_ENDPOINT: urlOf(imds),
    })
    assert.equal(r.code, 0, r.output)
    await assertSignedByRole(r.dest)
    assert.equal(seen.sts.length, 1)
    assert.equal(seen.sts[0]?.get('RoleSessionName'), 'resumable-session')
    assert.deepEqual([seen.container.length, seen.imds.length], [0, 0])
  })

  it('web identity with http_proxy set: STS is asked through the proxy, the token only in its form', async () => {
    const proxy = await startForwardProxy()
    try {
      const r = await get({
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: ROLE_ARN,
        AWS_ENDPOINT_URL_STS: urlOf(sts),
        http_proxy: proxy.url,
      })
      assert.equal(r.code, 0, r.output)
      await assertSignedByRole(r.dest)
      assert.equal(seen.sts.length, 1)
      const calls = proxy.requests.filter((request) => request.line.startsWith('POST '))
      assert.equal(calls.length, 1, proxy.requests.map((request) => request.line).join(' | '))
      assert.match(calls[0]?.line ?? '', new RegExp(`^POST ${urlOf(sts)}/ HTTP/1\\.1$`))
      assert.equal(new URLSearchParams(calls[0]?.body).get('WebIdentityToken'), WEB_IDENTITY_TOKEN)
    } finally {
      await proxy.close()
    }
  })

  it('-q prints nothing though the AWS SDK builds an STS client (no NodeVersionSupportWarning on Node < 22)', async () => {
    const r = await get(
      {
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: ROLE_ARN,
        AWS_ENDPOINT_URL_STS: urlOf(sts),
      },
      ['-q'],
    )
    assert.equal(r.code, 0, r.output)
    assert.equal(r.stderr, '')
    await assertSignedByRole(r.dest)
  })

  it('container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI asked with AWS_CONTAINER_AUTHORIZATION_TOKEN sign the download', async () => {
    const r = await get({
      ...containerSource(),
      AWS_EC2_METADATA_SERVICE_ENDPOINT: urlOf(imds),
    })
    assert.equal(r.code, 0, r.output)
    await assertSignedByRole(r.dest)
    assert.equal(seen.container.length, 1)
    assert.equal(seen.container[0]?.url, '/v1/credentials')
    assert.equal(seen.container[0]?.headers.authorization, CONTAINER_AUTH)
    assert.equal(seen.imds.length, 0, 'the container decides: no metadata lookup')
  })

  for (const v2 of [true, false]) {
    it(`EC2 instance metadata (${v2 ? 'IMDSv2 token' : 'IMDSv1 fallback after a 403 token request'}): the instance profile's role signs the download`, async () => {
      imdsV2 = v2
      const r = await get({ AWS_EC2_METADATA_SERVICE_ENDPOINT: urlOf(imds) })
      assert.equal(r.code, 0, r.output)
      await assertSignedByRole(r.dest)
      const path = '/latest/meta-data/iam/security-credentials/'
      assert.deepEqual(
        seen.imds.map((s) => `${s.method} ${s.url}`),
        ['PUT /latest/api/token', `GET ${path}`, `GET ${path}${IMDS_ROLE}`],
      )
      for (const s of seen.imds.slice(1))
        assert.equal(s.headers['x-aws-ec2-metadata-token'], v2 ? IMDS_TOKEN : undefined)
    })
  }

  it('AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY still win: neither the container nor the metadata endpoint is asked', async () => {
    s3.oss.credentials = STATIC
    const r = await get({
      AWS_ACCESS_KEY_ID: STATIC.accessKeyId,
      AWS_SECRET_ACCESS_KEY: STATIC.secretAccessKey,
      ...containerSource(),
      AWS_EC2_METADATA_SERVICE_ENDPOINT: urlOf(imds),
    })
    assert.equal(r.code, 0, r.output)
    for (const request of s3.oss.served.log)
      assert.match(request.headers.authorization ?? '', /Credential=AKIASTATICKEY\//)
    assert.deepEqual([seen.container.length, seen.imds.length], [0, 0])
  })
})

describe('s3:// with no credentials anywhere ends in the usage error, soon', () => {
  it('AWS_EC2_METADATA_DISABLED=true: exit 2 naming every source looked for, the metadata endpoint untouched', async () => {
    const r = await get({
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_EC2_METADATA_SERVICE_ENDPOINT: urlOf(imds),
    })
    assert.equal(r.code, 2, r.output)
    assert.match(r.output, /AWS_ACCESS_KEY_ID/)
    assert.match(r.output, /AWS_WEB_IDENTITY_TOKEN_FILE/)
    assert.match(r.output, /AWS_CONTAINER_CREDENTIALS_FULL_URI/)
    assert.match(r.output, /metadata lookup is off \(AWS_EC2_METADATA_DISABLED\)/)
    assert.equal(seen.imds.length, 0)
  })

  it('a metadata address that never answers: exit 2 within the SDK timeouts, saying how to turn the lookup off', async () => {
    const started = Date.now()
    const r = await get({
      AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
    })
    assert.equal(r.code, 2, r.output)
    assert.match(r.output, /EC2 instance metadata gave none/)
    assert.match(r.output, /AWS_EC2_METADATA_DISABLED=true turns the metadata lookup off/)
    // Two 1 s timeouts (token, then the v1 fallback) and the process's start: never the kill at 60 s.
    assert.ok(Date.now() - started < 15_000, `${Date.now() - started} ms`)
  })

  it('a container endpoint that refuses: exit 2 naming the container source, its token not shown', async () => {
    containerStatus = 403
    const r = await get({
      ...containerSource(),
    })
    assert.equal(r.code, 2, r.output)
    assert.match(
      r.output,
      /container credentials \(AWS_CONTAINER_CREDENTIALS_FULL_URI.*\) failed: Server responded with status: 403/,
    )
    assert.ok(seen.container.length > 0)
  })
})
