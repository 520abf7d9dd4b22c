/**
 * Unit tests of the sidecar-TLS stand-ins (no API server: the proxy reads Secrets from an in-memory
 * fake): the openssl test CA, and the kube-rbac-proxy TLS stand-in in front of the plaintext
 * sidecar simulator, driven by the real sidecar client factory — SNI picks the node, the client
 * pins the node's CA and its pod DNS name, and a refusal is kind `tls` with nothing forwarded.
 */
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../controller/kube/client';
import type { ObjectRef, ResourceDescriptor } from '../../controller/kube/resources';
import type { KubeObject } from '../../controller/kube/types';
import { SidecarError, type SidecarErrorKind } from '../../controller/sidecar/client';
import { HttpSidecarClientFactory } from '../../controller/sidecar/factory';
import { closeSidecarDispatchers, HttpSidecarClient } from '../../controller/sidecar/http-client';
import { NO_TOKEN, staticTokenSource } from '../../controller/sidecar/token';
import { TestCertificateAuthority } from './cert-issuer-stand-in';
import { SidecarSimulator, type SimulatorHandle } from './sidecar-simulator';
import { nodeServerName, TlsProxyStandIn } from './tls-proxy-stand-in';

const haveOpenssl = TestCertificateAuthority.available();
const NS = 'tls-unit';
const ID = '6f1c1b7e-2f0a-5c3b-9d4e-1a2b3c4d5e6f';

async function expectKind(
  p: Promise<unknown>,
  kind: SidecarErrorKind,
  message?: RegExp,
): Promise<SidecarError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SidecarError);
  const se = err as SidecarError;
  expect(se.kind, se.message).toBe(kind);
  if (message) expect(se.message).toMatch(message);
  return se;
}

/** The part of `KubeClient` the proxy stand-in uses, over an in-memory Secret store. */
class FakeSecrets {
  private readonly secrets = new Map<string, KubeObject>();
  private rv = 1;
  gets = 0;
  readonly client = {
    get: async (_resource: ResourceDescriptor, ref: ObjectRef) => {
      this.gets++;
      return this.secrets.get(`${ref.namespace}/${ref.name}`) ?? null;
    },
  } as unknown as KubeClient;

