import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SidecarError, type SidecarErrorKind } from '../../../controller/sidecar/client.js';
import { HttpSidecarClient } from '../../../controller/sidecar/http-client.js';
import {
  FileTokenSource,
  NO_TOKEN,
  staticTokenSource,
  type TokenSource,
} from '../../../controller/sidecar/token.js';
import { resolveSidecarUrl } from '../../../controller/sidecar/url.js';
import { SidecarSimulator, type SimulatorHandle, simulatedNodeId } from '../../support/sidecar-simulator.js';
import { makeTlsFixture } from './tls-fixture.js';

const NS = 'client-test';
const ID = '6f1c1b7e-2f0a-5c3b-9d4e-1a2b3c4d5e6f';
let nodeSeq = 0;

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

describe('HttpSidecarClient against the simulator', () => {
  const sim = new SidecarSimulator();
  let handle: SimulatorHandle;
  beforeAll(async () => {
    handle = await sim.start();
  });
  afterAll(() => handle.stop());
  afterEach(() => sim.setToken(undefined));

  /** A fresh node name and a client for it. */
  function fresh(opts: { tokenSource?: TokenSource; timeoutMs?: number } = {}) {
    const name = `n${++nodeSeq}`;
    const client = new HttpSidecarClient({
      baseUrl: resolveSidecarUrl({ name, namespace: NS }, handle.urlTemplate),
      tokenSource: opts.tokenSource ?? NO_TOKEN,
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
    return { name, node: `${NS}/${name}`, client };
  }

  it('POSTs {id, type, params} as JSON with the bearer token, and omits empty params', async () => {
    const { node, client } = fresh({ tokenSource: staticTokenSource('tkn') });
    await client.submitTask({ id: ID, type: 'config-apply', params: { mode: 'full', incremental: false } });
    await client.submitTask({ id: '6f1c1b7e-2f0a-5c3b-9d4e-000000000001', type: 'mark-ready', params: {} });
    await client.submitTask({ id: '6f1c1b7e-2f0a-5c3b-9d4e-000000000002', type: 'config-validate' });
    const posts = sim.requests(node).filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.body)).toEqual([
      `{"id":"${ID}","type":"config-apply","params":{"mode":"full","incremental":false}}`,
      '{"id":"6f1c1b7e-2f0a-5c3b-9d4e-000000000001","type":"mark-ready"}',
      '{"id":"6f1c1b7e-2f0a-5c3b-9d4e-000000000002","type":"config-validate"}',
    ]);
    expect(posts[0]?.path).toBe('/v0/tasks');
    expect(posts[0]?.headers['content-type']).toBe('application/json');
    expect(posts[0]?.headers.authorization).toBe('Bearer tkn');
    expect(posts[0]?.headers.accept).toBe('application/json');
  });

  it('sends no Authorization header in no-token mode, and the token on health checks too', async () => {
    const a = fresh();
    await a.client.healthz();
    expect(sim.requests(a.node)[0]?.headers.authorization).toBeUndefined();
    const b = fresh({ tokenSource: staticTokenSource('t') });
    await b.client.healthz();
    expect(sim.requests(b.node)[0]?.headers.authorization).toBe('Bearer t');
  });

  it('lists tasks newest first', async () => {
    const { client } = fresh();
    expect(await client.listTasks()).toEqual([]);
    await client.submitTask({ id: '6f1c1b7e-2f0a-5c3b-9d4e-000000000011', type: 'configure-genesis' });
    await new Promise((r) => setTimeout(r, 5));
    await client.submitTask({ id: '6f1c1b7e-2f0a-5c3b-9d4e-000000000012', type: 'mark-ready' });
    const list = await client.listTasks();
    expect(list.map((t) => t.type)).toEqual(['mark-ready', 'configure-genesis']);
    expect(list[0]).toMatchObject({ status: 'completed', run: 1 });
  });

  it('returns the task, null for an unknown id, and tolerates unknown keys', async () => {
    const { node, client } = fresh();
    await client.submitTask({ id: ID, type: 'configure-genesis' });
    const t = await client.getTask(ID);
    expect(t).toMatchObject({ id: ID, type: 'configure-genesis', status: 'completed', run: 1 });
    expect(t?.submittedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(await client.getTask('6f1c1b7e-2f0a-5c3b-9d4e-ffffffffffff')).toBeNull();
    sim.inject(node, {
      kind: 'status',
      status: 200,
      times: 1,
      body: JSON.stringify({
        id: ID,
        type: 'x',
        status: 'failed',
        error: 'boom',
        result: { a: 1 },
        nextRunAt: 'z',
      }),
    });
    expect(await client.getTask(ID)).toEqual({ id: ID, type: 'x', status: 'failed', error: 'boom' });
  });

  it('maps 400 to rejected with the sidecar message', async () => {
    const { client } = fresh();
    const err = await expectKind(client.submitTask({ id: ID, type: 'no-such-task' }), 'rejected');
    expect(err.statusCode).toBe(400);
    expect(err.message).toBe('sidecar rejected the request: unknown task type: no-such-task');
    await expectKind(client.submitTask({ id: 'not-a-uuid', type: 'mark-ready' }), 'rejected', /valid UUID/);
  });

  it('maps 5xx and other unexpected statuses to http', async () => {
    const { node, client } = fresh();
    sim.inject(node, { kind: 'status', status: 500, method: 'POST', times: 1 });
    const err = await expectKind(
      client.submitTask({ id: ID, type: 'mark-ready' }),
      'http',
      /HTTP 500: injected/,
    );
    expect(err.statusCode).toBe(500);
    sim.inject(node, { kind: 'status', status: 502, method: 'GET', path: '/v0/tasks/*', times: 1 });
    await expectKind(client.getTask(ID), 'http', /502/);
    sim.inject(node, { kind: 'status', status: 500, path: '/v0/healthz', times: 1 });
    await expectKind(client.healthz(), 'http');
    sim.inject(node, { kind: 'status', status: 200, method: 'POST', times: 1, body: '{"id":"x"}' });
    await expectKind(client.submitTask({ id: ID, type: 'mark-ready' }), 'http', /HTTP 200/);
  });

  it('accepts 202 and rejects a missing or nil task id as malformed', async () => {
    const { node, client } = fresh();
    sim.inject(node, { kind: 'status', status: 202, times: 1, body: `{"id":"${ID}"}` });
    await client.submitTask({ id: ID, type: 'mark-ready' });
    sim.inject(node, {
      kind: 'status',
      status: 201,
      times: 1,
      body: '{"id":"00000000-0000-0000-0000-000000000000"}',
    });
    await expectKind(client.submitTask({ id: ID, type: 'mark-ready' }), 'malformed', /no task id/);
    sim.inject(node, { kind: 'status', status: 201, times: 1, body: '' });
    await expectKind(client.submitTask({ id: ID, type: 'mark-ready' }), 'malformed', /invalid JSON/);
  });

  it('maps malformed JSON bodies to malformed', async () => {
    const { node, client } = fresh();
    await client.submitTask({ id: ID, type: 'mark-ready' });
    sim.inject(node, { kind: 'malformed', times: 2 });
    await expectKind(client.submitTask({ id: ID, type: 'mark-ready' }), 'malformed');
    await expectKind(client.getTask(ID), 'malformed');
    sim.inject(node, {
      kind: 'status',
      status: 200,
      times: 1,
      body: '{"id":"x","type":"y","status":"queued"}',
    });
    await expectKind(client.getTask(ID), 'malformed', /not a task result/);
  });

  it('maps connection failures to unreachable, and retries once on a dropped socket', async () => {
    const { node, client } = fresh();
    sim.inject(node, { kind: 'drop', times: 1 });
    await client.submitTask({ id: ID, type: 'configure-genesis' });
    expect(sim.requests(node).filter((r) => r.method === 'POST')).toHaveLength(2);
    sim.inject(node, { kind: 'drop', times: 2 });
    await expectKind(client.getTask(ID), 'unreachable');
    await sim.stopListening();
    try {
      await expectKind(client.healthz(), 'unreachable', /ECONNREFUSED/);
    } finally {
      await sim.resumeListening();
    }
    expect(await client.healthz()).toBe(false);
    const dns = new HttpSidecarClient({ baseUrl: 'http://no-such-host.invalid:8443', tokenSource: NO_TOKEN });
    await expectKind(dns.healthz(), 'unreachable');
  });

  it('times out after timeoutMs, and reports a caller abort', async () => {
    const { node, client } = fresh({ timeoutMs: 100 });
    sim.inject(node, { kind: 'delay', ms: 400, times: 1 });
    const started = Date.now();
    await expectKind(client.healthz(), 'unreachable', /timed out after 100 ms/);
    expect(Date.now() - started).toBeLessThan(350);
    const ac = new AbortController();
    sim.inject(node, { kind: 'delay', ms: 400, times: 1 });
    const p = client.healthz(ac.signal);
    setTimeout(() => ac.abort(), 20);
    await expectKind(p, 'unreachable', /aborted/);
  });

  it('healthz: false (503) until mark-ready, then true', async () => {
    const { client } = fresh();
    expect(await client.healthz()).toBe(false);
    await client.submitTask({ id: ID, type: 'mark-ready' });
    expect(await client.healthz()).toBe(true);
  });

  it('getNodeId: http 500 until generate-identity ran, then the 40-hex id', async () => {
    const { name, node, client } = fresh();
    await expectKind(client.getNodeId(), 'http', /generate-identity may not have run yet/);
    await client.submitTask({ id: ID, type: 'generate-identity', params: { chainId: 'c', moniker: name } });
    expect(await client.getNodeId()).toBe(simulatedNodeId(name));
    sim.inject(node, { kind: 'status', status: 200, times: 1, body: '{"nodeId":"abc"}' });
    await expectKind(client.getNodeId(), 'malformed');
  });

  it('401: re-reads the token file and retries once; a second 401 is unauthorized; 403 too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sidecar-token-'));
    try {
      const path = join(dir, 'token');
      writeFileSync(path, 'old\n');
      sim.setToken('old');
      const { node, client } = fresh({ tokenSource: new FileTokenSource({ path }) });
      await client.submitTask({ id: ID, type: 'configure-genesis' });
      // rotation: the proxy accepts only the new token; the cached one gets a 401
      writeFileSync(path, 'new\n');
      sim.setToken('new');
      expect((await client.getTask(ID))?.status).toBe('completed');
      expect(sim.requests(node).map((r) => r.headers.authorization)).toEqual([
        'Bearer old',
        'Bearer old',
        'Bearer new',
      ]);
      sim.setToken('newer');
      await expectKind(client.getTask(ID), 'unauthorized', /HTTP 401: Unauthorized/);
      expect(sim.requests(node)).toHaveLength(5);
      // the proxy's ignored paths need no token
      expect(await client.healthz()).toBe(false);
      sim.setToken(undefined);
      sim.inject(node, { kind: 'status', status: 403, body: 'Forbidden (user=x, verb=get)', times: 1 });
      await expectKind(client.getTask(ID), 'unauthorized', /403/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unreadable token file is unauthorized without sending anything', async () => {
    const { node, client } = fresh({ tokenSource: new FileTokenSource({ path: '/nonexistent/token' }) });
    await expectKind(client.healthz(), 'unauthorized', /cannot read service-account token/);
    expect(sim.requests(node)).toHaveLength(0);
  });
});

