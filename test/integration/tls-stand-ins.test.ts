/**
 * The sidecar-TLS stand-ins against the real API server (SPEC §8): the cert-manager `Certificate`
 * stand-in CRD, the issuer stand-in turning a Certificate into a `kubernetes.io/tls` Secret with a
 * real certificate, and the kube-rbac-proxy TLS stand-in serving that Secret by SNI in front of the
 * plaintext sidecar simulator — reached through the real sidecar client factory, which pins each
 * node's CA and pod DNS name.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../controller/kube/client';
import { Resources } from '../../controller/kube/resources';
import type { KubeObject } from '../../controller/kube/types';
import { SidecarError } from '../../controller/sidecar/client';
import { HttpSidecarClientFactory } from '../../controller/sidecar/factory';
import { closeSidecarDispatchers } from '../../controller/sidecar/http-client';
import { NO_TOKEN } from '../../controller/sidecar/token';
import {
  CERT_MANAGER_ANNOTATIONS,
  CertIssuerStandIn,
  type CertificateObject,
  type CertificateSpec,
} from '../support/cert-issuer-stand-in';
import { CERTIFICATE_CRD, CERTIFICATE_RESOURCE } from '../support/cert-manager-crd';
import { installCrds } from '../support/control-plane/index';
import { adminClient, ensureNamespace, eventually } from '../support/controller-harness';
import { SidecarSimulator, type SimulatorHandle } from '../support/sidecar-simulator';
import { nodeServerName, TlsProxyStandIn } from '../support/tls-proxy-stand-in';

const NS = 'tls-stand-ins';
const ID = '6f1c1b7e-2f0a-5c3b-9d4e-1a2b3c4d5e6f';

type Secret = KubeObject & { type?: string; data?: Record<string, string> };

let admin: KubeClient;
let issuer: CertIssuerStandIn;
let sim: SidecarSimulator;
let handle: SimulatorHandle;
let proxy: TlsProxyStandIn;
let factory: HttpSidecarClientFactory;

beforeAll(async () => {
  admin = adminClient();
  expect(await installCrds(admin.kubeConfig, [CERTIFICATE_CRD])).toEqual(['certificates.cert-manager.io']);
  await ensureNamespace(admin, NS);
  issuer = new CertIssuerStandIn(admin, { namespace: NS, delayMs: 300, pollMs: 100 }).start();
  sim = new SidecarSimulator();
  handle = await sim.start();
  proxy = await new TlsProxyStandIn(admin, { upstream: handle.port, namespace: NS }).start();
  factory = new HttpSidecarClientFactory({
    tokenSource: NO_TOKEN,
    urlTemplate: handle.urlTemplate,
    tlsUrlTemplate: proxy.tlsUrlTemplate,
  });
});

afterAll(async () => {
  await closeSidecarDispatchers();
  await proxy?.stop();
  await handle?.stop();
  await issuer?.stop();
});

/** The Certificate the controller renders for a node (SPEC §8), with overrides. */
function certificate(node: string, spec: Partial<CertificateSpec> = {}): CertificateObject {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: `${node}-sidecar-tls`, namespace: NS },
    spec: {
      secretName: `${node}-sidecar-tls`,
      issuerRef: { name: 'issuer-a', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      dnsNames: [
        nodeServerName({ name: node, namespace: NS }),
        `${node}.${NS}.svc`,
        `${node}.${NS}.svc.cluster.local`,
      ],
      duration: '2160h',
      renewBefore: '360h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['digital signature', 'key encipherment', 'server auth'],
      secretTemplate: { labels: { 'sei.io/node': node }, annotations: { 'sei.io/purpose': 'sidecar-tls' } },
      ...spec,
    },
  };
}

const readSecret = (node: string) =>
  admin.get<Secret>(Resources.Secret, { namespace: NS, name: `${node}-sidecar-tls` });
