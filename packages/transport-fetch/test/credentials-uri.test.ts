import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, afterEach, before, describe, it } from 'node:test'
import { OptionsError, type TransportError } from '@resumable/core'
import { credentialsUriCredentials } from '../src/index.ts'
import { refusalHiding } from './helpers/role-credentials.ts'

// ALIBABA_CLOUD_CREDENTIALS_URI: a local credentials server of the user's own.
const KEYS = {
  accessKeyId: 'STS.uri-key-id',
  secretAccessKey: 'uri-secret-never-shown',
  sessionToken: 'uri-token-never-shown',
}
const answer = (validForMs: number, extra: Record<string, unknown> = {}) => ({
  AccessKeyId: KEYS.accessKeyId,
  AccessKeySecret: KEYS.secretAccessKey,
  SecurityToken: KEYS.sessionToken,
  Expiration: new Date(Date.now() + validForMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  ...extra,
})
let server: Server
let base = ''
let status = 200
let body: unknown = answer(3600_000)
let requests: string[] = []

before(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '')
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(typeof body === 'string' ? body : JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterEach(() => {
  status = 200
  body = answer(3600_000)
  requests = []
})
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

async function refusal(promise: unknown): Promise<TransportError> {
  const error = await refusalHiding(promise, [
    KEYS.secretAccessKey,
    KEYS.sessionToken,
    'query-token',
  ])
  assert.equal(error.kind, 'auth')
  return error
}

describe('credentialsUriCredentials', () => {
  it('GETs the URI and maps its answer, with or without Code "Success"', async () => {
    assert.deepEqual(await credentialsUriCredentials({ uri: `${base}/creds` })(), KEYS)
    body = answer(3600_000, { Code: 'Success' })
    assert.deepEqual(await credentialsUriCredentials({ uri: `${base}/creds` })(), KEYS)
    assert.deepEqual(requests, ['/creds', '/creds'])
  })

  it('reuses the answer until 3 minutes before Expiration, sharing one request', async () => {
    const provider = credentialsUriCredentials({ uri: base })
    await Promise.all([provider(), provider()])
    await provider()
    assert.equal(requests.length, 1)
    body = answer(2 * 60_000)
    const short = credentialsUriCredentials({ uri: base })
    await short()
    await short()
    assert.equal(requests.length, 3)
  })

  it('a Code other than Success, a 500 and a non-JSON answer are typed errors, the query hidden', async () => {
    const uri = `${base}/c?token=query-token`
    body = answer(3600_000, { Code: 'Failed' })
    const failed = await refusal(credentialsUriCredentials({ uri })())
    assert.match(failed.message, /Code "Failed"/)
    assert.equal(failed.retryable, false)
    status = 500
    const broken = await refusal(credentialsUriCredentials({ uri })())
    assert.match(broken.message, /status 500/)
    assert.equal(broken.retryable, true)
    status = 200
    body = 'not json'
    assert.match((await refusal(credentialsUriCredentials({ uri })())).message, /not JSON/)
    body = { AccessKeyId: 'x' }
    assert.match(
      (await refusal(credentialsUriCredentials({ uri })())).message,
      /lack AccessKeySecret/,
    )
  })

  it('an address nobody answers is a retryable typed error', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const error = await refusal(credentialsUriCredentials({ uri: `http://127.0.0.1:${port}/` })())
    assert.equal(error.retryable, true)
    assert.match(error.message, /could not be reached/)
  })

  for (const uri of ['ftp://host/creds', 'not a url', 'http://user:pw@host/'])
    it(`refuses ${JSON.stringify(uri)} at once (OptionsError)`, () => {
      assert.throws(() => credentialsUriCredentials({ uri }), OptionsError)
    })
})