  /** Writes `<name>-sidecar-tls` like cert-manager would. */
  put(name: string, cert: { certPem: string; keyPem: string }, caPem: string): void {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    this.secrets.set(`${NS}/${name}-sidecar-tls`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${name}-sidecar-tls`, namespace: NS, resourceVersion: String(++this.rv) },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64(cert.certPem), 'tls.key': b64(cert.keyPem), 'ca.crt': b64(caPem) },
    });
  }

  delete(name: string): void {
    this.secrets.delete(`${NS}/${name}-sidecar-tls`);
  }
}

describe.skipIf(!haveOpenssl)('TestCertificateAuthority', () => {
  let ca: TestCertificateAuthority;
  let other: TestCertificateAuthority;
  beforeAll(() => {
    ca = new TestCertificateAuthority('unit CA');
    other = new TestCertificateAuthority('other CA');
  });
  afterAll(() => {
    ca?.dispose();
    other?.dispose();
  });

  it('makes a CA certificate', () => {
    const x = new X509Certificate(ca.pem);
    expect(x.ca).toBe(true);
    expect(x.subject).toContain('CN=unit CA');
    expect(x.checkIssued(x)).toBe(true);
    expect(ca.pem).not.toBe(other.pem);
  });

  it('signs a server certificate with the requested SANs, key and usages', async () => {
    const leaf = await ca.issue({
      dnsNames: ['a-0.a.ns.svc.cluster.local', 'a.ns.svc'],
      ipAddresses: ['127.0.0.1'],
      usages: ['digital signature', 'key encipherment', 'server auth'],
      duration: '48h',
      privateKey: { algorithm: 'ECDSA', size: 256 },
    });
    const x = new X509Certificate(leaf.certPem);
    expect(x.ca).toBe(false);
    expect(x.subject).toBe('CN=a-0.a.ns.svc.cluster.local');
    expect(x.subjectAltName).toBe('DNS:a-0.a.ns.svc.cluster.local, DNS:a.ns.svc, IP Address:127.0.0.1');
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(x.checkIssued(new X509Certificate(ca.pem))).toBe(true);
    expect(x.verify(new X509Certificate(ca.pem).publicKey)).toBe(true);
    expect(x.verify(new X509Certificate(other.pem).publicKey)).toBe(false);
    expect(x.checkPrivateKey((await import('node:crypto')).createPrivateKey(leaf.keyPem))).toBe(true);
    expect(x.checkHost('a-0.a.ns.svc.cluster.local')).toBe('a-0.a.ns.svc.cluster.local');
    expect(x.checkHost('b-0.b.ns.svc.cluster.local')).toBeUndefined();
    const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
    expect(days).toBe(2);
    expect(leaf.keyPem).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
  });

  it("follows cert-manager's key defaults (RSA 2048, PKCS#1) and encodings", async () => {
    const rsa = await ca.issue({ dnsNames: ['x.example'] });
    expect(rsa.keyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    const x = new X509Certificate(rsa.certPem);
    expect(x.publicKey.asymmetricKeyType).toBe('rsa');
    expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(Math.round((Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000)).toBe(90);
    const pkcs8 = await ca.issue({
      dnsNames: ['x.example'],
      privateKey: { algorithm: 'ECDSA', encoding: 'PKCS8' },
    });
    expect(pkcs8.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const ed = await ca.issue({ dnsNames: ['x.example'], privateKey: { algorithm: 'Ed25519' } });
    expect(new X509Certificate(ed.certPem).publicKey.asymmetricKeyType).toBe('ed25519');
  });
});

describe('nodeServerName', () => {
  it('accepts {namespace, name}, "namespace/name" or a server name', () => {
    expect(nodeServerName({ namespace: 'ns', name: 'n' })).toBe('n-0.n.ns.svc.cluster.local');
    expect(nodeServerName('ns/n')).toBe('n-0.n.ns.svc.cluster.local');
    expect(nodeServerName('n-0.n.ns.svc.cluster.local')).toBe('n-0.n.ns.svc.cluster.local');
    expect(() => nodeServerName('nope')).toThrow(/not a node reference/);
  });
});

describe.skipIf(!haveOpenssl)('TlsProxyStandIn in front of the sidecar simulator', () => {
  const secrets = new FakeSecrets();
  const sim = new SidecarSimulator();
  let handle: SimulatorHandle;
  let proxy: TlsProxyStandIn;
  let issuerA: TestCertificateAuthority;
  let issuerB: TestCertificateAuthority;
  let factory: HttpSidecarClientFactory;
  let seq = 0;

  beforeAll(async () => {
    handle = await sim.start();
    proxy = await new TlsProxyStandIn(secrets.client, { upstream: handle.port }).start();
    issuerA = new TestCertificateAuthority('issuer-a');
    issuerB = new TestCertificateAuthority('issuer-b');
    factory = new HttpSidecarClientFactory({
      tokenSource: staticTokenSource('tkn'),
      urlTemplate: handle.urlTemplate,
      tlsUrlTemplate: proxy.tlsUrlTemplate,
    });
  });
  afterAll(async () => {
    await closeSidecarDispatchers();
    await proxy?.stop();
    await handle?.stop();
    issuerA?.dispose();
    issuerB?.dispose();
  });
  afterEach(() => sim.setToken(undefined));

  /** A fresh node with a certificate for its pod DNS name from `ca`. */
  async function node(ca: TestCertificateAuthority, dnsName?: string) {
    const name = `n${++seq}`;
    const ref = { name, namespace: NS };
    const cert = await ca.issue({
      dnsNames: [dnsName ?? nodeServerName(ref)],
      privateKey: { algorithm: 'ECDSA' },
    });
    secrets.put(name, cert, ca.pem);
    return { name, ref, key: `${NS}/${name}` };
  }

  it('exposes the TLS URL template and listens on 127.0.0.1', () => {
    expect(proxy.tlsUrlTemplate).toBe(`https://127.0.0.1:${proxy.port}/nodes/{namespace}/{name}`);
    expect(() => new TlsProxyStandIn(secrets.client, { upstream: 'http://example.com:1' })).toThrow(
      /upstream/,
    );
  });