const pem = (secret: Secret, key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');

/** Waits for the node's Secret to hold a certificate from `issuerName` (other than `notSerial`). */
function issuedSecret(node: string, issuerName: string, notSerial?: string): Promise<Secret> {
  return eventually(`${node}: Secret from ${issuerName}`, async () => {
    const s = await readSecret(node);
    if (!s || pem(s, 'ca.crt') !== issuer.caFor(issuerName)) return undefined;
    if (notSerial && new X509Certificate(pem(s, 'tls.crt')).serialNumber === notSerial) return undefined;
    return s;
  });
}

describe('Certificate stand-in CRD', () => {
  it('accepts the Certificate the controller renders, and refuses an undeclared spec field', async () => {
    const dry = await admin.apply(CERTIFICATE_RESOURCE, certificate('dry'), { dryRun: 'All' });
    expect((dry as CertificateObject).spec?.issuerRef).toEqual({
      name: 'issuer-a',
      kind: 'ClusterIssuer',
      group: 'cert-manager.io',
    });
    const bad = certificate('dry');
    (bad.spec as Record<string, unknown>).dnsName = ['typo'];
    await expect(admin.apply(CERTIFICATE_RESOURCE, bad, { dryRun: 'All' })).rejects.toThrow(/dnsName/);
    const noIssuer = certificate('dry');
    delete noIssuer.spec?.issuerRef;
    await expect(admin.apply(CERTIFICATE_RESOURCE, noIssuer, { dryRun: 'All' })).rejects.toThrow(/issuerRef/);
  });
});

describe('CertIssuerStandIn', () => {
  it('turns a Certificate into a kubernetes.io/tls Secret with a real certificate from the issuer CA', async () => {
    const created = Date.now();
    await admin.apply(CERTIFICATE_RESOURCE, certificate('alpha'));
    expect(await readSecret('alpha')).toBeNull(); // issuance is asynchronous (delayMs)
    const secret = await issuedSecret('alpha', 'issuer-a');
    expect(Date.now() - created).toBeGreaterThanOrEqual(300);
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(secret.metadata?.labels?.['sei.io/node']).toBe('alpha');
    expect(secret.metadata?.annotations).toMatchObject({
      'sei.io/purpose': 'sidecar-tls',
      [CERT_MANAGER_ANNOTATIONS.certificateName]: 'alpha-sidecar-tls',
      [CERT_MANAGER_ANNOTATIONS.issuerName]: 'issuer-a',
      [CERT_MANAGER_ANNOTATIONS.issuerKind]: 'ClusterIssuer',
      [CERT_MANAGER_ANNOTATIONS.issuerGroup]: 'cert-manager.io',
    });
    const ca = new X509Certificate(issuer.caFor('issuer-a'));
    const leaf = new X509Certificate(pem(secret, 'tls.crt'));
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(new X509Certificate(issuer.caFor('issuer-b')).publicKey)).toBe(false);
    expect(leaf.subjectAltName).toBe(
      `DNS:alpha-0.alpha.${NS}.svc.cluster.local, DNS:alpha.${NS}.svc, DNS:alpha.${NS}.svc.cluster.local`,
    );
    expect(leaf.checkHost(nodeServerName({ name: 'alpha', namespace: NS }))).toBeDefined();
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(pem(secret, 'tls.key')).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    const cert = await eventually('alpha Ready', async () => {
      const c = await admin.get<CertificateObject>(CERTIFICATE_RESOURCE, {
        namespace: NS,
        name: 'alpha-sidecar-tls',
      });
      return c?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ? c : undefined;
    });
    expect(cert.status?.revision).toBe(1);
    expect(Date.parse(cert.status?.notAfter ?? '')).toBeGreaterThan(Date.now() + 89 * 86_400_000);
    expect(issuer.issuances('alpha-sidecar-tls')).toHaveLength(1);
  });

  it('stays pending while paused, and issues after resume', async () => {
    issuer.pause();
    try {
      await admin.apply(CERTIFICATE_RESOURCE, certificate('paused'));
      await new Promise((r) => setTimeout(r, 600));
      expect(await readSecret('paused')).toBeNull();
    } finally {
      issuer.resume();
    }
    await issuedSecret('paused', 'issuer-a');
  });

  it('re-issues from the new CA when the issuerRef changes, and when the Secret is deleted', async () => {
    await admin.apply(CERTIFICATE_RESOURCE, certificate('gamma'));
    const first = await issuedSecret('gamma', 'issuer-a');
    const firstSerial = new X509Certificate(pem(first, 'tls.crt')).serialNumber;
    await admin.apply(
      CERTIFICATE_RESOURCE,
      certificate('gamma', { issuerRef: { name: 'issuer-b', kind: 'Issuer' } }),
    );
    const second = await issuedSecret('gamma', 'issuer-b');
    const leaf = new X509Certificate(pem(second, 'tls.crt'));
    expect(leaf.serialNumber).not.toBe(firstSerial);
    expect(leaf.verify(new X509Certificate(issuer.caFor('issuer-b')).publicKey)).toBe(true);
    expect(second.metadata?.annotations?.[CERT_MANAGER_ANNOTATIONS.issuerKind]).toBe('Issuer');
    await admin.delete(Resources.Secret, { namespace: NS, name: 'gamma-sidecar-tls' });
    await issuedSecret('gamma', 'issuer-b', leaf.serialNumber);
    expect(issuer.issuances('gamma-sidecar-tls').map((i) => i.issuerName)).toEqual([
      'issuer-a',
      'issuer-b',
      'issuer-b',
    ]);
  });
});

