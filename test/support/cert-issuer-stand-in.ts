/**
 * A stand-in for cert-manager (which does not run here): it plays the cert-manager controller plus
 * one CA `Issuer`/`ClusterIssuer` per issuer name, so tests of the sidecar-TLS feature (SPEC §8)
 * get REAL X.509 material in the Secret a `Certificate` names — nothing else signs certificates in
 * the test environment.
 *
 * It is NOT cert-manager: no CertificateRequest/Order objects, no renewal (`renewBefore` is not
 * acted on; certificates last `spec.duration`, rounded up to whole days), no issuer objects (an
 * issuer "exists" as soon as a Certificate names it), issuer kind and group are recorded but the
 * CA is chosen by issuer name alone, and the subject is `CN=<commonName or first dnsName>`.
 * What it does model: the Secret's shape (`kubernetes.io/tls`, `tls.crt`/`tls.key`/`ca.crt`,
 * cert-manager's annotations, `spec.secretTemplate` labels and annotations), SANs from
 * `dnsNames`/`ipAddresses`/`uris`/`emailAddresses`, key algorithm/size/encoding, key usages,
 * asynchronous issuance (an optional delay), re-issuance when the issued-for spec changes (issuer
 * reference, names, key, usages, duration, Secret name) or the Secret is deleted or loses its
 * certificate or CA, and the `Ready` condition, `revision`, `notBefore`/`notAfter` in status.
 *
 * Certificates are made with the `openssl` CLI (a per-issuer ECDSA P-256 test CA created on first
 * use, kept in a temp dir removed by {@link CertIssuerStandIn.stop}). Polls (a handful of
 * Certificates per test).
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeClient } from '../../controller/kube/client';
import { Resources } from '../../controller/kube/resources';
import type { KubeObject } from '../../controller/kube/types';
import { CERTIFICATE_RESOURCE } from './cert-manager-crd';

const execFileAsync = promisify(execFile);

/** Field manager of the stand-in's writes. */
export const CERT_ISSUER_FIELD_MANAGER = 'cert-manager-stand-in';

/** Annotations cert-manager puts on the Secrets it writes. */
export const CERT_MANAGER_ANNOTATIONS = {
  certificateName: 'cert-manager.io/certificate-name',
  issuerName: 'cert-manager.io/issuer-name',
  issuerKind: 'cert-manager.io/issuer-kind',
  issuerGroup: 'cert-manager.io/issuer-group',
  altNames: 'cert-manager.io/alt-names',
  commonName: 'cert-manager.io/common-name',
  ipSans: 'cert-manager.io/ip-sans',
  uriSans: 'cert-manager.io/uri-sans',
} as const;

/**
 * Stand-in-private Secret annotation: a hash of the Certificate spec the certificate was issued for
 * (cert-manager keeps this in CertificateRequests, which the stand-in does not make).
 */
export const SPEC_HASH_ANNOTATION = 'cert-issuer-stand-in.test/spec-hash';

