// Campaign 5 — bad inputs through the real `resumable` CLI: the documented exit code (2 usage,
// 1 failure, 0 for inputs that only look odd), exactly one clear error line on stderr (with the
// store's Code and RequestId when it gave one), nothing left behind that should not be, and no
// secret in the output.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import type { StoredObject } from '@resumable/testkit'
import { type MockOssServer, startMockOss } from '@resumable/testkit/node'
import {
  Campaign,
  type CliExit,
  campaignArgs,
  cleanEnv,
  fileCrc64,
  prng,
  runCli,
  table,
} from './lib.ts'

const args = campaignArgs('bad-inputs — invalid flags, sources, destinations and credentials', {
  count: { full: 1000, short: 23, help: 'cases to run (all of them in full; a seeded sample)' },
  parallel: { full: 2, short: 2, help: 'cases run at once' },
})
const c = new Campaign('bad-inputs', `seed ${args.seed}, real CLI processes`)

const KEY_ID = 'LTAI5tReliabilityKeyId'
const SECRET = 'Rel1ability-S3cret-NEVER-print-9f8e7d6c'
const WRONG_SECRET = 'Wr0ng-S3cret-NEVER-print-1a2b3c4d5e'
const URL_PASSWORD = 'url-passw0rd-NEVER-print-77'
const URL_SIGNATURE = 'SigNEVERprint0123456789abcdef0123456789'
// SSE-C customer keys (base64 of 32 bytes): secrets like the others, never to be printed.
const SSE_KEY = Buffer.alloc(32, 'sse-c-key-NEVER-print-0123456789').toString('base64')
const SSE_WRONG_KEY = Buffer.alloc(32, 'wrong-sse-c-key-NEVER-print-987').toString('base64')
const SSE_KEY_MD5 = createHash('md5').update(Buffer.from(SSE_KEY, 'base64')).digest('base64')
const HEADER_TOKEN = 'hf_headerToken-NEVER-print-5e6f7a8b'
const NETRC_PASSWORD = 'netrc-passw0rd-NEVER-print-3c4d'
const SECRETS = [
  SECRET,
  WRONG_SECRET,
  URL_PASSWORD,
  URL_SIGNATURE,
  SSE_KEY,
  SSE_WRONG_KEY,
  HEADER_TOKEN,
  NETRC_PASSWORD,
]
const UNICODE_KEY = 'dir/ünïcødé 文件 €.bin'
const SPACE_KEY = 'with space/file name (1).bin'

const pub = await startMockOss() // no credentials: plain URLs
const priv = await startMockOss() // every request must be signed
priv.oss.credentials = { accessKeyId: KEY_ID, secretAccessKey: SECRET }
const objects = new Map<string, StoredObject>()
const put = (server: MockOssServer, bucket: string, key: string, size: number, extra = {}) => {
  const o = server.oss.putObject(bucket, key, { generated: { size, seed: size }, ...extra })
  objects.set(`${server === pub ? 'pub' : 'priv'}:${key}`, o)
  return o
}
put(pub, 'pub', 'small.bin', 1024 * 1024 + 3)
put(pub, 'pub', UNICODE_KEY, 300_001)
put(pub, 'pub', SPACE_KEY, 200_003)
put(pub, 'pub', 'big.bin', 4 * 1024 * 1024)
put(pub, 'pub', 'cold.bin', 200_000, { storageClass: 'Archive', restore: 'none' })
put(pub, 'pub', 'thawing.bin', 200_000, { storageClass: 'ColdArchive', restore: 'ongoing' })
put(priv, 'priv', 'object.bin', 700_001)
put(priv, 'priv', UNICODE_KEY, 300_001)
put(priv, 'priv', SPACE_KEY, 200_003)
put(priv, 'priv', 'cold.bin', 200_000, { storageClass: 'Archive', restore: 'none' })
priv.oss.createBucket('payer', { requesterPays: true })
put(priv, 'payer', 'paid.bin', 400_009)
put(priv, 'priv', 'sse.bin', 300_007, { sseCustomerKey: { key: SSE_KEY, keyMd5: SSE_KEY_MD5 } })

const enc = (key: string): string => key.split('/').map(encodeURIComponent).join('/')
const pubUrl = (key: string): string => `${pub.url}/pub/${enc(key)}`
const ossEnv = (secret = SECRET) => ({ OSS_ACCESS_KEY_ID: KEY_ID, OSS_ACCESS_KEY_SECRET: secret })
const awsEnv = (secret = SECRET) => ({ AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: secret })
const ossAt = ['--endpoint', priv.url, '--region', 'cn-hangzhou']
// Homes of the profile cases (HOME): outside every case's directory, removed at the end.
const homes = await mkdtemp(join(tmpdir(), 'bad-inputs-homes-'))
const aliyunHome = async (name: string, profiles: readonly Record<string, unknown>[]) => {
  await mkdir(join(homes, name, '.aliyun'), { recursive: true })
  const config = { current: profiles[0]?.name, profiles }
  await writeFile(join(homes, name, '.aliyun', 'config.json'), JSON.stringify(config))
}
const s3At = ['--endpoint', priv.url, '--region', 'us-east-1', '--path-style']
/** An AWS config file of the endpoint cases (`AWS_CONFIG_FILE`), under `homes`. */
const awsConfigFile = (name: string): string => join(homes, name, 'aws-config')
const writeAwsConfig = async (name: string, text: string) => {
  await mkdir(join(homes, name), { recursive: true })
  await writeFile(awsConfigFile(name), text)
}
const small = pubUrl('small.bin')
/** small.bin's SHA-256 as a checksum file would publish it, from the bytes the server sends. */
const smallSha256 = createHash('sha256')
  .update(new Uint8Array(await (await fetch(small)).arrayBuffer()))
  .digest('hex')
const notSmallSha256 = smallSha256.replace(/^./, (c) => (c === '0' ? '1' : '0'))
const isRoot = process.getuid?.() === 0
/** A port nothing listens on (found by listening, then closing). */
const closedPort = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as AddressInfo
    probe.close(() => resolve(port))
  })
})

