import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A throwaway certificate for 127.0.0.1, PEM text, made by the system's `openssl`. */
export interface SelfSigned {
  readonly key: string
  readonly cert: string
}

/**
 * Makes a self-signed certificate for 127.0.0.1 with `openssl req -x509` (its own subject as
 * issuer, one day), or undefined when openssl is missing. `ipSan` adds subjectAltName=IP:127.0.0.1,
 * which a client that verifies the certificate needs.
 */
export function selfSigned(options: { readonly ipSan?: boolean } = {}): SelfSigned | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'resumable-tls-'))
  try {
    const san = options.ipSan ? ['-addext', 'subjectAltName=IP:127.0.0.1'] : []
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        ...san,
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    )
    return { key: readFileSync(key, 'latin1'), cert: readFileSync(cert, 'latin1') }
  } catch {
    return undefined
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
