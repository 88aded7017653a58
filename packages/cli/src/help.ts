import { MAX_RETRY_AFTER_MS, OPTION_TABLE } from '@resumable/core'
import { OUTAGE_WAIT_SECONDS } from './command-line.ts'

/** A byte count as a flag value a user could type back: `8MiB`, `100KiB`, `4096`. */
function sizeFlag(n: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (n >= size && n % size === 0) return `${n / size}${unit}`
  }
  return String(n)
}

const { partSize, concurrency, retries, stallTimeoutMs } = OPTION_TABLE
const retryAfterMinutes = MAX_RETRY_AFTER_MS / 60_000

/** The text `resumable --help` prints; defaults and limits come from core's OPTION_TABLE. */
export const HELP: string = `resumable — resumable, verified, concurrent downloads from OSS, S3 and HTTP

Usage:
  resumable get <source> [dest] [options]  download (resumes automatically)
  resumable get <oss|s3://bucket/prefix/> [dir] --recursive [batch options]
                                           download every object under a prefix as one batch
                                           (a batch's [dir] defaults to the current directory)
  resumable get --manifest <file> [dir] [batch options]
                                           download the sources listed in <file> as one batch
  resumable status [dest] [--checkpoint <file|dir>] [--json]
                                           show the saved progress, and whether a download is running
                                           (a directory, or none: the one download in progress in it)
  resumable cancel [dest] [--checkpoint <file|dir>] [--json]
                                           delete the partial download, its lock and its checkpoint
                                           (only files resumable wrote; look-alikes are kept, listed),
                                           under the destination's lock (a file of yours there: refused)

Sources:
  oss://bucket/key         Alibaba Cloud OSS (ali-oss client; --transport fetch for OSS V4 over fetch)
  s3://bucket/key          AWS S3 or any S3-compatible store (--endpoint for MinIO, R2, OSS S3 API)
  http(s)://…              any URL, including signed URLs: in parallel parts when the server honours
                           Range, else one stream from byte 0 (a line says why; a resume continues
                           only if the server then honours Range); without Content-Length, one
                           stream of unknown length, complete when it ends

Destination:
  a file path              written as <dest>.resumable-part, renamed to <dest> when verified
  a directory, or dir/     saved inside it under the object's name: the last segment of the URL path
                           (percent-decoded) or of the key, without /  .. or control characters
                           (empty: the host name, or "index"); a missing dir/ is created; name/ where
                           name is a file is refused, even with --force. The first line says the name.
                           A name ending like resumable's own files (.resumable-part, .resumable.json,
                           .resumable.lock) is refused: give another file name.
                           --content-disposition: under the name the server's Content-Disposition
                           suggests instead, when it gives one (as curl -OJ; made safe the same way;
                           one request more first)
  omitted                  the current directory, as above
  -                        stream to stdout (no checkpoint, no resume, --on-change fail only);
                           --json events, errors included, then go to stderr

Options:
  --part-size <size>       bytes per ranged part, ${sizeFlag(partSize.min)}–${sizeFlag(partSize.max)} (default ${sizeFlag(partSize.default)});
                           an s3:// multipart object with a composite CRC comes in its upload's parts
  --concurrency <n>        parts fetched at once (default ${concurrency.default})
  --checkpoint <file|dir>  where progress is saved (default: <dest>.resumable.json); give status
                           and cancel the same --checkpoint
  --no-checkpoint          keep no progress on disk
  --no-verify              skip the comparison with what the store or server vouches for: its CRC,
                           else an MD5 or SHA (S3 ETag, uploader's metadata, Repr-Digest, Digest,
                           Content-MD5); "verified:" at the end says which was compared
  --recheck                on resume, re-read saved parts and re-fetch any that changed on disk
                           (with no checksum from the server, or --no-verify, no part CRC is
                           recorded: all are fetched again)
  --checksum <alg>=<hex>   the digest the file must have (md5, sha1, sha256, sha512; as a checksum
                           file gives it), compared before the file is published: a mismatch
                           publishes nothing and exits 1. One object, not - (stdout)
  --checksum-file <file>   the same, from a checksum file (SHA256SUMS, MD5SUMS, sha256sum --tag):
                           the line for the object's name, else for the destination file's name;
                           with a batch, each object's line by its path under <dir>
  --no-remote-time         give files the time they were written; by default a file gets the
                           object's Last-Modified as its modification time (as rclone, wget, aws s3)
  --limit-rate <rate>      total bandwidth cap, e.g. 50MiB/s; under a low cap fewer parts are
                           fetched at once than --concurrency, each at 64KiB/s or more (at most
                           rate ÷ 64KiB/s, at least 1): a server drops a connection starved longer
                           (nginx: 60 s without a write)
  --retries <n>            attempts without progress per part before giving up (default ${retries.default});
                           a server's Retry-After is honoured up to ${retryAfterMinutes} minutes a retry, so one
                           that keeps answering 503/429 holds a part (or the HEAD) at most
                           <n> × ${retryAfterMinutes} min (${retries.default * retryAfterMinutes} min by default); --outage-wait does not apply
  --stall-timeout <s>      seconds without a byte before a request is retried (default ${stallTimeoutMs.default / 1000})
  --outage-wait <s>        seconds a store that stopped answering (no connection, no answer in time,
                           after --retries) is waited for, asked now and then (default ${OUTAGE_WAIT_SECONDS.default}); at
                           its first answer the download resumes from its checkpoint. 0, or a store
                           that never answered in this run: fail at once. In a batch its objects
                           are put aside, one tried now and then, all resumed at its first answer
  --on-change <policy>     if the object changes during a run: restart (default) or fail (the
                           partial download is discarded, exit 1); a change between runs always
                           discards the checkpoint and starts over
  --force, -f              overwrite an existing destination
  --quiet, -q              print nothing but errors
  --json                   one JSON event per line on stdout (on stderr with -; progress at most
                           every 0.5 s)
  --endpoint <url>         store endpoint (OSS: https://oss-cn-hangzhou.aliyuncs.com, else
                           OSS_ENDPOINT; S3: else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, then the
                           profile's services s3 endpoint_url or endpoint_url in ~/.aws/config)
  --region <id>            region (OSS: cn-hangzhou, else OSS_REGION, ALIBABA_CLOUD_REGION_ID or the
                           aliyun CLI profile's region_id; S3: us-east-1)
  --version-id <id>        download a specific object version
  --range <first>-<last>   only bytes first..last (inclusive; <first>- for the rest of the object),
                           resumable; verified by byte count and ETag (If-Match) only: the store's
                           CRC covers the whole object and cannot be checked against a range
  --transport <name>       ali-oss (default for oss://) or fetch
  --path-style             path-style S3 requests (automatic for an IP or localhost endpoint)
  --cname                  oss:// only: --endpoint is a custom domain bound to the bucket (needed
                           where OSS refuses its default public endpoints: accounts opened since
                           2025-03-20 in mainland China); give --region too
  --no-sign-request        unsigned requests to a public bucket, no credentials (s3://, oss://)
  --request-payer          accept a requester-pays bucket's charges (x-amz-/x-oss-request-payer);
                           also for an OSS presigned https:// URL signed with that header
  --sse-c-key-file <path>  s3:// object stored with SSE-C: file with the 32-byte key (raw or base64);
                           or set RESUMABLE_SSE_C_KEY (base64). Never a flag value; never printed
  --traffic-limit <rate>   oss:// only: OSS's per-connection cap (x-oss-traffic-limit),
                           100KiB/s–100MiB/s per part, e.g. 10MiB/s
  --header <Name: value>   an extra request header for http(s):// sources, as curl -H (repeatable;
                           e.g. 'Accept: application/octet-stream'); not Range, If-*, Host or
                           Accept-Encoding, which resumable sends itself. A credential (a name with
                           auth, token, key, cookie, session, …) is refused here: use --header-file
  --header-file <file>     more headers, one "Name: value" per line (# comments), credentials
                           included (Authorization: Bearer …); never printed. A redirect to another
                           origin drops every credential (Authorization, Cookie, Private-Token,
                           X-Api-Key, …; as curl drops Authorization); other headers follow it
  --netrc                  http(s):// sources: HTTP Basic user and password from $NETRC or ~/.netrc
                           (as curl --netrc), by the URL's host, else its default entry; https or
                           loopback only; to the URL's origin only (as curl); never printed
  --netrc-file <file>      the same from <file>
  --wire <name>            HTTP client of the fetch transports: node (HTTP/1.1 on sockets, default on Node) or fetch
                           Proxies: http_proxy, https_proxy, all_proxy, no_proxy (or upper case), as curl
  --help, -h  --version, -V

Batches (--recursive or --manifest; rerun the same command to continue after Ctrl-C or kill -9):
  --recursive, -r          the source is a prefix: oss://b/logs and oss://b/logs/ both mean logs/;
                           logs/a/b.txt is saved as <dir>/a/b.txt (as aws s3 cp --recursive)
  --manifest <file>        one source per line (oss://, s3://, https://), or NDJSON lines
                           {"source": "...", "dest": "relative/path"}, optionally with "size",
                           "etag" and "lastModified" (an inventory's columns) and one of "md5",
                           "sha1", "sha256", "sha512" (checked as --checksum); # comments.
                           --manifest - reads the list from standard input (as wget -i -)
  --include <glob>         keep keys matching <glob>; --exclude <glob> drops them. Globs match the
  --exclude <glob>         key relative to the prefix (* also crosses /, ?, [a-z]); all apply in
                           order, the last match wins (as aws-cli); a key none matches is kept
                           unless an --include is given (--include '*.csv' alone: only CSV files);
                           a key left out still counts for collisions (report.csv beside Report.csv)
  --shard <i/N>            download only the keys with fnv1a64(key) mod N = i (0-based); auto/N
                           takes i from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); the
                           shards of one split may write one directory at the same time
  --skip-existing          skip a file already at the destination with the object's size and CRC
  --update                 replace a destination file only if the object is newer or another size
  --fail-fast              stop at the first failed object (default: keep going, exit 1 at the end)
  --dry-run                list what would be fetched and where, and the part state of objects
                           no longer listed a real run would remove; touch nothing
  --concurrency <n>        requests in flight for the whole batch, objects and parts (default 16)
  --force, -f              replace existing destination files, and fetch again an object done
                           earlier that changed in the store since (else skipped: done-but-changed)
  --part-size, --retries, --stall-timeout, --no-verify, --recheck, --no-remote-time and
  --on-change apply to every object; --limit-rate caps the whole batch (every object in flight
  shares it). --checksum-file checks each object its lines name by path under <dir>
  (./2026/a.bin or 2026/a.bin), the others as without it, and says at the end which lines
  named no listed object. --range, --version-id, --checksum, --checkpoint, --no-checkpoint,
  --content-disposition and - apply to one object: refused (exit 2).
  The listing is signed (or not, --no-sign-request) and paid for (--request-payer) as the GETs,
  and retried (--retries, --stall-timeout) like them.
  Keys that would leave <dir> (.., absolute, \\, control characters, empty segments, a/ and a/b,
  names over 235 bytes, case-only twins, resumable's own file names) are refused by name.
  status <dir> and cancel <dir> act on the batch (--checkpoint is refused there): cancel removes
  the journal, partial files and checkpoints, never a completed file. Only files resumable
  provably wrote count: a checkpoint that decodes, a lock that parses, a partial file beside one
  of those or named by the batch's records; others merely named so are kept and listed. oss:// batches use the fetch transport unless --transport.

Credentials: oss:// reads OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN, else
ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN, else a
RAM role assumed with an OIDC token (RRSA): ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN,
ALIBABA_CLOUD_OIDC_TOKEN_FILE (ALIBABA_CLOUD_ROLE_SESSION_NAME, ALIBABA_CLOUD_STS_ENDPOINT or
ALIBABA_CLOUD_STS_REGION), else a profile of ~/.aliyun/config.json (aliyun configure) or of
~/.alibabacloud/credentials (ALIBABA_CLOUD_PROFILE, ALIBABA_CLOUD_CREDENTIALS_FILE), else on an ECS
instance the RAM role named by ALIBABA_CLOUD_ECS_METADATA (ALIBABA_CLOUD_ECS_METADATA_DISABLED,
ALIBABA_CLOUD_IMDSV1_DISABLED: true or 1), else ALIBABA_CLOUD_CREDENTIALS_URI.
s3:// reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN first, then the profile
AWS_PROFILE (default "default") of ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE,
AWS_CONFIG_FILE): keys, credential_process, SSO, assumed roles; region from the profile too;
then the machine's AWS role: web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN), container
credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI), EC2 instance metadata
(AWS_EC2_METADATA_DISABLED=true skips it). AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, or the
profile's ignore_configured_endpoint_urls = true, leaves only --endpoint.

Exit codes: 0 done (cancel: something was removed), 1 failed (progress kept when still valid;
the message says when it was discarded, e.g. the object changed: the next run starts over; a
batch: some objects failed, each named with its store Code and RequestId), 2 bad usage (nothing
touched), 3 cancel found nothing to remove, 75 another live process is downloading to <dest>
(nothing touched), 130 interrupted (Ctrl-C, SIGTERM, or stdout / stderr closed by its reader;
progress saved: run the same command again to resume).
With --json, stdout carries one JSON event per line (see the README). One object's output ends in
"done", "paused" (interrupted: rerun to resume) or "error"; a batch's in "batch-done",
"batch-paused" (interrupted: rerun to continue) or "error" (it could not run); a --dry-run's in
"dry-run-done" (or "error").
`
