/**
 * Sidecar TLS identity (SPEC §8): the client verifies the pod's in-cluster DNS name (sent as SNI)
 * against the node's CA, whatever host the URL uses; another CA or another name is a `tls` error,
 * never a plaintext retry. Real https servers on 127.0.0.1 with openssl-made certificates.
 */
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SidecarError, type SidecarErrorKind } from '../../../controller/sidecar/client.js';
import { HttpSidecarClientFactory } from '../../../controller/sidecar/factory.js';
import {
  closeSidecarDispatchers,
  HttpSidecarClient,
  sidecarDispatcher,
} from '../../../controller/sidecar/http-client.js';
import { NO_TOKEN } from '../../../controller/sidecar/token.js';
import { sidecarServerName } from '../../../controller/sidecar/url.js';
import { TestCertificateAuthority } from '../../support/cert-issuer-stand-in.js';

const NAME = 'val-0-x';
const NS = 'sni-test';
const SERVER_NAME = `${NAME}-0.${NAME}.${NS}.svc.cluster.local`;
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

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

describe('sidecarServerName', () => {
  it('is the pod DNS name behind the headless Service', () => {
    expect(sidecarServerName({ name: 'n1', namespace: 'ns' })).toBe('n1-0.n1.ns.svc.cluster.local');
    expect(() => sidecarServerName({ name: '', namespace: 'ns' })).toThrow(/name and namespace/);
  });
});

describe('HttpSidecarClient serverName option', () => {
  it('needs an https base URL and a non-empty name, and is exposed', () => {
    expect(
      () =>
        new HttpSidecarClient({ baseUrl: 'http://127.0.0.1:1', tokenSource: NO_TOKEN, serverName: 'a.b' }),
    ).toThrow(/needs an https base URL/);
    expect(
      () => new HttpSidecarClient({ baseUrl: 'https://127.0.0.1:1', tokenSource: NO_TOKEN, serverName: '' }),
    ).toThrow(/must not be empty/);
    const c = new HttpSidecarClient({
      baseUrl: 'https://127.0.0.1:1',
      tokenSource: NO_TOKEN,
      serverName: 'a.b',
    });
    expect(c.serverName).toBe('a.b');
    expect(
      new HttpSidecarClient({ baseUrl: 'https://127.0.0.1:1', tokenSource: NO_TOKEN }).serverName,
    ).toBeUndefined();
  });

  it('caches one dispatcher per (CA, server name)', () => {
    expect(sidecarDispatcher(CA_PEM, 'a.b')).toBe(sidecarDispatcher(CA_PEM, 'a.b'));
    expect(sidecarDispatcher(CA_PEM, 'a.b')).not.toBe(sidecarDispatcher(CA_PEM, 'c.d'));
    expect(sidecarDispatcher(CA_PEM, 'a.b')).not.toBe(sidecarDispatcher(CA_PEM));
    expect(sidecarDispatcher(`${CA_PEM}\n`, 'a.b')).not.toBe(sidecarDispatcher(CA_PEM, 'a.b'));
    expect(sidecarDispatcher(undefined, 'a.b')).not.toBe(sidecarDispatcher());
    expect(sidecarDispatcher()).toBe(sidecarDispatcher());
  });
});

const haveOpenssl = TestCertificateAuthority.available();

/**
 * An https server on 127.0.0.1 serving `cert`, recording the SNI of every handshake, every request,
 * and every plaintext-HTTP attempt (OpenSSL's "http request" handshake error), so a plaintext
 * fallback would be seen.
 */
