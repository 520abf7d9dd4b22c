import { describe, expect, it } from 'vitest';
import { HttpSidecarClientFactory } from '../../../controller/sidecar/factory.js';
import { NO_TOKEN } from '../../../controller/sidecar/token.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('HttpSidecarClientFactory', () => {
  it('resolves the URL with the template and caches one client per base URL', () => {
    const f = new HttpSidecarClientFactory({
      tokenSource: NO_TOKEN,
      urlTemplate: 'http://127.0.0.1:7777/nodes/{namespace}/{name}',
    });
    const a = f.forNode({ name: 'a', namespace: 'ns' });
    expect(a.baseUrl).toBe('http://127.0.0.1:7777/nodes/ns/a');
    expect(f.forNode({ name: 'a', namespace: 'ns' })).toBe(a);
    expect(f.forNode({ name: 'b', namespace: 'ns' })).not.toBe(a);
    f.forget({ name: 'a', namespace: 'ns' });
    expect(f.forNode({ name: 'a', namespace: 'ns' })).not.toBe(a);
  });

  it('uses the in-cluster default template, https for TLS nodes, and a new client when the CA changes', () => {
    const f = new HttpSidecarClientFactory({ tokenSource: NO_TOKEN });
    expect(f.forNode({ name: 'n', namespace: 's' }).baseUrl).toBe('http://n-0.n.s.svc.cluster.local:8443');
    const tls = f.forNode({ name: 'n', namespace: 's', tls: { caPem: CA } });
    expect(tls.baseUrl).toBe('https://n-0.n.s.svc.cluster.local:8443');
    expect(f.forNode({ name: 'n', namespace: 's', tls: { caPem: CA } })).toBe(tls);
    expect(f.forNode({ name: 'n', namespace: 's', tls: { caPem: `${CA}\n` } })).not.toBe(tls);
  });

  it('never falls back to http when TLS is on but the template is plain http', () => {
    const f = new HttpSidecarClientFactory({
      tokenSource: NO_TOKEN,
      urlTemplate: 'http://h/{namespace}/{name}',
    });
    expect(() => f.forNode({ name: 'n', namespace: 's', tls: { caPem: CA } })).toThrow(/not https/);
  });
});