/** One bad (or odd-looking) input. `dest` is relative to the case's own directory. */
interface Case {
  readonly name: string
  /** argv after `get` (the destination is `{dest}`), or the whole argv when `raw`. */
  readonly argv: readonly string[]
  readonly raw?: boolean
  readonly env?: Record<string, string>
  /** Piped to the command's standard input (else it has none). */
  readonly stdin?: string
  readonly exit: 0 | 1 | 2
  /** What the one error line must say. */
  readonly says?: RegExp
  /** The store gave a Code and RequestId: both must be in the line. */
  readonly storeCode?: string
  /** For exit 0: the object the destination must equal. */
  readonly object?: string
  readonly dest?: string
  /** Prepares the case directory (what it holds must be there, unchanged, afterwards). */
  readonly setup?: (dir: string) => Promise<unknown>
  /** After a failure, the partial download (temp file, checkpoint) may stay for a later run. */
  readonly progressKept?: boolean
  /** Skipped, with this reason, when it cannot run here. */
  readonly skip?: () => string | undefined
  readonly cleanup?: (dir: string) => void
  readonly core?: boolean
}

const usage = (
  name: string,
  argv: readonly string[],
  says: RegExp,
  extra: Partial<Case> = {},
): Case => ({
  name,
  argv,
  exit: 2,
  says,
  ...extra,
})

