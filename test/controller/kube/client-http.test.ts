/**
 * KubeClient against an in-process HTTP server that records requests: wire details (paths,
 * query, headers, content types, bodies), typed errors and watch stream parsing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../controller/kube/client.js';
import { GoneError, InvalidError, NotFoundError } from '../../../controller/kube/errors.js';
import { RequestCounter } from '../../../controller/kube/request-counter.js';
import { Resources } from '../../../controller/kube/resources.js';
import { WatchIdleTimeoutError } from '../../../controller/kube/watch.js';

interface Recorded {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const requests: Recorded[] = [];
let handler: (req: Recorded, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const rec = {
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://x'),
        headers: req.headers,
        body,
      };
      requests.push(rec);
      handler(rec, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  requests.length = 0;
  handler = (_req, res) => json(res, 200, { metadata: { resourceVersion: '1' }, items: [] });
});

function json(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function client(opts: ConstructorParameters<typeof KubeClient>[1] = {}) {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: base, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return new KubeClient(kc, opts);
}

describe('KubeClient wire format', () => {
  it('server-side apply: PATCH, apply-patch content type, fieldManager, force, type meta filled in', async () => {
    handler = (req, res) => json(res, 200, JSON.parse(req.body));
    await client({ fieldManager: 'sei' }).apply(Resources.StatefulSet, {
      metadata: { namespace: 'ns', name: 'node-0' },
      spec: { replicas: 1 },
    });
    const r = requests[0] as Recorded;
    expect(r.method).toBe('PATCH');
    expect(r.url.pathname).toBe('/apis/apps/v1/namespaces/ns/statefulsets/node-0');
    expect(r.url.searchParams.get('fieldManager')).toBe('sei');
    expect(r.url.searchParams.get('force')).toBe('true');
    expect(r.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(r.headers.authorization).toBe('Bearer secret-token');
    expect(JSON.parse(r.body)).toMatchObject({ apiVersion: 'apps/v1', kind: 'StatefulSet' });
  });

  it('patchStatus sends a merge patch with the resourceVersion precondition to /status', async () => {
    handler = (_req, res) => json(res, 200, {});
    await client().patchStatus(
      Resources.SeiNode,
      { metadata: { namespace: 'ns', name: 'n', resourceVersion: '42' } },
      { phase: 'Running' },
    );
    const r = requests[0] as Recorded;
    expect(r.url.pathname).toBe('/apis/sei.io/v1alpha1/namespaces/ns/seinodes/n/status');
    expect(r.headers['content-type']).toBe('application/merge-patch+json');
    expect(JSON.parse(r.body)).toEqual({ metadata: { resourceVersion: '42' }, status: { phase: 'Running' } });
  });

  it('delete sends DeleteOptions with propagation policy and preconditions', async () => {
    handler = (_req, res) => json(res, 200, { kind: 'Status', status: 'Success' });
    await client().delete(
      Resources.Pod,
      { namespace: 'ns', name: 'p' },
      { propagationPolicy: 'Foreground', preconditions: { uid: 'u1' } },
    );
    const r = requests[0] as Recorded;
    expect(r.method).toBe('DELETE');
    expect(JSON.parse(r.body)).toEqual({
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Foreground',
      preconditions: { uid: 'u1' },
    });
  });

  it('impersonation headers are sent on every request, including watches', async () => {
    const c = client({ impersonate: { user: 'system:serviceaccount:sei:ctl', groups: ['g1'], uid: 'u' } });
    await c.list(Resources.ConfigMap, { namespace: 'ns' });
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end();
    };
    for await (const _ of c.watch(Resources.ConfigMap, { namespace: 'ns' })) {
      // empty stream
    }
    for (const r of requests) {
      expect(r.headers['impersonate-user']).toBe('system:serviceaccount:sei:ctl');
      expect(r.headers['impersonate-group']).toBe('g1');
      expect(r.headers['impersonate-uid']).toBe('u');
    }
    expect(() => client({ impersonate: { user: 'x', groups: ['a', 'b'] } })).toThrow(/one group/);
  });

  it('list follows continue tokens and keeps the first page resourceVersion', async () => {
    handler = (req, res) => {
      const cont = req.url.searchParams.get('continue');
      if (!cont)
        json(res, 200, {
          metadata: { resourceVersion: '7', continue: 'p2' },
          items: [{ metadata: { name: 'a' } }],
        });
      else json(res, 200, { metadata: { resourceVersion: '9' }, items: [{ metadata: { name: 'b' } }] });
    };
    const list = await client().list(Resources.ConfigMap, { labelSelector: { app: 'x' }, pageSize: 1 });
    expect(list.resourceVersion).toBe('7');
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['a', 'b']);
    expect(list.items[0]).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(requests[0]?.url.pathname).toBe('/api/v1/configmaps');
    expect(requests[0]?.url.searchParams.get('labelSelector')).toBe('app=x');
    expect(requests[0]?.url.searchParams.get('limit')).toBe('1');
  });

  it('an expired continue token restarts the list without pagination', async () => {
    handler = (req, res) => {
      if (req.url.searchParams.get('continue')) {
        json(res, 410, { kind: 'Status', code: 410, reason: 'Expired', message: 'continue expired' });
      } else if (req.url.searchParams.get('limit')) {
        json(res, 200, {
          metadata: { resourceVersion: '7', continue: 'p2' },
          items: [{ metadata: { name: 'a' } }],
        });
      } else {
        json(res, 200, {
          metadata: { resourceVersion: '8' },
          items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }],
        });
      }
    };
    const list = await client().list(Resources.ConfigMap, { pageSize: 1 });
    expect(list).toMatchObject({ resourceVersion: '8' });
    expect(list.items).toHaveLength(2);
  });

  it('maps error statuses to typed errors; get returns null on 404', async () => {
    handler = (_req, res) =>
      json(res, 404, { kind: 'Status', code: 404, reason: 'NotFound', message: 'nope' });
    expect(await client().get(Resources.ConfigMap, { namespace: 'ns', name: 'x' })).toBeNull();
    await expect(
      client().patch(Resources.ConfigMap, { namespace: 'ns', name: 'x' }, {}),
    ).rejects.toBeInstanceOf(NotFoundError);
    handler = (_req, res) =>
      json(res, 422, { kind: 'Status', code: 422, reason: 'Invalid', message: 'spec.x: Invalid value' });
    const err = await client()
      .create(Resources.ConfigMap, { metadata: { namespace: 'ns', name: 'x' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).message).toBe('spec.x: Invalid value');
  });

  it('counts requests by verb and code', async () => {
    const counter = new RequestCounter();
    const c = client({ observers: [counter.observer] });
    await c.list(Resources.ConfigMap);
    handler = (_req, res) => json(res, 404, { kind: 'Status', code: 404, reason: 'NotFound' });
    await c.get(Resources.ConfigMap, { namespace: 'a', name: 'b' });
    await c.delete(Resources.ConfigMap, { namespace: 'a', name: 'b' });
    expect(counter.byVerb()).toEqual({ list: 1, get: 1, delete: 1 });
    expect(counter.writes()).toBe(1);
    expect(counter.byVerbResourceCode()).toEqual({
      'list configmaps 200': 1,
      'get configmaps 404': 1,
      'delete configmaps 404': 1,
    });
  });
});

describe('KubeClient.watch', () => {
  it('parses events split across chunks, sends watch parameters, and ends when the server closes', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const ev1 = JSON.stringify({
        type: 'ADDED',
        object: { metadata: { name: 'a', resourceVersion: '5' } },
      });
      const ev2 = JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '6' } } });
      res.write(ev1.slice(0, 10));
      setTimeout(() => {
        res.write(`${ev1.slice(10)}\n${ev2}`);
        setTimeout(() => res.end('\n'), 10);
      }, 10);
    };
    const events = [];
    for await (const ev of client().watch(Resources.ConfigMap, {
      namespace: 'ns',
      resourceVersion: '4',
      timeoutSeconds: 300,
      labelSelector: 'a=b',
    })) {
      events.push(ev);
    }
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    const q = requests[0]?.url.searchParams;
    expect(requests[0]?.url.pathname).toBe('/api/v1/namespaces/ns/configmaps');
    expect(Object.fromEntries(q ?? [])).toEqual({
      watch: 'true',
      resourceVersion: '4',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '300',
      labelSelector: 'a=b',
    });
  });

  it('throws the typed error when the server refuses the watch (HTTP 410)', async () => {
    handler = (_req, res) =>
      json(res, 410, { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' });
    await expect(client().watch(Resources.ConfigMap, { resourceVersion: '1' }).next()).rejects.toBeInstanceOf(
      GoneError,
    );
  });

  it('yields ERROR events rather than throwing', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } })}\n`,
      );
    };
    const events = [];
    for await (const ev of client().watch(Resources.ConfigMap)) events.push(ev);
    expect(events).toEqual([{ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }]);
  });

  it('aborts a silent connection after idleTimeoutMs with WatchIdleTimeoutError', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '2' } } })}\n`);
      // then silence, connection left open
    };
    const seen: string[] = [];
    const started = performance.now();
    const err = await (async () => {
      for await (const ev of client().watch(Resources.ConfigMap, { idleTimeoutMs: 150 })) seen.push(ev.type);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WatchIdleTimeoutError);
    expect(seen).toEqual(['BOOKMARK']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('closes the connection when the consumer stops iterating or aborts', async () => {
    let closed = 0;
    handler = (_req, res) => {
      res.on('close', () => closed++);
      res.writeHead(200);
      res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } })}\n`);
    };
    for await (const _ of client().watch(Resources.ConfigMap)) break;
    const ac = new AbortController();
    const p = (async () => {
      for await (const _ of client().watch(Resources.ConfigMap, { signal: ac.signal })) ac.abort();
    })();
    await expect(p).rejects.toBeDefined();
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(2);
  });
});