async function tlsServer(cert: { certPem: string; keyPem: string }) {
  const record = { plainAttempts: 0, snis: [] as string[], requests: [] as string[] };
  const server = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    record.requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
  });
  server.on('secureConnection', (s: TLSSocket) =>
    record.snis.push(typeof s.servername === 'string' ? s.servername : ''),
  );
  server.on('tlsClientError', (err: Error & { code?: string }) => {
    if (/HTTP_REQUEST/.test(err.code ?? '')) record.plainAttempts++;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    record,
    async stop() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}

describe.skipIf(!haveOpenssl)('HttpSidecarClient TLS identity (real certificates)', () => {
  let ca: TestCertificateAuthority;
  let otherCa: TestCertificateAuthority;
  let server: Awaited<ReturnType<typeof tlsServer>>;
  beforeAll(async () => {
    ca = new TestCertificateAuthority('node CA');
    otherCa = new TestCertificateAuthority('other CA');
    // The certificate names only the pod DNS name (no 127.0.0.1, no localhost).
    const cert = await ca.issue({ dnsNames: [SERVER_NAME], privateKey: { algorithm: 'ECDSA' } });
    server = await tlsServer(cert);
  });
  afterAll(async () => {
    await server?.stop();
    ca?.dispose();
    otherCa?.dispose();
  });

  const url = (host = '127.0.0.1') => `https://${host}:${server.port}/nodes/${NS}/${NAME}`;

  it('sends the server name as SNI and verifies it, though the URL says 127.0.0.1', async () => {
    const client = new HttpSidecarClient({
      baseUrl: url(),
      tokenSource: NO_TOKEN,
      ca: ca.pem,
      serverName: SERVER_NAME,
    });
    expect(await client.healthz()).toBe(true);
    expect(server.record.snis).toContain(SERVER_NAME);
    expect(server.record.requests).toContain(`GET /nodes/${NS}/${NAME}/v0/healthz`);
  });

  it('verifies the server name, not the URL host, when the URL names a host (localhost)', async () => {
    const before = server.record.snis.length;
    const client = new HttpSidecarClient({
      baseUrl: url('localhost'),
      tokenSource: NO_TOKEN,
      ca: ca.pem,
      serverName: SERVER_NAME,
    });
    expect(await client.healthz()).toBe(true);
    expect(server.record.snis.slice(before)).toEqual([SERVER_NAME]);
    // Without the option the URL host is what gets verified, and the certificate does not name it.
    const byHost = new HttpSidecarClient({ baseUrl: url('localhost'), tokenSource: NO_TOKEN, ca: ca.pem });
    await expectKind(byHost.healthz(), 'tls', /ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('rejects a certificate for another name with kind tls, naming the expected server name', async () => {
    const other = 'other-0.other.sni-test.svc.cluster.local';
    const client = new HttpSidecarClient({
      baseUrl: url(),
      tokenSource: NO_TOKEN,
      ca: ca.pem,
      serverName: other,
    });
    await expectKind(
      client.healthz(),
      'tls',
      new RegExp(`ERR_TLS_CERT_ALTNAME_INVALID.*server name ${other}`),
    );
    const noName = new HttpSidecarClient({ baseUrl: url(), tokenSource: NO_TOKEN, ca: ca.pem });
    await expectKind(noName.healthz(), 'tls', /ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('rejects a certificate from another CA (or the system roots) with kind tls', async () => {
    const wrongCa = new HttpSidecarClient({
      baseUrl: url(),
      tokenSource: NO_TOKEN,
      ca: otherCa.pem,
      serverName: SERVER_NAME,
    });
    await expectKind(wrongCa.healthz(), 'tls', /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
    const systemRoots = new HttpSidecarClient({
      baseUrl: url(),
      tokenSource: NO_TOKEN,
      serverName: SERVER_NAME,
    });
    await expectKind(systemRoots.healthz(), 'tls');
  });

  it('never retries in plaintext after a TLS failure, on any call', async () => {
    // The detector works: a plaintext request to this port is seen.
    const probe = new HttpSidecarClient({
      baseUrl: `http://127.0.0.1:${server.port}`,
      tokenSource: NO_TOKEN,
    });
    await probe.healthz().catch(() => undefined);
    await vi.waitFor(() => expect(server.record.plainAttempts).toBeGreaterThan(0));
    const plainBefore = server.record.plainAttempts;
    const requestsBefore = server.record.requests.length;
    const client = new HttpSidecarClient({
      baseUrl: url(),
      tokenSource: NO_TOKEN,
      ca: otherCa.pem,
      serverName: SERVER_NAME,
    });
    await expectKind(client.healthz(), 'tls');
    await expectKind(
      client.submitTask({ id: '6f1c1b7e-2f0a-5c3b-9d4e-1a2b3c4d5e6f', type: 'mark-ready' }),
      'tls',
    );
    await expectKind(client.getTask('6f1c1b7e-2f0a-5c3b-9d4e-1a2b3c4d5e6f'), 'tls');
    await expectKind(client.listTasks(), 'tls');
    await expectKind(client.getNodeId(), 'tls');
    await new Promise((r) => setTimeout(r, 50));
    expect(server.record.plainAttempts).toBe(plainBefore);
    expect(server.record.requests.length).toBe(requestsBefore);
  });

  it('the factory pins TLS nodes to their pod DNS name and CA, through a tlsUrlTemplate', async () => {
    const factory = new HttpSidecarClientFactory({
      tokenSource: NO_TOKEN,
      urlTemplate: `http://127.0.0.1:${server.port}/nodes/{namespace}/{name}`,
      tlsUrlTemplate: `https://127.0.0.1:${server.port}/nodes/{namespace}/{name}`,
    });
    await closeSidecarDispatchers(); // no kept-alive connection from the tests above
    const before = server.record.snis.length;
    const good = factory.forNode({ name: NAME, namespace: NS, tls: { caPem: ca.pem } });
    expect(good.baseUrl).toBe(url());
    expect((good as HttpSidecarClient).serverName).toBe(SERVER_NAME);
    expect(await good.healthz()).toBe(true);
    expect(server.record.snis.slice(before)).toEqual([SERVER_NAME]);
    // The node's CA changed (another issuer): a new client, which refuses this server.
    const reissued = factory.forNode({ name: NAME, namespace: NS, tls: { caPem: otherCa.pem } });
    expect(reissued).not.toBe(good);
    await expectKind(reissued.healthz(), 'tls');
    // Another node reaching the same port verifies its own name, which this certificate lacks.
    await expectKind(factory.forNode({ name: 'b', namespace: NS, tls: { caPem: ca.pem } }).healthz(), 'tls');
    // The plaintext node goes through urlTemplate without TLS (and this https port refuses it).
    const plain = factory.forNode({ name: NAME, namespace: NS });
    expect(plain.baseUrl).toBe(`http://127.0.0.1:${server.port}/nodes/${NS}/${NAME}`);
    expect((plain as HttpSidecarClient).serverName).toBeUndefined();
  });
});

describe('HttpSidecarClientFactory TLS options', () => {
  it('defaults the TLS template to urlTemplate, so the in-cluster default becomes https', () => {
    const f = new HttpSidecarClientFactory({ tokenSource: NO_TOKEN });
    const c = f.forNode({ name: 'n', namespace: 's', tls: { caPem: CA_PEM } }) as HttpSidecarClient;
    expect(c.baseUrl).toBe('https://n-0.n.s.svc.cluster.local:8443');
    expect(c.serverName).toBe('n-0.n.s.svc.cluster.local');
    const custom = new HttpSidecarClientFactory({
      tokenSource: NO_TOKEN,
      urlTemplate: '{scheme}://gw.example:{port}/{namespace}/{name}',
      port: 9443,
    });
    const t = custom.forNode({ name: 'n', namespace: 's', tls: { caPem: CA_PEM } }) as HttpSidecarClient;
    expect(t.baseUrl).toBe('https://gw.example:9443/s/n');
    expect(t.serverName).toBe('n-0.n.s.svc.cluster.local');
  });

  it('uses tlsUrlTemplate only for TLS nodes, and refuses one that is not https', () => {
    const f = new HttpSidecarClientFactory({
      tokenSource: NO_TOKEN,
      urlTemplate: 'http://127.0.0.1:1/nodes/{namespace}/{name}',
      tlsUrlTemplate: 'https://127.0.0.1:2/nodes/{namespace}/{name}',
    });
    expect(f.forNode({ name: 'a', namespace: 'n' }).baseUrl).toBe('http://127.0.0.1:1/nodes/n/a');
    expect(f.forNode({ name: 'a', namespace: 'n', tls: { caPem: CA_PEM } }).baseUrl).toBe(
      'https://127.0.0.1:2/nodes/n/a',
    );
    const bad = new HttpSidecarClientFactory({
      tokenSource: NO_TOKEN,
      tlsUrlTemplate: 'http://h/{namespace}/{name}',
    });
    expect(() => bad.forNode({ name: 'a', namespace: 'n', tls: { caPem: CA_PEM } })).toThrow(/not https/);
  });

  it('caches per node: toggling TLS or changing the CA gives a new client, forget drops both', () => {
    const f = new HttpSidecarClientFactory({
      tokenSource: NO_TOKEN,
      urlTemplate: 'http://127.0.0.1:1/nodes/{namespace}/{name}',
      tlsUrlTemplate: 'https://127.0.0.1:2/nodes/{namespace}/{name}',
    });
    const plain = f.forNode({ name: 'a', namespace: 'n' });
    const tls = f.forNode({ name: 'a', namespace: 'n', tls: { caPem: CA_PEM } });
    expect(tls).not.toBe(plain);
    expect(f.forNode({ name: 'a', namespace: 'n', tls: { caPem: CA_PEM } })).toBe(tls);
    const back = f.forNode({ name: 'a', namespace: 'n' });
    expect(back).not.toBe(tls);
    expect(f.forNode({ name: 'a', namespace: 'n' })).toBe(back);
    f.forget({ name: 'a', namespace: 'n' });
    expect(f.forNode({ name: 'a', namespace: 'n' })).not.toBe(back);
    // Nodes sharing one base URL (a template without {name}) still get their own server names.
    const shared = new HttpSidecarClientFactory({
      tokenSource: NO_TOKEN,
      tlsUrlTemplate: 'https://127.0.0.1:3',
    });
    const x = shared.forNode({ name: 'x', namespace: 'n', tls: { caPem: CA_PEM } }) as HttpSidecarClient;
    const y = shared.forNode({ name: 'y', namespace: 'n', tls: { caPem: CA_PEM } }) as HttpSidecarClient;
    expect([x.serverName, y.serverName]).toEqual(['x-0.x.n.svc.cluster.local', 'y-0.y.n.svc.cluster.local']);
  });
});