/** The `spec` of a cert-manager `Certificate`, as far as the stand-in reads it. */
export interface CertificateSpec {
  secretName?: string;
  issuerRef?: { name?: string; kind?: string; group?: string };
  commonName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  emailAddresses?: string[];
  duration?: string;
  renewBefore?: string;
  isCA?: boolean;
  usages?: string[];
  privateKey?: { algorithm?: string; encoding?: string; size?: number; rotationPolicy?: string };
  secretTemplate?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** A cert-manager `Certificate` object. */
export interface CertificateObject extends KubeObject {
  spec?: CertificateSpec;
  status?: {
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    revision?: number;
    notBefore?: string;
    notAfter?: string;
  };
}

/** Options of {@link CertIssuerStandIn}. */
export interface CertIssuerStandInOptions {
  /** Only act on Certificates in this namespace. */
  readonly namespace: string;
  /**
   * How long after the stand-in first sees that a Certificate needs a (new) certificate the Secret
   * is written (ms) — cert-manager issues asynchronously.
   * @default 0
   */
  readonly delayMs?: number;
  /** @default 200 */
  readonly pollMs?: number;
}

/** One issuance, for assertions. */
export interface CertIssuance {
  /** Certificate name. */
  readonly certificate: string;
  readonly secretName: string;
  readonly issuerName: string;
  readonly issuerKind: string;
  readonly dnsNames: readonly string[];
  /** Serial number (hex, upper case as `X509Certificate.serialNumber` gives it). */
  readonly serialNumber: string;
  /** The issued leaf certificate (PEM). */
  readonly certPem: string;
  /** `Date.now()` at issuance. */
  readonly at: number;
}

interface Desired {
  readonly certificate: string;
  readonly uid: string;
  readonly secretName: string;
  readonly issuerName: string;
  readonly issuerKind: string;
  readonly issuerGroup: string;
  readonly commonName: string;
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  readonly uris: string[];
  readonly emailAddresses: string[];
  readonly spec: CertificateSpec;
}

type SecretObject = KubeObject & { type?: string; data?: Record<string, string> };

const KEY_USAGE: Record<string, string> = {
  signing: 'digitalSignature',
  'digital signature': 'digitalSignature',
  'content commitment': 'nonRepudiation',
  'key encipherment': 'keyEncipherment',
  'key agreement': 'keyAgreement',
  'data encipherment': 'dataEncipherment',
  'cert sign': 'keyCertSign',
  'crl sign': 'cRLSign',
  'encipher only': 'encipherOnly',
  'decipher only': 'decipherOnly',
};
const EXT_KEY_USAGE: Record<string, string> = {
  any: 'anyExtendedKeyUsage',
  'server auth': 'serverAuth',
  'client auth': 'clientAuth',
  'code signing': 'codeSigning',
  'email protection': 'emailProtection',
  's/mime': 'emailProtection',
  'ipsec end system': 'ipsecEndSystem',
  'ipsec tunnel': 'ipsecTunnel',
  'ipsec user': 'ipsecUser',
  timestamping: 'timeStamping',
  'ocsp signing': 'OCSPSigning',
  'microsoft sgc': 'msSGC',
  'netscape sgc': 'nsSGC',
};
/** cert-manager's default `spec.usages`. */
const DEFAULT_USAGES = ['digital signature', 'key encipherment'];
/** cert-manager's default `spec.duration` (90 days). */
const DEFAULT_DURATION_S = 2160 * 3600;

/**
 * Plays cert-manager for `Certificate`s in one namespace (see the file comment for what is and is
 * not modelled). `start()` polls every `pollMs`; `sync()` runs one pass now; `pause()` stops
 * issuing (a slow or broken issuer) until `resume()`; `stop()` ends polling and deletes the CA keys.
 */
export class CertIssuerStandIn {
  private readonly dir = mkdtempSync(join(tmpdir(), 'cert-issuer-stand-in-'));
  private readonly cas = new Map<string, TestCertificateAuthority>();
  /** `<uid>|<fingerprint>` → when the need for a new certificate was first seen. */
  private readonly pending = new Map<string, number>();
  private readonly history: CertIssuance[] = [];
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private inflight: Promise<void> | undefined;
  private stopped = false;
  /** The last error of a background pass (API or openssl failure), for diagnostics. */
  lastError: Error | undefined;

  /**
   * @param admin - a client allowed to read Certificates and write Secrets and Certificate status.
   * @param opts - see {@link CertIssuerStandInOptions}.
   */
  constructor(
    private readonly admin: KubeClient,
    private readonly opts: CertIssuerStandInOptions,
  ) {}

  /** Starts polling. @returns this */
  start(): this {
    this.timer ??= setInterval(() => {
      if (!this.inflight) void this.sync().catch(() => {});
    }, this.opts.pollMs ?? 200);
    return this;
  }

  /** Stops polling, waits for a pass in flight and removes the temp dir (CA PEMs stay readable). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inflight?.catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops issuing (Certificates stay pending) until {@link resume}. */
  pause(): void {
    this.paused = true;
  }

  /** Resumes issuing after {@link pause}. */
  resume(): void {
    this.paused = false;
  }

  /**
   * The PEM certificate of the test CA that plays issuer `issuerName`, created on first use (the
   * same CA for an `Issuer` and a `ClusterIssuer` of that name). This is the `ca.crt` of every
   * Secret the issuer writes.
   *
   * @throws Error when `openssl` fails (e.g. is not installed) or the stand-in was stopped before
   *   this issuer's CA was made.
   */
  caFor(issuerName: string): string {
    return this.ca(issuerName).pem;
  }

  /**
   * Issuances so far, oldest first.
   *
   * @param certificate - only those of this Certificate name.
   */
  issuances(certificate?: string): CertIssuance[] {
    return this.history.filter((i) => certificate === undefined || i.certificate === certificate);
  }