describe('TlsProxyStandIn with issued Secrets', () => {
  it('serves the node certificate by SNI and forwards to the simulator; the client pins the issuer CA', async () => {
    await admin.apply(CERTIFICATE_RESOURCE, certificate('delta'));
    await issuedSecret('delta', 'issuer-a');
    const ref = { name: 'delta', namespace: NS };
    const client = factory.forNode({ ...ref, tls: { caPem: issuer.caFor('issuer-a') } });
    expect(client.baseUrl).toBe(`https://127.0.0.1:${proxy.port}/nodes/${NS}/delta`);
    expect(await client.healthz()).toBe(false);
    await client.submitTask({ id: ID, type: 'mark-ready' });
    expect(await client.healthz()).toBe(true);
    expect(proxy.handshakes(ref)).toBeGreaterThan(0);
    expect(proxy.requests(ref)).toBe(3);
    expect(sim.requests(`${NS}/delta`).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v0/healthz',
      'POST /v0/tasks',
      'GET /v0/healthz',
    ]);
  });

  it("a client pinned to another issuer's CA gets kind tls and reaches nothing", async () => {
    await admin.apply(CERTIFICATE_RESOURCE, certificate('epsilon'));
    await issuedSecret('epsilon', 'issuer-a');
    const ref = { name: 'epsilon', namespace: NS };
    const wrong = factory.forNode({ ...ref, tls: { caPem: issuer.caFor('issuer-b') } });
    const err = await wrong.healthz().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SidecarError);
    expect((err as SidecarError).kind).toBe('tls');
    expect(proxy.requests(ref)).toBe(0);
    expect(sim.requests(`${NS}/epsilon`)).toEqual([]);
  });

  it('follows a re-issue: after the issuer changes, only the new CA is trusted on new connections', async () => {
    await admin.apply(CERTIFICATE_RESOURCE, certificate('zeta'));
    await issuedSecret('zeta', 'issuer-a');
    const ref = { name: 'zeta', namespace: NS };
    const oldPin = factory.forNode({ ...ref, tls: { caPem: issuer.caFor('issuer-a') } });
    expect(await oldPin.healthz()).toBe(false);
    await admin.apply(
      CERTIFICATE_RESOURCE,
      certificate('zeta', { issuerRef: { name: 'issuer-b', kind: 'ClusterIssuer' } }),
    );
    await issuedSecret('zeta', 'issuer-b');
    proxy.dropConnections(); // the pod cycles with the new certificate
    const err = await oldPin.healthz().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as SidecarError).kind).toBe('tls');
    const newPin = factory.forNode({ ...ref, tls: { caPem: issuer.caFor('issuer-b') } });
    expect(await newPin.healthz()).toBe(false);
  });

  it('fails the handshake for a node without a Secret (unreachable, not a plaintext retry)', async () => {
    const ref = { name: 'nosecret', namespace: NS };
    const client = factory.forNode({ ...ref, tls: { caPem: issuer.caFor('issuer-a') } });
    const err = await client.healthz().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as SidecarError).kind).toBe('unreachable');
    expect(proxy.failedHandshakes(ref)).toBeGreaterThan(0);
    expect(sim.requests(`${NS}/nosecret`)).toEqual([]);
  });
});
