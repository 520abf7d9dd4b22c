import { describe, expect, it } from 'vitest';
import { DEFAULT_SIDECAR_URL_TEMPLATE, resolveSidecarUrl } from '../../../controller/sidecar/url.js';

describe('resolveSidecarUrl', () => {
  it('defaults to the pod DNS name behind the headless Service on the proxy port', () => {
    expect(DEFAULT_SIDECAR_URL_TEMPLATE).toBe(
      '{scheme}://{name}-0.{name}.{namespace}.svc.cluster.local:8443',
    );
    expect(resolveSidecarUrl({ name: 'rpc-1', namespace: 'sei' })).toBe(
      'http://rpc-1-0.rpc-1.sei.svc.cluster.local:8443',
    );
  });

  it('uses https when the node has sidecar TLS', () => {
    expect(resolveSidecarUrl({ name: 'n', namespace: 'ns', tls: true })).toBe(
      'https://n-0.n.ns.svc.cluster.local:8443',
    );
  });

  it('resolves a local template (out-of-cluster runs against the simulator)', () => {
    expect(
      resolveSidecarUrl({ name: 'n1', namespace: 'dev' }, 'http://127.0.0.1:7777/nodes/{namespace}/{name}'),
    ).toBe('http://127.0.0.1:7777/nodes/dev/n1');
  });

  it('fills {port} (default 8443) and strips trailing slashes', () => {
    expect(resolveSidecarUrl({ name: 'a', namespace: 'b' }, '{scheme}://{name}.{namespace}:{port}/')).toBe(
      'http://a.b:8443',
    );
    expect(
      resolveSidecarUrl({ name: 'a', namespace: 'b', port: 9000, tls: true }, '{scheme}://h:{port}'),
    ).toBe('https://h:9000');
  });

  it('escapes name and namespace', () => {
    expect(resolveSidecarUrl({ name: 'a b', namespace: 'x' }, 'http://h/{namespace}/{name}')).toBe(
      'http://h/x/a%20b',
    );
  });

  it('rejects unknown placeholders, non-URLs, other schemes and empty names', () => {
    expect(() => resolveSidecarUrl({ name: 'a', namespace: 'b' }, 'http://{host}/{name}')).toThrow(
      /unknown placeholder \{host\}/,
    );
    expect(() => resolveSidecarUrl({ name: 'a', namespace: 'b' }, '{name}:{namespace}')).toThrow(
      /http\(s\) URL/,
    );
    expect(() => resolveSidecarUrl({ name: 'a', namespace: 'b' }, 'not a url {name}')).toThrow(/invalid URL/);
    expect(() => resolveSidecarUrl({ name: 'a', namespace: 'b' }, 'ftp://{name}')).toThrow(/http\(s\) URL/);
    expect(() => resolveSidecarUrl({ name: '', namespace: 'b' })).toThrow(/name and namespace/);
  });
});