  /**
   * One pass now (waits for a pass already running, then runs another): issues every Certificate
   * that needs it and whose delay has passed. Does nothing while paused or after {@link stop}.
   *
   * @throws Error when listing Certificates fails (a failure on one Certificate is recorded in
   *   {@link lastError} and the others are still handled).
   */
  async sync(): Promise<void> {
    while (this.inflight) await this.inflight.catch(() => {});
    if (this.paused || this.stopped) return;
    const run = this.pass();
    this.inflight = run;
    try {
      await run;
    } finally {
      if (this.inflight === run) this.inflight = undefined;
    }
  }

  private async pass(): Promise<void> {
    const { namespace } = this.opts;
    let list: CertificateObject[];
    try {
      list = (await this.admin.list<CertificateObject>(CERTIFICATE_RESOURCE, { namespace })).items;
    } catch (err) {
      this.lastError = err as Error;
      throw err;
    }
    const live = new Set<string>();
    for (const cert of list) {
      try {
        const desired = desiredOf(cert);
        if (!desired) continue;
        live.add(desired.uid);
        await this.reconcile(cert, desired);
      } catch (err) {
        this.lastError = err as Error;
      }
    }
    for (const key of this.pending.keys()) if (!live.has(key.split('|')[0] ?? '')) this.pending.delete(key);
  }

  private async reconcile(cert: CertificateObject, d: Desired): Promise<void> {
    const { namespace } = this.opts;
    const secret = await this.admin.get<SecretObject>(Resources.Secret, { namespace, name: d.secretName });
    const ca = this.ca(d.issuerName);
    const reason = reissueReason(secret, d, ca.pem);
    if (!reason) {
      this.pending.delete(`${d.uid}|${fingerprint(d)}`);
      await this.syncSecretMetadata(secret as SecretObject, d);
      return;
    }
    const key = `${d.uid}|${fingerprint(d)}`;
    const firstSeen = this.pending.get(key) ?? Date.now();
    this.pending.set(key, firstSeen);
    if (Date.now() - firstSeen < (this.opts.delayMs ?? 0)) {
      await this.writeStatus(cert, {
        ready: false,
        reason: secret ? 'Issuing' : 'DoesNotExist',
        message: reason,
      });
      return;
    }
    const issued = await ca.issue({ ...d.spec, commonName: d.commonName });
    const annotations: Record<string, string> = {
      ...d.spec.secretTemplate?.annotations,
      [CERT_MANAGER_ANNOTATIONS.certificateName]: d.certificate,
      [CERT_MANAGER_ANNOTATIONS.issuerName]: d.issuerName,
      [CERT_MANAGER_ANNOTATIONS.issuerKind]: d.issuerKind,
      [CERT_MANAGER_ANNOTATIONS.issuerGroup]: d.issuerGroup,
      [CERT_MANAGER_ANNOTATIONS.altNames]: d.dnsNames.join(','),
      [CERT_MANAGER_ANNOTATIONS.commonName]: d.commonName,
      [CERT_MANAGER_ANNOTATIONS.ipSans]: d.ipAddresses.join(','),
      [CERT_MANAGER_ANNOTATIONS.uriSans]: d.uris.join(','),
      [SPEC_HASH_ANNOTATION]: specHash(d),
    };
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    await this.admin.apply<SecretObject>(
      Resources.Secret,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: d.secretName,
          namespace,
          labels: { ...d.spec.secretTemplate?.labels, 'controller.cert-manager.io/fao': 'true' },
          annotations,
        },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': b64(issued.certPem), 'tls.key': b64(issued.keyPem), 'ca.crt': b64(ca.pem) },
      },
      { fieldManager: CERT_ISSUER_FIELD_MANAGER, force: true },
    );
    this.pending.delete(key);
    const x509 = new X509Certificate(issued.certPem);
    this.history.push({
      certificate: d.certificate,
      secretName: d.secretName,
      issuerName: d.issuerName,
      issuerKind: d.issuerKind,
      dnsNames: d.dnsNames,
      serialNumber: x509.serialNumber,
      certPem: issued.certPem,
      at: Date.now(),
    });
    await this.writeStatus(cert, {
      ready: true,
      reason: 'Ready',
      message: 'Certificate is up to date and has not expired',
      revision: (cert.status?.revision ?? 0) + 1,
      notBefore: new Date(x509.validFrom).toISOString(),
      notAfter: new Date(x509.validTo).toISOString(),
    });
  }

  /** Adds `secretTemplate` labels/annotations missing from an otherwise current Secret. */
  private async syncSecretMetadata(secret: SecretObject, d: Desired): Promise<void> {
    const tpl = d.spec.secretTemplate;
    const missing = (want: Record<string, string> | undefined, have: Record<string, string> | undefined) =>
      Object.entries(want ?? {}).some(([k, v]) => have?.[k] !== v);
    if (
      !missing(tpl?.labels, secret.metadata?.labels) &&
      !missing(tpl?.annotations, secret.metadata?.annotations)
    )
      return;
    await this.admin.patch(
      Resources.Secret,
      { namespace: this.opts.namespace, name: d.secretName },
      { metadata: { labels: tpl?.labels ?? {}, annotations: tpl?.annotations ?? {} } },
      { fieldManager: CERT_ISSUER_FIELD_MANAGER },
    );
  }

  /** Writes the `Ready` condition (and issuance fields) when it changes. */
  private async writeStatus(
    cert: CertificateObject,
    s: {
      ready: boolean;
      reason: string;
      message: string;
      revision?: number;
      notBefore?: string;
      notAfter?: string;
    },
  ): Promise<void> {
    const current = cert.status?.conditions?.find((c) => c.type === 'Ready');
    const status = s.ready ? 'True' : 'False';
    if (!s.ready && current?.status === status && current.reason === s.reason) return;
    const condition = {
      type: 'Ready',
      status,
      reason: s.reason,
      message: s.message,
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      observedGeneration: cert.metadata?.generation,
    };
    await this.admin.patch(
      CERTIFICATE_RESOURCE,
      { namespace: this.opts.namespace, name: cert.metadata?.name ?? '' },
      {
        status: {
          conditions: [condition],
          ...(s.revision !== undefined ? { revision: s.revision } : {}),
          ...(s.notBefore ? { notBefore: s.notBefore, notAfter: s.notAfter } : {}),
        },
      },
      { subresource: 'status', fieldManager: CERT_ISSUER_FIELD_MANAGER },
    );
  }

  /** The issuer's CA, created on first use. */
  private ca(issuerName: string): TestCertificateAuthority {
    let ca = this.cas.get(issuerName);
    if (ca) return ca;
    if (this.stopped) throw new Error(`CertIssuerStandIn stopped; no CA for issuer ${issuerName}`);
    ca = new TestCertificateAuthority(`${issuerName} test CA`, join(this.dir, `ca-${this.cas.size}`));
    this.cas.set(issuerName, ca);
    return ca;
  }
}