  it('serves the node certificate chosen by SNI and forwards method, path, headers and body', async () => {
    const n = await node(issuerA);
    const client = factory.forNode({ ...n.ref, tls: { caPem: issuerA.pem } });
    expect(client.baseUrl).toBe(`https://127.0.0.1:${proxy.port}/nodes/${NS}/${n.name}`);
    expect(await client.healthz()).toBe(false);
    await client.submitTask({ id: ID, type: 'mark-ready', params: { a: 1 } });
    expect(await client.getTask(ID)).toMatchObject({ id: ID, type: 'mark-ready', status: 'completed' });
    expect(await client.healthz()).toBe(true);
    const post = sim.requests(n.key).find((r) => r.method === 'POST');
    expect(post?.rawPath).toBe(`/nodes/${NS}/${n.name}/v0/tasks`);
    expect(post?.body).toBe(`{"id":"${ID}","type":"mark-ready","params":{"a":1}}`);
    expect(post?.headers.authorization).toBe('Bearer tkn');
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.headers['user-agent']).toBe('sei-k8s-controller');
    expect(proxy.handshakes(n.ref)).toBeGreaterThanOrEqual(1); // kept-alive connections: 1, maybe 2
    expect(proxy.handshakes(n.ref)).toBeLessThanOrEqual(2);
    expect(proxy.requests(n.ref)).toBe(4);
    expect(proxy.requests(n.key)).toBe(4);
    expect(proxy.requests(nodeServerName(n.ref))).toBe(4);
  });

  it('returns the simulator answers unchanged (statuses, errors, auth)', async () => {
    const n = await node(issuerA);
    const client = factory.forNode({ ...n.ref, tls: { caPem: issuerA.pem } });
    await expectKind(client.submitTask({ id: ID, type: 'no-such-task' }), 'rejected', /unknown task type/);
    expect(await client.getTask('6f1c1b7e-2f0a-5c3b-9d4e-ffffffffffff')).toBeNull();
    sim.inject(n.key, { kind: 'status', status: 503, path: '/v0/node-id', times: 1, body: 'busy' });
    const err = await expectKind(client.getNodeId(), 'http', /HTTP 503: busy/);
    expect(err.statusCode).toBe(503);
    sim.setToken('other');
    await expectKind(client.listTasks(), 'unauthorized');
  });

  it('mirrors a dropped simulator connection as a dropped client connection', async () => {
    const n = await node(issuerA);
    const client = factory.forNode({ ...n.ref, tls: { caPem: issuerA.pem } });
    sim.inject(n.key, { kind: 'drop', path: '/v0/healthz' });
    await expectKind(client.healthz(), 'unreachable');
  });

  it('a client pinned to another issuer CA gets kind tls, and nothing reaches the sidecar', async () => {
    const n = await node(issuerA);
    const client = factory.forNode({ ...n.ref, tls: { caPem: issuerB.pem } });
    await expectKind(client.healthz(), 'tls', /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER/);
    await expectKind(client.submitTask({ id: ID, type: 'mark-ready' }), 'tls');
    // The client reached this node's listener by SNI, refused its certificate, sent nothing.
    expect(proxy.handshakes(n.ref) + proxy.failedHandshakes(n.ref)).toBeGreaterThan(0);
    expect(proxy.requests(n.ref)).toBe(0);
    expect(sim.requests(n.key)).toEqual([]);
  });

  it('a certificate for another pod name is refused (kind tls), though the CA is right', async () => {
    const n = await node(issuerA, 'someone-else-0.someone-else.tls-unit.svc.cluster.local');
    const client = factory.forNode({ ...n.ref, tls: { caPem: issuerA.pem } });
    await expectKind(client.healthz(), 'tls', /ERR_TLS_CERT_ALTNAME_INVALID/);
    expect(sim.requests(n.key)).toEqual([]);
  });

  it('a client that sends no SNI cannot handshake (kind tls)', async () => {
    const n = await node(issuerA);
    const before = proxy.failedHandshakes('');
    const client = new HttpSidecarClient({
      baseUrl: `https://127.0.0.1:${proxy.port}/nodes/${NS}/${n.name}`,
      tokenSource: NO_TOKEN,
      ca: issuerA.pem,
    });
    await expectKind(client.healthz(), 'tls');
    expect(proxy.failedHandshakes('')).toBeGreaterThan(before);
    expect(sim.requests(n.key)).toEqual([]);
  });

  it('fails the handshake while the Secret does not exist, and serves it once written', async () => {
    const name = `n${++seq}`;
    const ref = { name, namespace: NS };
    const client = factory.forNode({ ...ref, tls: { caPem: issuerA.pem } });
    await expectKind(client.healthz(), 'unreachable');
    expect(proxy.failedHandshakes(ref)).toBeGreaterThan(0);
    expect(proxy.lastError?.message).toMatch(/has no certificate/);
    secrets.put(
      name,
      await issuerA.issue({ dnsNames: [nodeServerName(ref)], privateKey: { algorithm: 'ECDSA' } }),
      issuerA.pem,
    );
    expect(await client.healthz()).toBe(false);
  });

  it('picks up a re-issued Secret (another issuer) on new connections', async () => {
    const n = await node(issuerA);
    const pinnedToA = factory.forNode({ ...n.ref, tls: { caPem: issuerA.pem } });
    expect(await pinnedToA.healthz()).toBe(false);
    const reads = secrets.gets;
    secrets.put(
      n.name,
      await issuerB.issue({ dnsNames: [nodeServerName(n.ref)], privateKey: { algorithm: 'ECDSA' } }),
      issuerB.pem,
    );
    proxy.dropConnections(); // the pod cycled: the next call handshakes again
    await expectKind(pinnedToA.healthz(), 'tls');
    const pinnedToB = factory.forNode({ ...n.ref, tls: { caPem: issuerB.pem } });
    expect(pinnedToB).not.toBe(pinnedToA);
    expect(await pinnedToB.healthz()).toBe(false);
    expect(secrets.gets).toBeGreaterThan(reads);
  });

  it('never resumes a TLS session: every connection verifies the certificate served now', async () => {
    const n = await node(issuerA);
    const connect = (session?: Buffer) =>
      new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
        const socket = tlsConnect({
          host: '127.0.0.1',
          port: proxy.port,
          servername: nodeServerName(n.ref),
          ca: issuerA.pem,
          ...(session ? { session } : {}),
        });
        let ticket: Buffer | undefined;
        socket.on('session', (s: Buffer) => {
          ticket = s;
        });
        socket.once('secureConnect', () => {
          const reused = socket.isSessionReused();
          // give a TLS 1.3 ticket (if any) time to arrive
          setTimeout(() => {
            socket.end();
            resolve({ reused, session: ticket ?? socket.getSession() });
          }, 50);
        });
        socket.once('error', reject);
      });
    const first = await connect();
    expect(first.reused).toBe(false);
    const second = await connect(first.session);
    expect(second.reused).toBe(false);
  });

  it('plaintext nodes keep talking to the simulator directly', async () => {
    const before = proxy.requests();
    const plain = factory.forNode({ name: `n${++seq}`, namespace: NS });
    expect(plain.baseUrl.startsWith(`http://127.0.0.1:${handle.port}/`)).toBe(true);
    expect(await plain.healthz()).toBe(false);
    expect(proxy.requests()).toBe(before);
  });

  it('resetCounts clears the counters', () => {
    proxy.resetCounts();
    expect([proxy.handshakes(), proxy.requests(), proxy.failedHandshakes()]).toEqual([0, 0, 0]);
  });
});