const cases: Case[] = [
  usage(
    '--part-size 10KB (below 100 KB)',
    [small, '{dest}', '--part-size', '10KB'],
    /partSize|part-size/,
    { core: true },
  ),
  usage(
    '--part-size 6GiB (above 5 GiB)',
    [small, '{dest}', '--part-size', '6GiB'],
    /partSize|part-size/,
  ),
  usage(
    '--part-size 100KB (100 000 B, under 100 KiB)',
    [small, '{dest}', '--part-size', '100KB'],
    /part-size|partSize/,
  ),
  usage('--part-size abc', [small, '{dest}', '--part-size', 'abc'], /--part-size "abc"/, {
    core: true,
  }),
  usage('--part-size 0', [small, '{dest}', '--part-size', '0'], /--part-size/),
  usage('--part-size -5MiB', [small, '{dest}', '--part-size=-5MiB'], /--part-size/),
  usage('--part-size 1.5.5M', [small, '{dest}', '--part-size', '1.5.5M'], /--part-size/),
  usage('--concurrency 0', [small, '{dest}', '--concurrency', '0'], /--concurrency/, {
    core: true,
  }),
  usage('--concurrency -1', [small, '{dest}', '--concurrency=-1'], /--concurrency/),
  usage('--concurrency 2.5', [small, '{dest}', '--concurrency', '2.5'], /--concurrency/),
  usage('--concurrency 100000', [small, '{dest}', '--concurrency', '100000'], /concurrency/),
  usage('--retries -1', [small, '{dest}', '--retries=-1'], /--retries/),
  usage('--retries many', [small, '{dest}', '--retries', 'many'], /--retries/),
  usage('--limit-rate fast', [small, '{dest}', '--limit-rate', 'fast'], /--limit-rate/, {
    core: true,
  }),
  usage('--limit-rate 0', [small, '{dest}', '--limit-rate', '0'], /--limit-rate/),
  usage('--limit-rate 10MiB/min', [small, '{dest}', '--limit-rate', '10MiB/min'], /--limit-rate/),
  usage('unknown flag --frobnicate', [small, '{dest}', '--frobnicate'], /frobnicate/, {
    core: true,
  }),
  usage('flag missing its value (--part-size)', [small, '{dest}', '--part-size'], /part-size/),
  usage('--range 9-1 (last before first)', [small, '{dest}', '--range', '9-1'], /--range "9-1"/, {
    core: true,
  }),
  usage('--range abc', [small, '{dest}', '--range', 'abc'], /is not a byte range/),
  usage('--range -100 (suffix form)', [small, '{dest}', '--range=-100'], /--range "-100"/),
  usage(
    '--checksum sha256 of 3 digits',
    [small, '{dest}', '--checksum', 'sha256=abc'],
    /--checksum: a sha256 digest is 64 hexadecimal digits, got "abc"/,
  ),
  usage(
    '--checksum crc64=… (not a digest algorithm)',
    [small, '{dest}', '--checksum', `crc64=${'0'.repeat(16)}`],
    /--checksum "crc64=0+" is not <algorithm>=<hex digest>/,
  ),
  usage(
    '--checksum with - (stdout cannot hold bytes back)',
    [small, '-', '--checksum', `sha256=${smallSha256}`],
    /--checksum cannot be combined with - \(stdout\)/,
  ),
  usage(
    '--checksum with a batch',
    ['s3://priv/', '{dest}', '--recursive', '--checksum', `sha256=${smallSha256}`, ...s3At],
    /--checksum applies to one object, not to a batch/,
    { env: awsEnv() },
  ),
  usage(
    '--header with a credential (it belongs in --header-file)',
    [small, '{dest}', '--header', `Authorization: Bearer ${HEADER_TOKEN}`],
    /--header Authorization: a credential on a command line lands in shell history/,
  ),
  usage(
    '--header that resumable sends itself',
    [small, '{dest}', '--header', 'Range: bytes=0-9'],
    /Range is resumable's own to send/,
  ),
  usage(
    '--header with an s3:// source (signed requests)',
    ['s3://priv/object.bin', '{dest}', '--header', 'Accept: x', ...s3At],
    /--header applies to http\(s\):\/\/ sources/,
    { env: awsEnv() },
  ),
  usage(
    '--header-file that does not exist',
    [small, '{dest}', '--header-file', 'no-such-headers.txt'],
    /--header-file no-such-headers\.txt cannot be read \(ENOENT\)/,
  ),
  usage(
    '--netrc-file with a password before any machine (its line named, no word shown)',
    [small, '{dest}', '--netrc-file', 'netrc'],
    /--netrc-file netrc line 2: "login" before any "machine" or "default"/,
    {
      setup: async (dir: string) => {
        await writeFile(join(dir, 'netrc'), `# mine\nlogin alice password ${NETRC_PASSWORD}\n`)
        return ['netrc']
      },
    },
  ),
  usage(
    '--netrc-file with an entry for a plain-http host that is not loopback',
    ['http://files.invalid/f.bin', '{dest}', '--netrc-file', 'netrc'],
    /--netrc: the netrc file's credentials for files\.invalid are not sent over plain http:\/\//,
    {
      setup: async (dir: string) => {
        await writeFile(
          join(dir, 'netrc'),
          `machine files.invalid login alice password ${NETRC_PASSWORD}\n`,
        )
        return ['netrc']
      },
    },
  ),
  usage(
    '--netrc with an s3:// source (signed requests)',
    ['s3://priv/object.bin', '{dest}', '--netrc', ...s3At],
    /--netrc applies to http\(s\):\/\/ sources/,
    { env: awsEnv() },
  ),
  usage(
    '--content-disposition with a batch',
    ['s3://priv/', '{dest}', '--recursive', '--content-disposition', ...s3At],
    /--content-disposition applies to one object, not to a batch/,
    { env: awsEnv() },
  ),
  usage(
    '--checksum-file that does not exist',
    [small, '{dest}', '--checksum-file', 'no-such-SHA256SUMS'],
    /--checksum-file no-such-SHA256SUMS cannot be read \(ENOENT\)/,
  ),
  usage(
    '--checksum-file with a batch, two sha256 digests for one path',
    ['s3://priv/', '{dest}', '--recursive', '--checksum-file', 'SUMS', ...s3At],
    /--checksum-file SUMS records two different sha256 digests for "object\.bin"/,
    {
      env: awsEnv(),
      setup: async (dir: string) => {
        await writeFile(
          join(dir, 'SUMS'),
          `${smallSha256}  object.bin\n${notSmallSha256}  ./object.bin\n`,
        )
        return ['SUMS']
      },
    },
  ),
  usage(
    '--checksum-file without a line for the object',
    [small, '{dest}', '--checksum-file', 'SUMS'],
    /--checksum-file SUMS has no line for "small\.bin"/,
    {
      setup: async (dir: string) => {
        await writeFile(join(dir, 'SUMS'), `${smallSha256}  other.bin\n`)
        return ['SUMS']
      },
    },
  ),
  usage(
    '--no-remote-time=yes (a switch takes no value)',
    [small, '{dest}', '--no-remote-time=yes'],
    /--no-remote-time' does not take an argument/,
  ),
  // Batch flags (issue 14): each refused before anything is listed or created.
  usage(
    '--include without --recursive or --manifest',
    [small, '{dest}', '--include', '*.bin'],
    /--include needs --recursive/,
  ),
  usage(
    '--recursive with an http(s) source',
    [small, '{dest}', '--recursive'],
    /--recursive needs an oss:\/\/bucket\/prefix/,
  ),
  usage(
    '--recursive with --manifest',
    ['--manifest', 'm.txt', '{dest}', '--recursive'],
    /cannot be combined/,
  ),
  usage(
    '--skip-existing with --update',
    ['s3://priv/', '{dest}', '--recursive', '--skip-existing', '--update', ...s3At],
    /--skip-existing and --update/,
    { env: awsEnv() },
  ),
  usage(
    '--shard 3/2 (index not below the count)',
    ['s3://priv/', '{dest}', '--recursive', '--shard', '3/2', ...s3At],
    /--shard 3\/2/,
    { env: awsEnv() },
  ),
  usage(
    '--shard half',
    ['s3://priv/', '{dest}', '--recursive', '--shard', 'half', ...s3At],
    /--shard must be i\/N/,
    { env: awsEnv() },
  ),
  usage(
    '--shard auto/4 without JOB_COMPLETION_INDEX',
    ['s3://priv/', '{dest}', '--recursive', '--shard', 'auto/4', ...s3At],
    /JOB_COMPLETION_INDEX/,
    { env: awsEnv() },
  ),
  usage(
    '--outage-wait -1',
    ['s3://priv/', '{dest}', '--recursive', '--outage-wait=-1', ...s3At],
    /--outage-wait must be a whole number from 0 to 604800 seconds/,
    { env: awsEnv() },
  ),
  usage(
    '--outage-wait 5m (not seconds)',
    ['s3://priv/', '{dest}', '--recursive', '--outage-wait', '5m', ...s3At],
    /--outage-wait must be a whole number/,
    { env: awsEnv() },
  ),
  usage(
    '--outage-wait with - (stdout keeps no checkpoint)',
    [small, '-', '--outage-wait', '60'],
    /--outage-wait cannot be combined with - \(stdout\)/,
  ),
  usage(
    '--outage-wait with --no-checkpoint',
    [small, '{dest}', '--no-checkpoint', '--outage-wait', '60'],
    /--outage-wait cannot be combined with --no-checkpoint/,
  ),
  usage(
    '--outage-wait 8 days (one object)',
    [small, '{dest}', '--outage-wait', '691200'],
    /--outage-wait must be a whole number from 0 to 604800 seconds/,
  ),
  usage(
    '--manifest that does not exist',
    ['--manifest', 'no-such-manifest.txt', '{dest}'],
    /cannot read the manifest/,
  ),
  usage(
    'an s3:// URL as the destination (as aws s3 cp would take it)',
    [small, 's3://bucket/copy/'],
    /destination "s3:\/\/bucket\/copy\/" is a URL: resumable downloads to a local directory or file/,
  ),
  usage(
    '--manifest URL line with an inline # comment',
    ['--manifest', '-', '{dest}'],
    /stdin:1: a URL has no spaces \(write %20 in one\); a # comment goes on a line of its own/,
    { stdin: `${small}  # the small one\n` },
  ),
  usage(
    '--manifest - (standard input) with a line that is no source',
    ['--manifest', '-', '{dest}'],
    /stdin:2: unsupported source scheme "ftp:"/,
    { stdin: `${small}\nftp://host/f.bin\n` },
  ),
  usage(
    '--manifest - (standard input) with a line of bad JSON',
    ['--manifest', '-', '{dest}'],
    /stdin:1: not valid JSON/,
    { stdin: '{"source": \n' },
  ),
  // A manifest line's listing fields (size, etag, lastModified): refused by line before any request.
  ...(
    [
      ['"size": -1', { size: -1 }, /m\.ndjson:2: "size" must be a whole number of bytes/],
      ['"size": "64KiB"', { size: '64KiB' }, /m\.ndjson:2: "size" must be a whole number of bytes/],
      ['"etag" with a quote inside', { etag: 'a"b' }, /m\.ndjson:2: "etag" must be an entity tag/],
      [
        '"lastModified": "soon"',
        { lastModified: 'soon' },
        /m\.ndjson:2: "lastModified" must be a date/,
      ],
      [
        '"sha256" of 3 digits',
        { sha256: 'abc' },
        /m\.ndjson:2: "sha256": a sha256 digest is 64 hexadecimal digits/,
      ],
      [
        'two digests',
        { md5: '0'.repeat(32), sha256: '0'.repeat(64) },
        /m\.ndjson:2: give one digest, not "md5" and "sha256"/,
      ],
    ] as const
  ).map(([what, fields, says]) =>
    usage(`--manifest line with ${what}`, ['--manifest', 'm.ndjson', '{dest}'], says, {
      setup: async (dir: string) => {
        const lines = [{ source: small }, { source: small, dest: 'two.bin', ...fields }]
        await writeFile(join(dir, 'm.ndjson'), lines.map((l) => JSON.stringify(l)).join('\n'))
        return ['m.ndjson']
      },
    }),
  ),
  usage(
    '--recursive into stdout (-)',
    ['s3://priv/', '-', '--recursive', ...s3At],
    /cannot stream to stdout/,
    { env: awsEnv() },
  ),
  usage(
    '--recursive without credentials',
    ['s3://priv/', '{dest}', '--recursive', ...s3At],
    /needs credentials/,
  ),
  {
    name: 'no destination: the current directory, under the object name',
    argv: [small],
    exit: 0,
    object: 'pub:small.bin',
    dest: 'small.bin',
    core: true,
  },
  usage('missing source and destination', [], /resumable get takes <source> \[dest\]/),
  usage(
    'one positional too many',
    [small, '{dest}', 'extra'],
    /resumable get takes <source> \[dest\]/,
  ),
  usage('unknown command', ['fetch', small, '{dest}'], /unknown command "fetch"/, { raw: true }),
  usage('--transport pigeon', [small, '{dest}', '--transport', 'pigeon'], /--transport/),
  usage(
    '--transport ali-oss with an http source',
    [small, '{dest}', '--transport', 'ali-oss'],
    /oss:\/\//,
  ),
  usage(
    '--checkpoint with --no-checkpoint',
    [small, '{dest}', '--checkpoint', 'x.json', '--no-checkpoint'],
    /cannot be combined/,
  ),
  usage(
    'secret flag --access-key-secret=…',
    [small, '{dest}', `--access-key-secret=${SECRET}`],
    /not accepted/,
    { core: true },
  ),
  usage(
    'secret flag --secret …',
    ['oss://priv/object.bin', '{dest}', '--secret', SECRET],
    /not accepted/,
  ),
  usage(
    'malformed URL http//host',
    ['http//127.0.0.1/pub/small.bin', '{dest}'],
    /not oss:\/\/bucket\/key/,
    { core: true },
  ),
  usage('malformed URL http://[::1', ['http://[::1/pub/x', '{dest}'], /not oss:\/\/bucket\/key/),
  usage(
    'unsupported scheme ftp://',
    ['ftp://example.com/file.bin', '{dest}'],
    /unsupported source scheme/,
  ),
  usage(
    'unsupported scheme file://',
    ['file:///etc/hostname', '{dest}'],
    /unsupported source scheme/,
  ),
  usage('oss:// without a key', ['oss://bucket-only', '{dest}', ...ossAt], /oss:\/\/bucket\/key/),
  usage('s3:// without a bucket', ['s3:///key.bin', '{dest}'], /bucket\/key/),
  usage('oss:// without region or endpoint', ['oss://priv/object.bin', '{dest}'], /--region/, {
    env: ossEnv(),
  }),
  usage(
    'oss:// (ali-oss) without credentials',
    ['oss://priv/object.bin', '{dest}', ...ossAt],
    /OSS_ACCESS_KEY_ID/,
    { core: true },
  ),
  usage(
    'oss:// --transport fetch without credentials',
    ['oss://priv/object.bin', '{dest}', ...ossAt, '--transport', 'fetch'],
    /credentials/,
  ),
  usage('s3:// without credentials', ['s3://priv/object.bin', '{dest}', ...s3At], /credentials/, {
    core: true,
  }),
  usage('s3:// with only the key id', ['s3://priv/object.bin', '{dest}', ...s3At], /credentials/, {
    env: { AWS_ACCESS_KEY_ID: KEY_ID },
  }),
  usage(
    's3:// --endpoint not-a-url',
    ['s3://priv/object.bin', '{dest}', '--endpoint', 'not a url'],
    /endpoint/,
    { env: awsEnv() },
  ),
  usage(
    'bucket name with invalid characters',
    ['s3://Bad_Bucket!/k.bin', '{dest}', ...s3At],
    /bucket/,
    { env: awsEnv() },
  ),

  // Failures the store reports: exit 1, its Code and RequestId in the one line.
  {
    name: 'unknown bucket (http)',
    argv: [`${pub.url}/nobucket/small.bin`, '{dest}'],
    exit: 1,
    storeCode: 'NoSuchBucket',
    says: /NoSuchBucket/,
  },
  {
    name: 'unknown key (http)',
    argv: [pubUrl('nope.bin'), '{dest}'],
    exit: 1,
    storeCode: 'NoSuchKey',
    says: /NoSuchKey/,
    core: true,
  },
  {
    name: 'unknown key (s3://, signed)',
    argv: ['s3://priv/nope.bin', '{dest}', ...s3At],
    env: awsEnv(),
    exit: 1,
    storeCode: 'NoSuchKey',
    says: /NoSuchKey/,
  },
  {
    name: 'unknown key (oss://, ali-oss)',
    argv: ['oss://priv/nope.bin', '{dest}', ...ossAt],
    env: ossEnv(),
    exit: 1,
    storeCode: 'NoSuchKey',
    says: /NoSuchKey/,
  },
  {
    name: 'unknown bucket (oss:// fetch)',
    argv: ['oss://nobucket/x.bin', '{dest}', ...ossAt, '--transport', 'fetch'],
    env: ossEnv(),
    exit: 1,
    storeCode: 'NoSuchBucket',
    says: /NoSuchBucket/,
  },
  {
    name: 'unknown version id (s3://)',
    argv: ['s3://priv/object.bin', '{dest}', ...s3At, '--version-id', 'v-nope'],
    env: awsEnv(),
    exit: 1,
    storeCode: 'NoSuchKey',
    says: /NoSuchKey/,
  },
  {
    name: '403 AccessDenied (unsigned URL, private object)',
    argv: [`${priv.url}/priv/object.bin`, '{dest}'],
    exit: 1,
    storeCode: 'AccessDenied',
    says: /AccessDenied/,
    core: true,
  },
  {
    name: 'wrong secret (s3://)',
    argv: ['s3://priv/object.bin', '{dest}', ...s3At],
    env: awsEnv(WRONG_SECRET),
    exit: 1,
    storeCode: 'SignatureDoesNotMatch',
    says: /SignatureDoesNotMatch/,
    core: true,
  },
  {
    name: 'wrong secret (oss://, ali-oss)',
    argv: ['oss://priv/object.bin', '{dest}', ...ossAt],
    env: ossEnv(WRONG_SECRET),
    exit: 1,
    storeCode: 'SignatureDoesNotMatch',
    says: /SignatureDoesNotMatch/,
  },
  {
    name: 'wrong secret (oss:// fetch)',
    argv: ['oss://priv/object.bin', '{dest}', ...ossAt, '--transport', 'fetch'],
    env: ossEnv(WRONG_SECRET),
    exit: 1,
    storeCode: 'SignatureDoesNotMatch',
    says: /SignatureDoesNotMatch/,
  },
  usage(
    '--traffic-limit 10KiB/s (below OSS range)',
    ['oss://priv/object.bin', '{dest}', ...ossAt, '--traffic-limit', '10KiB/s'],
    /--traffic-limit/,
  ),
  usage(
    '--traffic-limit with an s3:// source',
    ['s3://priv/object.bin', '{dest}', ...s3At, '--traffic-limit', '1MiB/s'],
    /oss:\/\/ sources only/,
    { env: awsEnv() },
  ),
  usage(
    'SSE-C key as a flag value (--sse-c-key=…)',
    ['s3://priv/sse.bin', '{dest}', ...s3At, `--sse-c-key=${SSE_KEY}`],
    /RESUMABLE_SSE_C_KEY/,
    { env: awsEnv() },
  ),
  usage(
    '--sse-c-key-file that does not exist',
    ['s3://priv/sse.bin', '{dest}', ...s3At, '--sse-c-key-file', 'no-such.key'],
    /cannot be read/,
    { env: awsEnv() },
  ),
  usage(
    'RESUMABLE_SSE_C_KEY that is not 32 bytes',
    ['s3://priv/sse.bin', '{dest}', ...s3At],
    /RESUMABLE_SSE_C_KEY must be/,
    { env: { ...awsEnv(), RESUMABLE_SSE_C_KEY: 'c2hvcnQ=' } },
  ),
  usage(
    'SSE-C key with an oss:// source',
    ['oss://priv/sse.bin', '{dest}', ...ossAt],
    /s3:\/\/ sources only/,
    { env: { ...ossEnv(), RESUMABLE_SSE_C_KEY: SSE_KEY } },
  ),
  usage(
    '--no-sign-request with --transport ali-oss',
    [
      'oss://pub/small.bin',
      '{dest}',
      '--endpoint',
      pub.url,
      '--region',
      'cn-hangzhou',
      '--no-sign-request',
      '--transport',
      'ali-oss',
    ],
    /ali-oss always signs/,
  ),
  usage(
    '--request-payer with --no-sign-request',
    ['oss://priv/object.bin', '{dest}', ...ossAt, '--no-sign-request', '--request-payer'],
    /requester-pays/,
  ),
  usage(
    'RRSA with ALIBABA_CLOUD_ROLE_ARN alone (oss://)',
    ['oss://priv/object.bin', '{dest}', ...ossAt],
    /ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE are not set/,
    { env: { ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::1234567890123456:role/reader' } },
  ),
  usage(
    'ALIBABA_CLOUD_ROLE_ARN that is not an ARN (oss://, RRSA)',
    ['oss://priv/object.bin', '{dest}', ...ossAt, '--transport', 'fetch'],
    /ALIBABA_CLOUD_ROLE_ARN: .*acs:ram::<account id>:role/,
    {
      env: {
        ALIBABA_CLOUD_ROLE_ARN: 'reader',
        ALIBABA_CLOUD_OIDC_PROVIDER_ARN: 'acs:ram::1234567890123456:oidc-provider/p',
        ALIBABA_CLOUD_OIDC_TOKEN_FILE: '/nonexistent/token',
      },
    },
  ),
  usage(
    'ALIBABA_CLOUD_PROFILE naming a profile no file has (oss://)',
    ['oss://priv/object.bin', '{dest}', ...ossAt],
    /ALIBABA_CLOUD_PROFILE names "nope"/,
    {
      env: {
        HOME: join(homes, 'empty'),
        ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'false',
        ALIBABA_CLOUD_PROFILE: 'nope',
      },
    },
  ),
  usage(
    'an aliyun CLI profile of a mode resumable cannot use (oss://)',
    ['oss://priv/object.bin', '{dest}', ...ossAt],
    /profile "sso" of .*config\.json has mode "CloudSSO"/,
    {
      env: { HOME: join(homes, 'sso'), ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'false' },
      setup: () =>
        aliyunHome('sso', [
          { name: 'sso', mode: 'CloudSSO', access_key_id: KEY_ID, access_key_secret: SECRET },
        ]),
    },
  ),
  usage(
    'AWS_PROFILE naming a profile that does not exist',
    ['s3://priv/object.bin', '{dest}', ...s3At],
    /AWS_PROFILE "nope"/,
    { env: { AWS_PROFILE: 'nope' } },
  ),
  usage(
    'AWS config: a profile naming a services section the file lacks (s3://, no --endpoint)',
    ['s3://priv/object.bin', '{dest}', '--region', 'us-east-1'],
    /profile "dev" of .*aws-config names services "nowhere", but the file has no \[services nowhere\]/,
    {
      env: { ...awsEnv(), AWS_PROFILE: 'dev', AWS_CONFIG_FILE: awsConfigFile('services') },
      setup: () => writeAwsConfig('services', '[profile dev]\nservices = nowhere\n'),
    },
  ),
  usage(
    'AWS config: endpoint_url that is not an http(s) URL (s3://, no --endpoint)',
    ['s3://priv/object.bin', '{dest}', '--region', 'us-east-1'],
    /endpoint_url of profile "default" of .*aws-config is "ftp:\/\/files\.example\.com", not an http\(s\) URL/,
    {
      env: { ...awsEnv(), AWS_CONFIG_FILE: awsConfigFile('endpoint') },
      setup: () =>
        writeAwsConfig('endpoint', '[default]\nendpoint_url = ftp://files.example.com\n'),
    },
  ),
  usage(
    'AWS_ENDPOINT_URL_S3 without a scheme (s3://, no --endpoint)',
    ['s3://priv/object.bin', '{dest}', '--region', 'us-east-1'],
    /AWS_ENDPOINT_URL_S3 is "minio:9000", not an http\(s\) URL/,
    { env: { ...awsEnv(), AWS_ENDPOINT_URL_S3: 'minio:9000' } },
  ),
  usage(
    'AWS_ENDPOINT_URL with a path and a password (s3://, no --endpoint)',
    ['s3://priv/object.bin', '{dest}', '--region', 'us-east-1'],
    /AWS_ENDPOINT_URL is .*bare origin/,
    { env: { ...awsEnv(), AWS_ENDPOINT_URL: `http://u:${URL_PASSWORD}@127.0.0.1:9/bucket` } },
  ),
  {
    name: 'requester-pays bucket without --request-payer (s3://)',
    argv: ['s3://payer/paid.bin', '{dest}', ...s3At],
    env: awsEnv(),
    exit: 1,
    storeCode: 'AccessDenied',
    says: /AccessDenied/,
  },
  {
    name: 'requester-pays bucket with --request-payer (oss://, ali-oss)',
    argv: ['oss://payer/paid.bin', '{dest}', ...ossAt, '--request-payer'],
    env: ossEnv(),
    exit: 0,
    object: 'priv:paid.bin',
  },
  {
    name: 'SSE-C object without the key (s3://)',
    argv: ['s3://priv/sse.bin', '{dest}', ...s3At],
    env: awsEnv(),
    exit: 1,
    storeCode: 'InvalidRequest',
    says: /InvalidRequest/,
  },
  {
    name: 'SSE-C object with another key (s3://)',
    argv: ['s3://priv/sse.bin', '{dest}', ...s3At],
    env: { ...awsEnv(), RESUMABLE_SSE_C_KEY: SSE_WRONG_KEY },
    exit: 1,
    storeCode: 'AccessDenied',
    says: /AccessDenied/,
  },
  {
    name: 'SSE-C object with its key from RESUMABLE_SSE_C_KEY (s3://)',
    argv: ['s3://priv/sse.bin', '{dest}', ...s3At],
    env: { ...awsEnv(), RESUMABLE_SSE_C_KEY: SSE_KEY },
    exit: 0,
    object: 'priv:sse.bin',
  },
  {
    name: '--no-sign-request on a public bucket (s3://, no credentials)',
    argv: [
      's3://pub/small.bin',
      '{dest}',
      '--endpoint',
      pub.url,
      '--region',
      'us-east-1',
      '--no-sign-request',
    ],
    exit: 0,
    object: 'pub:small.bin',
  },
  {
    name: '--no-sign-request on a private bucket (oss://)',
    argv: ['oss://priv/object.bin', '{dest}', ...ossAt, '--no-sign-request'],
    exit: 1,
    storeCode: 'AccessDenied',
    says: /AccessDenied/,
  },
  {
    name: 'unknown access key id (s3://)',
    argv: ['s3://priv/object.bin', '{dest}', ...s3At],
    env: { AWS_ACCESS_KEY_ID: 'AKIDNOTKNOWN000', AWS_SECRET_ACCESS_KEY: SECRET },
    exit: 1,
    storeCode: 'InvalidAccessKeyId',
    says: /InvalidAccessKeyId/,
  },
  {
    name: 'archived, not restored (http)',
    argv: [pubUrl('cold.bin'), '{dest}'],
    exit: 1,
    says: /archive|restore/i,
    core: true,
  },
  {
    name: 'archived, restore ongoing (http)',
    argv: [pubUrl('thawing.bin'), '{dest}'],
    exit: 1,
    says: /restore/i,
  },
  {
    name: 'archived, not restored (oss://, ali-oss)',
    argv: ['oss://priv/cold.bin', '{dest}', ...ossAt],
    env: ossEnv(),
    exit: 1,
    says: /archive|restore/i,
  },
  {
    name: 'signed URL, 404: signature never shown',
    argv: [`${pubUrl('nope.bin')}?x-oss-signature=${URL_SIGNATURE}&x-oss-expires=60`, '{dest}'],
    exit: 1,
    storeCode: 'NoSuchKey',
    says: /NoSuchKey/,
    core: true,
  },
  {
    // Sent as HTTP Basic (to a loopback host: allowed over http), on every wire.
    name: 'URL with user:password: HTTP Basic, password never shown',
    argv: [`http://someone:${URL_PASSWORD}@${pub.url.slice(7)}/pub/small.bin`, '{dest}'],
    exit: 0,
    object: 'pub:small.bin',
  },
  usage(
    'URL with user:password over plain http to another host: refused, password never shown',
    [`http://someone:${URL_PASSWORD}@files.example.invalid/small.bin`, '{dest}'],
    /clear text.*https/,
  ),
  {
    name: 'connection refused (closed port)',
    argv: [`http://127.0.0.1:${closedPort}/pub/small.bin`, '{dest}', '--retries', '1'],
    exit: 1,
    says: /ECONNREFUSED/,
    core: true,
  },
  {
    // The fetch standard's port blocklist: the fetch wire refuses before connecting.
    name: 'port fetch refuses (9, "discard"), --wire fetch',
    argv: ['http://127.0.0.1:9/pub/small.bin', '{dest}', '--retries', '1', '--wire', 'fetch'],
    exit: 1,
    says: /bad port/,
  },

  // Failures at the destination: exit 1, nothing published.
  {
    name: 'unwritable destination directory',
    argv: [small, 'ro/out.bin'],
    exit: 1,
    says: /EACCES|EROFS|read-only|permission/i,
    core: true,
    setup: async (dir) => {
      await mkdir(join(dir, 'ro'))
      if (isRoot)
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,ro', 'tmpfs', join(dir, 'ro')])
      else execFileSync('chmod', ['0555', join(dir, 'ro')])
      return ['ro']
    },
    cleanup: (dir) => {
      if (isRoot) execFileSync('umount', [join(dir, 'ro')])
      else execFileSync('chmod', ['0755', join(dir, 'ro')])
    },
  },
  {
    name: 'destination is a directory: saved inside under the object name',
    argv: [small, 'adir'],
    exit: 0,
    object: 'pub:small.bin',
    dest: 'adir/small.bin',
    core: true,
    setup: async (dir) => {
      await mkdir(join(dir, 'adir'))
      return ['adir']
    },
  },
  {
    name: 'dest name/ where name is a file, --force: refused, file kept',
    argv: [small, 'f.bin/', '--force'],
    exit: 1,
    says: /names a directory.*is a file/,
    core: true,
    setup: async (dir) => {
      await writeFile(join(dir, 'f.bin'), 'precious')
      return ['f.bin']
    },
  },
  {
    name: 'dest newdir/ that does not exist: created, saved inside',
    argv: [pubUrl(UNICODE_KEY), 'newdir/'],
    exit: 0,
    object: `pub:${UNICODE_KEY}`,
    dest: 'newdir/ünïcødé 文件 €.bin',
  },
  {
    name: 'parent directory missing',
    argv: [small, 'missing/sub/out.bin'],
    exit: 1,
    says: /does not exist/,
    core: true,
  },
  {
    name: 'destination exists, no --force',
    argv: [small, '{dest}'],
    exit: 1,
    says: /--force/,
    core: true,
    setup: async (dir) => {
      await writeFile(join(dir, 'out.bin'), 'precious')
      return ['out.bin']
    },
  },
  {
    name: 'disk full (1 MiB tmpfs, 4 MiB object)',
    argv: [pubUrl('big.bin'), 'full/out.bin', '--part-size', '256KiB'],
    exit: 1,
    says: /ENOSPC|no space|disk is full|not enough free space/i,
    progressKept: true,
    core: true,
    skip: () => (isRoot ? undefined : 'needs root to mount a 1 MiB tmpfs'),
    setup: async (dir) => {
      await mkdir(join(dir, 'full'))
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', join(dir, 'full')])
      return ['full']
    },
    cleanup: (dir) => execFileSync('umount', [join(dir, 'full')]),
  },

  // Inputs that only look odd: they must work.
  {
    name: '--checksum-file with the object’s line (sha256sum *./name)',
    argv: [small, '{dest}', '--checksum-file', 'SHA256SUMS'],
    exit: 0,
    object: 'pub:small.bin',
    setup: async (dir: string) => {
      await writeFile(
        join(dir, 'SHA256SUMS'),
        `${notSmallSha256}  x.bin\n${smallSha256} *./small.bin\n`,
      )
      return ['SHA256SUMS']
    },
  },
  {
    name: '--checksum sha256 the object has',
    argv: [small, '{dest}', '--checksum', `SHA-256:${smallSha256.toUpperCase()}`],
    exit: 0,
    object: 'pub:small.bin',
  },
  {
    name: '--checksum sha256 the object does not have: nothing published, nothing kept',
    argv: [small, '{dest}', '--checksum', `sha256=${notSmallSha256}`],
    exit: 1,
    says: new RegExp(`failed sha256 verification: expected ${notSmallSha256}, got ${smallSha256}`),
  },
  {
    name: 'non-ASCII key (http, percent-encoded)',
    argv: [pubUrl(UNICODE_KEY), '{dest}'],
    exit: 0,
    object: `pub:${UNICODE_KEY}`,
    core: true,
  },
  {
    name: 'key with spaces (http, %20)',
    argv: [pubUrl(SPACE_KEY), '{dest}'],
    exit: 0,
    object: `pub:${SPACE_KEY}`,
  },
  {
    name: 'non-ASCII key (s3://, signed)',
    argv: [`s3://priv/${UNICODE_KEY}`, '{dest}', ...s3At],
    env: awsEnv(),
    exit: 0,
    object: `priv:${UNICODE_KEY}`,
    core: true,
  },
  {
    name: 's3:// at an IP endpoint without --path-style (path-style chosen)',
    argv: ['s3://priv/object.bin', '{dest}', '--endpoint', priv.url, '--region', 'us-east-1'],
    env: awsEnv(),
    exit: 0,
    object: 'priv:object.bin',
  },
  {
    name: 'key with spaces (s3://, signed)',
    argv: [`s3://priv/${SPACE_KEY}`, '{dest}', ...s3At],
    env: awsEnv(),
    exit: 0,
    object: `priv:${SPACE_KEY}`,
  },
  {
    name: 'non-ASCII key (oss://, ali-oss)',
    argv: [`oss://priv/${UNICODE_KEY}`, '{dest}', ...ossAt],
    env: ossEnv(),
    exit: 0,
    object: `priv:${UNICODE_KEY}`,
    core: true,
  },
  {
    name: 'key with spaces (oss:// fetch)',
    argv: [`oss://priv/${SPACE_KEY}`, '{dest}', ...ossAt, '--transport', 'fetch'],
    env: ossEnv(),
    exit: 0,
    object: `priv:${SPACE_KEY}`,
  },
  {
    name: 'destination name with spaces and non-ASCII',
    argv: [small, 'zielé datei 文件.bin'],
    exit: 0,
    object: 'pub:small.bin',
    dest: 'zielé datei 文件.bin',
  },
  {
    name: '--part-size 100KiB (the minimum)',
    argv: [small, '{dest}', '--part-size', '100KiB'],
    exit: 0,
    object: 'pub:small.bin',
  },
  {
    name: '--part-size 5GiB (the maximum)',
    argv: [small, '{dest}', '--part-size', '5GiB'],
    exit: 0,
    object: 'pub:small.bin',
  },
  {
    name: '--limit-rate 50MiB/s',
    argv: [small, '{dest}', '--limit-rate', '50MiB/s'],
    exit: 0,
    object: 'pub:small.bin',
  },
]

/** Files in a directory tree, relative. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) out.push(`${rel}/`, ...(await listFiles(dir, rel)))
    else out.push(rel)
  }
  return out
}

interface Row {
  readonly name: string
  readonly exit: string
  readonly line: string
  readonly left: string
  readonly ms: number
  readonly ok: boolean
}

async function runCase(index: number, kase: Case, root: string): Promise<Row> {
  const dir = join(root, `case-${String(index).padStart(2, '0')}`)
  await mkdir(dir)
  const skipped = kase.skip?.()
  if (skipped) return { name: kase.name, exit: 'skip', line: skipped, left: '', ms: 0, ok: true }
  await kase.setup?.(dir)
  const before = await listFiles(dir)
  const beforeContent = new Map<string, string>()
  for (const f of before)
    if (!f.endsWith('/')) beforeContent.set(f, await readFile(join(dir, f), 'utf8'))
  const dest = kase.dest ?? 'out.bin'
  const argv = kase.argv.map((a) => (a === '{dest}' ? dest : a))
  const full = kase.raw ? argv : ['get', ...argv]
  let exit: CliExit
  let after: string[]
  try {
    exit = await runCli(full, {
      env: cleanEnv(kase.env),
      cwd: dir,
      timeoutMs: 60_000,
      ...(kase.stdin === undefined ? {} : { stdin: kase.stdin }),
    })
    after = await listFiles(dir)
  } finally {
    kase.cleanup?.(dir)
  }
  const problems: string[] = []
  const output = exit.stdout + exit.stderr
  if (exit.code !== kase.exit)
    problems.push(`exit ${exit.code ?? exit.signal}, expected ${kase.exit}`)
  for (const s of SECRETS) if (output.includes(s)) problems.push('a secret appears in the output')
  const lines = exit.stderr.split('\n').filter((l) => l.trim() !== '')
  const errorLines = lines.filter((l) => /^(usage )?error:/.test(l))
  const line = errorLines[0] ?? ''
  if (kase.exit === 0) {
    if (errorLines.length > 0) problems.push(`error output on success: ${line}`)
    const object = objects.get(kase.object ?? '')
    const got = existsSync(join(dir, dest)) ? await fileCrc64(join(dir, dest)) : undefined
    if (!object || got?.size !== object.source.size || got.crc !== object.crc64)
      problems.push('the destination is not the object')
  } else {
    if (errorLines.length !== 1) problems.push(`${errorLines.length} error lines on stderr`)
    const others = lines.filter((l) => !errorLines.includes(l))
    if (kase.exit === 2 && others.length > 0)
      problems.push(`extra stderr lines: ${others.join(' | ')}`)
    if (kase.says && !kase.says.test(line)) problems.push(`the line does not say ${kase.says}`)
    if (kase.storeCode && !(line.includes(kase.storeCode) && /RequestId \S+/.test(line)))
      problems.push(`the line lacks Code ${kase.storeCode} and a RequestId`)
    if (exit.stdout.trim() !== '')
      problems.push(`stdout not empty: ${exit.stdout.trim().slice(0, 80)}`)
  }
  // What is left: the setup's files unchanged, the destination only on success, a partial
  // download only where the failure keeps progress, never a lock.
  const left = after.filter((f) => !before.includes(f))
  const allowed = (f: string): boolean =>
    (kase.exit === 0 && (f === dest || (f.endsWith('/') && dest.startsWith(f)))) ||
    (kase.progressKept === true && /\.resumable(-part|\.json)$/.test(f))
  const extra = left.filter((f) => !allowed(f))
  if (extra.length > 0) problems.push(`left behind: ${extra.join(', ')}`)
  // Progress is worth keeping only with the checkpoint that names it.
  if (
    left.some((f) => f.endsWith('.resumable-part')) &&
    !left.some((f) => f.endsWith('.resumable.json'))
  )
    problems.push('a partial file was left without a checkpoint: no run can use it')
  for (const [f, content] of beforeContent) {
    const now = await readFile(join(dir, f), 'utf8').catch(() => undefined)
    if (now !== content) problems.push(`${f} was changed or removed`)
  }
  for (const p of problems) c.check(false, `${kase.name}: ${p}`)
  const shown = kase.exit === 0 && problems.length === 0 ? 'downloaded, CRC-64 matches' : line
  return {
    name: kase.name,
    exit: String(exit.code ?? exit.signal),
    line: shown.length > 110 ? `${shown.slice(0, 107)}…` : shown,
    left: left.length === 0 ? '-' : left.join(' '),
    ms: exit.ms,
    ok: problems.length === 0,
  }
}

// The short form runs the core cases plus a seeded sample of the rest, up to --count.
const random = prng(args.seed)
const core = cases.filter((k) => k.core)
const rest = cases.filter((k) => !k.core).sort(() => random() - 0.5)
const chosen = [...core, ...rest].slice(0, Math.max(args.count, core.length))
const root = join(tmpdir(), `reliability-bad-inputs-${process.pid}`)
await mkdir(root, { recursive: true })
const rows: Row[] = new Array(chosen.length)
try {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.max(1, args.parallel) }, async () => {
      for (let i = next++; i < chosen.length; i = next++)
        rows[i] = await runCase(i, chosen[i] as Case, root)
    }),
  )
  c.log(
    table(
      ['#', 'case', 'exit', 'ok', 'ms', 'stderr error line', 'left in the case dir'],
      rows.map((r, i) => [
        String(i + 1),
        r.name,
        r.exit,
        r.ok ? 'ok' : 'FAIL',
        String(r.ms),
        r.line,
        r.left,
      ]),
    ),
  )
  const ran = rows.filter((r) => r.exit !== 'skip').length
  const skipped = rows.length - ran
  const byExit = (code: string) => rows.filter((r) => r.exit === code).length
  c.verdict(
    `${rows.filter((r) => r.ok && r.exit !== 'skip').length}/${ran} cases as documented (${byExit('2')} usage, ${byExit('1')} failure, ${byExit('0')} success${skipped ? `, ${skipped} skipped` : ''}); no secret printed`,
  )
} finally {
  await pub.close()
  await priv.close()
  await rm(root, { recursive: true, force: true })
  await rm(homes, { recursive: true, force: true })
}