describe('HttpSidecarClient keep-alive', () => {
  it('reuses one connection for sequential calls to many nodes of one origin', async () => {
    const sim = new SidecarSimulator();
    const handle = await sim.start();
    try {
      for (let i = 0; i < 10; i++) {
        const client = new HttpSidecarClient({
          baseUrl: resolveSidecarUrl({ name: `k${i % 3}`, namespace: 'ka' }, handle.urlTemplate),
          tokenSource: NO_TOKEN,
        });
        await client.healthz();
        await client.getTask(ID);
      }
      expect(sim.requests()).toHaveLength(20);
      // undici may open a second socket when the next request is dispatched in the same tick the
      // previous response ends; what matters is reuse instead of one connection per request.
      expect(sim.connections).toBeLessThanOrEqual(2);
    } finally {
      await handle.stop();
    }
  });
});

const tls = makeTlsFixture();

describe.skipIf(!tls)('HttpSidecarClient over TLS', () => {
  const fixture = tls as NonNullable<typeof tls>;
  const sim = new SidecarSimulator({ tls: { key: fixture.key, cert: fixture.cert } });
  let handle: SimulatorHandle;
  beforeAll(async () => {
    handle = await sim.start();
  });
  afterAll(() => handle.stop());

  const url = () => resolveSidecarUrl({ name: 't', namespace: 'tls', tls: true }, handle.urlTemplate);

  it('verifies the server against the given CA', async () => {
    expect(handle.urlTemplate).toMatch(/^https:/);
    const client = new HttpSidecarClient({ baseUrl: url(), tokenSource: NO_TOKEN, ca: fixture.caPem });
    expect(await client.healthz()).toBe(false);
    await client.submitTask({ id: ID, type: 'mark-ready' });
    expect(await client.healthz()).toBe(true);
  });

  it('fails with kind tls against another CA or the system roots', async () => {
    const wrong = new HttpSidecarClient({ baseUrl: url(), tokenSource: NO_TOKEN, ca: fixture.otherCaPem });
    await expectKind(wrong.healthz(), 'tls');
    const system = new HttpSidecarClient({ baseUrl: url(), tokenSource: NO_TOKEN });
    await expectKind(system.healthz(), 'tls');
  });

  it('never falls back to http', async () => {
    expect(
      () =>
        new HttpSidecarClient({ baseUrl: 'http://127.0.0.1:1/x', tokenSource: NO_TOKEN, ca: fixture.caPem }),
    ).toThrow(/not https/);
    const plain = new SidecarSimulator();
    const h = await plain.start();
    try {
      const client = new HttpSidecarClient({
        baseUrl: h.urlTemplate.replace('http:', 'https:').replace('{namespace}/{name}', 'a/b'),
        tokenSource: NO_TOKEN,
        ca: fixture.caPem,
      });
      await expectKind(client.healthz(), 'tls');
    } finally {
      await h.stop();
    }
  });
});

describe('HttpSidecarClient construction', () => {
  it('rejects invalid and non-http base URLs, strips trailing slashes', () => {
    expect(() => new HttpSidecarClient({ baseUrl: 'nope', tokenSource: NO_TOKEN })).toThrow(
      /invalid sidecar base URL/,
    );
    expect(() => new HttpSidecarClient({ baseUrl: 'ftp://h', tokenSource: NO_TOKEN })).toThrow(
      /http or https/,
    );
    expect(new HttpSidecarClient({ baseUrl: 'http://h:1/p//', tokenSource: NO_TOKEN }).baseUrl).toBe(
      'http://h:1/p',
    );
  });
});