/** What to put in a leaf certificate (a subset of a `Certificate` spec). */
export interface LeafRequest {
  /** Subject CN. @default the first DNS name (none without DNS names) */
  commonName?: string | undefined;
  dnsNames?: readonly string[] | undefined;
  ipAddresses?: readonly string[] | undefined;
  uris?: readonly string[] | undefined;
  emailAddresses?: readonly string[] | undefined;
  /** Go duration (`2160h`), rounded up to whole days. @default 90 days */
  duration?: string | undefined;
  /** cert-manager key usages. @default ['digital signature', 'key encipherment'] */
  usages?: readonly string[] | undefined;
  isCA?: boolean | undefined;
  /** @default RSA 2048, PKCS#1 (cert-manager's default) */
  privateKey?: CertificateSpec['privateKey'];
}

/**
 * A throw-away certificate authority made with the `openssl` CLI (ECDSA P-256, 10 years, key in a
 * directory of its own): the CA behind one issuer of the {@link CertIssuerStandIn}, also usable
 * alone in unit tests.
 */
export class TestCertificateAuthority {
  /** The CA certificate (PEM): what a `ca.crt` holds. */
  readonly pem: string;
  private readonly dir: string;
  private readonly ownsDir: boolean;

  /**
   * Creates the CA (synchronously).
   *
   * @param commonName - subject CN of the CA certificate.
   * @param dir - a directory to create for the key. @default a new temp dir, removed by {@link dispose}
   * @throws Error when `openssl` fails or is not installed.
   */
  constructor(commonName: string, dir?: string) {
    this.ownsDir = dir === undefined;
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'test-ca-'));
    if (dir !== undefined) mkdirSync(dir, { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-days',
        '3650',
        '-subj',
        `/O=cert-issuer-stand-in/CN=${subjectValue(commonName)}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      { cwd: this.dir, stdio: 'pipe' },
    );
    this.pem = readFileSync(join(this.dir, 'ca.crt'), 'utf8');
  }

  /** Whether the `openssl` CLI can be run (tests skip without it). */
  static available(): boolean {
    try {
      execFileSync('openssl', ['version'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Signs a new leaf certificate with a fresh private key.
   *
   * @returns the certificate and key, PEM.
   * @throws Error when `openssl` fails (e.g. an invalid SAN).
   */
  async issue(req: LeafRequest): Promise<{ certPem: string; keyPem: string }> {
    const work = mkdtempSync(join(this.dir, 'leaf-'));
    const ssl = (...args: string[]) => execFileAsync('openssl', args, { cwd: work });
    try {
      const pk = req.privateKey ?? {};
      const algorithm = pk.algorithm ?? 'RSA';
      if (algorithm === 'ECDSA') {
        const curve = pk.size === 384 ? 'P-384' : pk.size === 521 ? 'P-521' : 'P-256';
        await ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-out', 'key.pem');
      } else if (algorithm === 'Ed25519') {
        await ssl('genpkey', '-algorithm', 'ED25519', '-out', 'key.pem');
      } else {
        await ssl(
          'genpkey',
          '-algorithm',
          'RSA',
          '-pkeyopt',
          `rsa_keygen_bits:${pk.size ?? 2048}`,
          '-out',
          'key.pem',
        );
      }
      // cert-manager's default encoding is PKCS#1 (RSA) / SEC1 (ECDSA); genpkey writes PKCS#8.
      if (pk.encoding !== 'PKCS8' && algorithm !== 'Ed25519') {
        await ssl('pkey', '-in', 'key.pem', '-traditional', '-out', 'tls.key');
      } else {
        await ssl('pkey', '-in', 'key.pem', '-out', 'tls.key');
      }
      const cn = req.commonName ?? req.dnsNames?.[0] ?? '';
      const subject = cn ? `/CN=${subjectValue(cn)}` : '/O=cert-issuer-stand-in';
      await ssl('req', '-new', '-key', 'tls.key', '-subj', subject, '-out', 'tls.csr');
      writeFileSync(join(work, 'ext'), extensions(req, cn !== ''));
      await ssl(
        'x509',
        '-req',
        '-in',
        'tls.csr',
        '-CA',
        join(this.dir, 'ca.crt'),
        '-CAkey',
        join(this.dir, 'ca.key'),
        '-set_serial',
        `0x${randomBytes(16)
          .toString('hex')
          .replace(/^[89a-f]/, '7')}`,
        '-days',
        String(Math.max(1, Math.ceil(durationSeconds(req.duration) / 86_400))),
        '-extfile',
        'ext',
        '-out',
        'tls.crt',
      );
      return {
        certPem: readFileSync(join(work, 'tls.crt'), 'utf8'),
        keyPem: readFileSync(join(work, 'tls.key'), 'utf8'),
      };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /** Removes the CA's key directory when the CA made it (the PEM stays readable). */
  dispose(): void {
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Escapes characters that are special in openssl's `-subj` syntax. */
function subjectValue(v: string): string {
  return v.replace(/[/\\=+,]/g, '_');
}

/** What the Certificate asks for, or undefined when it lacks a Secret name or issuer. */
function desiredOf(cert: CertificateObject): Desired | undefined {
  const spec = cert.spec ?? {};
  const name = cert.metadata?.name;
  const uid = cert.metadata?.uid;
  if (!name || !uid || !spec.secretName || !spec.issuerRef?.name) return undefined;
  const dnsNames = [...(spec.dnsNames ?? [])];
  return {
    certificate: name,
    uid,
    secretName: spec.secretName,
    issuerName: spec.issuerRef.name,
    issuerKind: spec.issuerRef.kind || 'Issuer',
    issuerGroup: spec.issuerRef.group || 'cert-manager.io',
    commonName: spec.commonName ?? dnsNames[0] ?? '',
    dnsNames,
    ipAddresses: [...(spec.ipAddresses ?? [])],
    uris: [...(spec.uris ?? [])],
    emailAddresses: [...(spec.emailAddresses ?? [])],
    spec,
  };
}

/** What the certificate depends on: a change means a new certificate. */
function fingerprint(d: Desired): string {
  return JSON.stringify([
    d.secretName,
    d.issuerName,
    d.issuerKind,
    d.issuerGroup,
    d.commonName,
    d.dnsNames,
    d.ipAddresses,
    d.uris,
    d.emailAddresses,
    d.spec.usages ?? null,
    d.spec.privateKey ?? null,
    d.spec.duration ?? null,
    d.spec.isCA ?? false,
  ]);
}

function specHash(d: Desired): string {
  return createHash('sha256').update(fingerprint(d)).digest('hex').slice(0, 16);
}

/** Why the Secret needs a new certificate (cert-manager's "issuing reason"), or undefined. */
function reissueReason(secret: SecretObject | null, d: Desired, caPem: string): string | undefined {
  if (!secret) return `Issuing certificate as Secret ${d.secretName} does not exist`;
  const data = secret.data ?? {};
  if (!data['tls.crt'] || !data['tls.key'])
    return 'Issuing certificate as Secret does not contain a certificate';
  const a = secret.metadata?.annotations ?? {};
  if (Buffer.from(data['ca.crt'] ?? '', 'base64').toString('utf8') !== caPem)
    return 'Issuing certificate as Secret was previously issued by a different issuer';
  if (
    a[CERT_MANAGER_ANNOTATIONS.issuerName] !== d.issuerName ||
    a[CERT_MANAGER_ANNOTATIONS.issuerKind] !== d.issuerKind ||
    a[CERT_MANAGER_ANNOTATIONS.issuerGroup] !== d.issuerGroup
  )
    return 'Issuing certificate as Secret was previously issued by a different issuer';
  if (a[CERT_MANAGER_ANNOTATIONS.certificateName] !== d.certificate)
    return 'Issuing certificate as Secret belongs to another Certificate';
  if (
    a[CERT_MANAGER_ANNOTATIONS.altNames] !== d.dnsNames.join(',') ||
    a[CERT_MANAGER_ANNOTATIONS.commonName] !== d.commonName ||
    a[CERT_MANAGER_ANNOTATIONS.ipSans] !== d.ipAddresses.join(',') ||
    a[CERT_MANAGER_ANNOTATIONS.uriSans] !== d.uris.join(',')
  )
    return 'Issuing certificate as Secret does not match the requested names';
  if (a[SPEC_HASH_ANNOTATION] !== specHash(d))
    return 'Issuing certificate as the Certificate spec changed since it was issued';
  return undefined;
}

/** The openssl `-extfile` of a leaf certificate (SANs are critical when the subject is empty). */
function extensions(req: LeafRequest, hasSubject: boolean): string {
  const sans = [
    ...(req.dnsNames ?? []).map((n) => `DNS:${n}`),
    ...(req.ipAddresses ?? []).map((n) => `IP:${n}`),
    ...(req.uris ?? []).map((n) => `URI:${n}`),
    ...(req.emailAddresses ?? []).map((n) => `email:${n}`),
  ];
  const usages = req.usages?.length ? req.usages : DEFAULT_USAGES;
  const ku = new Set(usages.map((u) => KEY_USAGE[u]).filter((u): u is string => !!u));
  if (req.isCA) ku.add('keyCertSign');
  const eku = new Set(usages.map((u) => EXT_KEY_USAGE[u]).filter((u): u is string => !!u));
  return [
    ...(sans.length ? [`subjectAltName=${hasSubject ? '' : 'critical,'}${sans.join(',')}`] : []),
    `basicConstraints=critical,CA:${req.isCA ? 'TRUE' : 'FALSE'}`,
    ...(ku.size ? [`keyUsage=critical,${[...ku].join(',')}`] : []),
    ...(eku.size ? [`extendedKeyUsage=${[...eku].join(',')}`] : []),
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid',
    '',
  ].join('\n');
}

/**
 * Seconds of a Go duration string (`2160h`, `1h30m`, `90s`, `1.5h`).
 * @returns 90 days for an absent or unparsable value (cert-manager's default).
 */
function durationSeconds(text: string | undefined): number {
  if (!text) return DEFAULT_DURATION_S;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  let rest = text;
  for (;;) {
    const m = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    if (!m) break;
    total += Number(m[1]) * (unit[m[2] as string] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return rest === '' && total > 0 ? total : DEFAULT_DURATION_S;
}
