/**
 * Throw-away TLS material for sidecar TLS tests, made with the `openssl` CLI: a CA, a server
 * certificate for `127.0.0.1`/`localhost` signed by it, and an unrelated second CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM material of {@link makeTlsFixture}. */
export interface TlsFixture {
  /** CA that signed `cert`. */
  caPem: string;
  /** A CA that did not sign `cert`. */
  otherCaPem: string;
  /** Server private key. */
  key: string;
  /** Server certificate (SAN IP:127.0.0.1, DNS:localhost). */
  cert: string;
}

/**
 * Generates the fixture in a temp dir (removed afterwards).
 *
 * @returns the PEMs, or undefined when `openssl` is not installed.
 */
export function makeTlsFixture(): TlsFixture | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'sidecar-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    try {
      ssl('version');
    } catch {
      return undefined;
    }
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=sim-ca');
    ssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'other.key',
      '-out',
      'other.crt',
      '-days',
      '3650',
      '-subj',
      '/CN=other-ca',
    );
    ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
    writeFileSync(
      join(dir, 'ext'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
    );
    ssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '3650',
      '-extfile',
      'ext',
    );
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return {
      caPem: read('ca.crt'),
      otherCaPem: read('other.crt'),
      key: read('server.key'),
      cert: read('server.crt'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
