import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SidecarSimulator,
  type SimulatorHandle,
  simulatedNodeId,
  V0_0_50_TASK_TYPES,
} from './sidecar-simulator.js';

const sim = new SidecarSimulator();
let handle: SimulatorHandle;
beforeAll(async () => {
  handle = await sim.start();
});
afterAll(() => handle.stop());

let seq = 0;
const uuid = () => `11111111-2222-4333-8444-${String(++seq).padStart(12, '0')}`;
let nodeSeq = 0;
const freshNode = () => `sim/s${++nodeSeq}`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

async function call(
  node: string,
  method: 'GET' | 'POST' | 'DELETE' | 'PUT',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const [ns, name] = node.split('/');
  const res = await request(`http://127.0.0.1:${handle.port}/nodes/${ns}/${name}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

const post = (node: string, body: unknown) => call(node, 'POST', '/v0/tasks', body);
const get = (node: string, id: string) => call(node, 'GET', `/v0/tasks/${id}`);

describe('SidecarSimulator: routes and errors (§3)', () => {
  it('serves the URL template it returns', () => {
    expect(handle.urlTemplate).toBe(`http://127.0.0.1:${handle.port}/nodes/{namespace}/{name}`);
  });

  it('POST answers 201 {"id"} as JSON with a trailing newline', async () => {
    const node = freshNode();
    const id = uuid();
    const r = await post(node, { id, type: 'configure-genesis' });
    expect(r.status).toBe(201);
    expect(r.text).toBe(`{"id":"${id}"}\n`);
    expect(r.headers['content-type']).toBe('application/json');
  });

  it('generates an id when none is sent', async () => {
    const r = await post(freshNode(), { type: 'configure-genesis' });
    expect(r.status).toBe(201);
    expect((r.json as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects bad requests with 400 and the reference error strings', async () => {
    const node = freshNode();
    expect(await post(node, '{not json')).toMatchObject({
      status: 400,
      json: { error: 'invalid request body' },
    });
    expect(await post(node, '[1]')).toMatchObject({ status: 400, json: { error: 'invalid request body' } });
    expect(await post(node, { type: 'mark-ready', params: [1] })).toMatchObject({
      status: 400,
      json: { error: 'invalid request body' },
    });
    expect(await post(node, { id: uuid() })).toMatchObject({
      status: 400,
      json: { error: 'type is required' },
    });
    expect(await post(node, { id: uuid(), type: 'ensure-data-pvc' })).toMatchObject({
      status: 400,
      json: { error: 'unknown task type: ensure-data-pvc' },
    });
    expect(await post(node, { id: 'task-1', type: 'mark-ready' })).toMatchObject({
      status: 400,
      json: { error: 'task ID must be a valid UUID: "task-1"' },
    });
    expect(sim.tasks(node)).toEqual([]);
  });

  it('checks type before id (order of checks)', async () => {
    expect((await post(freshNode(), { id: 'bad', type: 'nope' })).json).toEqual({
      error: 'unknown task type: nope',
    });
  });

  it('GET of an unknown id is 404 task not found; DELETE removes a row (204) or 404s', async () => {
    const node = freshNode();
    expect(await get(node, uuid())).toMatchObject({ status: 404, json: { error: 'task not found' } });
    const id = uuid();
    await post(node, { id, type: 'configure-genesis' });
    expect((await call(node, 'DELETE', `/v0/tasks/${id}`)).status).toBe(204);
    expect((await get(node, id)).status).toBe(404);
    expect((await call(node, 'DELETE', `/v0/tasks/${id}`)).json).toEqual({ error: 'task not found' });
  });

  it('unknown paths are 404 plain text, wrong methods 405', async () => {
    const node = freshNode();
    const r = await call(node, 'GET', '/v1/tasks');
    expect(r).toMatchObject({ status: 404, text: '404 page not found\n' });
    expect((await request(`http://127.0.0.1:${handle.port}/other`)).statusCode).toBe(404);
    expect((await call(node, 'PUT', '/v0/tasks')).status).toBe(405);
    expect((await call(node, 'POST', '/v0/healthz')).status).toBe(405);
    expect((await call(node, 'GET', '/v0/tasks/')).json).toEqual({ error: 'missing task ID' });
  });

  it('livez 200, metrics text', async () => {
    const node = freshNode();
    expect((await call(node, 'GET', '/v0/livez')).status).toBe(200);
    expect((await call(node, 'GET', '/v0/metrics')).text).toMatch(/seictl_sidecar_tasks 0/);
  });
});

describe('SidecarSimulator: lifecycle, idempotency, re-run (§5)', () => {
  it('TaskResult shape: run, params echo, RFC 3339 nano timestamps, no error when completed', async () => {
    const node = freshNode();
    const id = uuid();
    await post(node, {
      id,
      type: 'config-apply',
      params: { mode: 'full', incremental: false, targetVersion: 0 },
    });
    const r = await get(node, id);
    expect(r.json).toEqual({
      id,
      type: 'config-apply',
      status: 'completed',
      run: 1,
      params: { mode: 'full', incremental: false, targetVersion: 0 },
      submittedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/),
      completedAt: expect.stringMatching(/Z$/),
    });
  });

  it('omits params when empty', async () => {
    const node = freshNode();
    const id = uuid();
    await post(node, { id, type: 'configure-genesis', params: {} });
    expect(Object.keys((await get(node, id)).json as object)).not.toContain('params');
  });

  it('resubmitting a running or completed id is a no-op (new params ignored)', async () => {
    const node = freshNode();
    sim.script(node, 'snapshot-restore', { hang: true });
    const id = uuid();
    await post(node, { id, type: 'snapshot-restore', params: { targetHeight: 1 } });
    const before = sim.task(node, id);
    expect((await post(node, { id, type: 'snapshot-restore', params: { targetHeight: 2 } })).status).toBe(
      201,
    );
    expect(sim.task(node, id)).toEqual(before);
    sim.finishTask(node, id);
    const done = sim.task(node, id);
    expect(done?.status).toBe('completed');
    await post(node, { id, type: 'snapshot-restore', params: { targetHeight: 3 } });
    expect(sim.task(node, id)).toEqual(done);
    expect(sim.tasks(node)).toHaveLength(1);
  });

  it('resubmitting a failed id re-runs it: run+1, new params, new submittedAt, no error/completedAt', async () => {
    const node = freshNode();
    sim.script(node, 'result-export', { fail: 'upload: access denied', failTimes: 1 });
    const id = uuid();
    await post(node, { id, type: 'result-export', params: { bucket: 'a', region: 'r' } });
    const failed = sim.task(node, id);
    expect(failed).toMatchObject({ status: 'failed', run: 1, error: 'upload: access denied' });
    sim.script(node, 'result-export', { hang: true });
    await post(node, { id, type: 'result-export', params: { bucket: 'b', region: 'r' } });
    const rerun = sim.task(node, id);
    expect(rerun).toMatchObject({ status: 'running', run: 2, params: { bucket: 'b', region: 'r' } });
    expect(rerun?.error).toBeUndefined();
    expect(rerun?.completedAt).toBeUndefined();
    expect((rerun?.submittedAt ?? '') > (failed?.submittedAt ?? '')).toBe(true);
  });

  it('fail once vs always', async () => {
    const node = freshNode();
    sim.script(node, 'configure-state-sync', { fail: 'no trust height', failTimes: 2 });
    const id = uuid();
    await post(node, { id, type: 'configure-state-sync' });
    await post(node, { id, type: 'configure-state-sync' });
    expect(sim.task(node, id)).toMatchObject({ status: 'failed', run: 2 });
    await post(node, { id, type: 'configure-state-sync' });
    expect(sim.task(node, id)).toMatchObject({ status: 'completed', run: 3 });
    sim.script(node, 'config-validate', { fail: 'config validation failed: {"valid":false}' });
    const v = uuid();
    for (let i = 0; i < 3; i++) await post(node, { id: v, type: 'config-validate' });
    expect(sim.task(node, v)).toMatchObject({ status: 'failed', run: 3 });
  });

  it('bad params: 201, then failed with the handler error', async () => {
    const node = freshNode();
    const cases: [string, Record<string, unknown> | undefined, RegExp][] = [
      ['generate-identity', { chainId: 'c' }, /missing required param "moniker"/],
      ['discover-peers', undefined, /no peers found/],
      ['config-apply', { mode: 'bogus' }, /^config validation failed: \[/],
      [
        'assemble-and-upload-genesis',
        { accountBalance: '1usei', namespace: 'n', nodes: [] },
        /at least one node/,
      ],
      ['await-condition', { condition: 'time' }, /condition must be "height"/],
    ];
    for (const [type, params, msg] of cases) {
      const id = uuid();
      expect((await post(node, { id, type, ...(params ? { params } : {}) })).status).toBe(201);
      const r = (await get(node, id)).json as { status: string; error: string };
      expect(r.status).toBe('failed');
      expect(r.error).toMatch(msg);
    }
  });

  it('latency: complete after N polls or after N ms; hang; snapshot-upload never completes', async () => {
    const node = freshNode();
    sim.script(node, 'config-apply', { afterPolls: 2 });
    const a = uuid();
    await post(node, { id: a, type: 'config-apply', params: { mode: 'full' } });
    expect(((await get(node, a)).json as { status: string }).status).toBe('running');
    expect(((await get(node, a)).json as { status: string }).status).toBe('running');
    expect(((await get(node, a)).json as { status: string }).status).toBe('completed');

    sim.script(node, 'configure-genesis', { delayMs: 80 });
    const b = uuid();
    await post(node, { id: b, type: 'configure-genesis' });
    expect(sim.task(node, b)?.status).toBe('running');
    await new Promise((r) => setTimeout(r, 150));
    expect(sim.task(node, b)?.status).toBe('completed');

    const c = uuid();
    await post(node, { id: c, type: 'snapshot-upload' });
    await new Promise((r) => setTimeout(r, 20));
    expect(sim.task(node, c)?.status).toBe('running');
  });

  it('scripts for every node with "*", overridden per node', async () => {
    const local = new SidecarSimulator();
    local.script('*', 'configure-genesis', { hang: true });
    local.script('a/b', 'configure-genesis', {});
    const h = await local.start();
    try {
      for (const n of ['a/b', 'a/c']) {
        const [ns, name] = n.split('/');
        await request(`http://127.0.0.1:${h.port}/nodes/${ns}/${name}/v0/tasks`, {
          method: 'POST',
          body: JSON.stringify({ id: '11111111-2222-4333-8444-000000000000', type: 'configure-genesis' }),
        }).then((r) => r.body.text());
      }
      expect(local.tasks('a/b')[0]?.status).toBe('completed');
      expect(local.tasks('a/c')[0]?.status).toBe('running');
    } finally {
      await h.stop();
    }
  });

  it('nodes are independent (same id on two nodes)', async () => {
    const a = freshNode();
    const b = freshNode();
    const id = uuid();
    sim.script(a, 'configure-genesis', { hang: true });
    await post(a, { id, type: 'configure-genesis' });
    await post(b, { id, type: 'configure-genesis' });
    expect(sim.task(a, id)?.status).toBe('running');
    expect(sim.task(b, id)?.status).toBe('completed');
  });

  it('lists the 100 most recent tasks, newest submission first; [] when empty', async () => {
    const node = freshNode();
    expect((await call(node, 'GET', '/v0/tasks')).text).toBe('[]\n');
    const ids: string[] = [];
    for (let i = 0; i < 105; i++) {
      const id = uuid();
      ids.push(id);
      await post(node, { id, type: 'configure-genesis' });
    }
    const list = (await call(node, 'GET', '/v0/tasks')).json as { id: string }[];
    expect(list).toHaveLength(100);
    expect(list.map((t) => t.id)).toEqual(ids.slice(5).reverse());
    // a re-run moves a task to the front (submittedAt is reset)
    sim.script(node, 'config-validate', { fail: 'x', failTimes: 1 });
    const f = uuid();
    await post(node, { id: f, type: 'config-validate' });
    await post(node, { id: ids[50], type: 'configure-genesis' }); // completed: no-op, stays put
    await post(node, { id: f, type: 'config-validate' });
    expect(((await call(node, 'GET', '/v0/tasks')).json as { id: string }[])[0]?.id).toBe(f);
  });
});

describe('SidecarSimulator: readiness, restart, node-id', () => {
  it('healthz/startupz 503 and status Initializing until mark-ready completes', async () => {
    const node = freshNode();
    expect((await call(node, 'GET', '/v0/healthz')).status).toBe(503);
    expect((await call(node, 'GET', '/v0/healthz')).text).toBe('');
    expect((await call(node, 'GET', '/v0/startupz')).status).toBe(503);
    expect((await call(node, 'GET', '/v0/status')).json).toEqual({ status: 'Initializing' });
    await post(node, { id: uuid(), type: 'mark-ready' });
    expect((await call(node, 'GET', '/v0/healthz')).status).toBe(200);
    expect((await call(node, 'GET', '/v0/startupz')).status).toBe(200);
    expect((await call(node, 'GET', '/v0/status')).json).toEqual({ status: 'Ready' });
    expect(sim.isReady(node)).toBe(true);
  });

  it('a mark-ready that fails does not make the node ready', async () => {
    const node = freshNode();
    sim.script(node, 'mark-ready', { fail: 'nope' });
    await post(node, { id: uuid(), type: 'mark-ready' });
    expect((await call(node, 'GET', '/v0/healthz')).status).toBe(503);
  });

  it('restart: readiness lost, rows kept, old mark-ready id is a no-op, a new id restores it', async () => {
    const node = freshNode();
    const mr = uuid();
    await post(node, { id: mr, type: 'mark-ready' });
    sim.restart(node);
    expect((await call(node, 'GET', '/v0/healthz')).status).toBe(503);
    expect(sim.task(node, mr)?.status).toBe('completed');
    await post(node, { id: mr, type: 'mark-ready' });
    expect((await call(node, 'GET', '/v0/healthz')).status).toBe(503);
    await post(node, { id: uuid(), type: 'mark-ready' });
    expect((await call(node, 'GET', '/v0/healthz')).status).toBe(200);
  });

  it('restart re-runs running rows with the same run number; handler-less rows fail', async () => {
    const node = freshNode();
    sim.script(node, 'snapshot-restore', { hang: true });
    const id = uuid();
    await post(node, { id, type: 'snapshot-restore' });
    const before = sim.task(node, id);
    sim.script(node, 'snapshot-restore', {});
    sim.restart(node);
    expect(sim.task(node, id)).toMatchObject({
      status: 'completed',
      run: 1,
      submittedAt: before?.submittedAt,
    });

    const gone = uuid();
    sim.script(node, 'discover-peers', { hang: true });
    await post(node, {
      id: gone,
      type: 'discover-peers',
      params: { sources: [{ type: 'static', addresses: ['a'] }] },
    });
    sim.setAcceptedTypes(V0_0_50_TASK_TYPES.filter((t) => t !== 'discover-peers'));
    try {
      sim.restart(node);
      expect(sim.task(node, gone)).toMatchObject({
        status: 'failed',
        error: 'no handler registered for task type',
      });
    } finally {
      sim.setAcceptedTypes(V0_0_50_TASK_TYPES);
    }
  });

  it('node-id: 500 until generate-identity ran, then a deterministic 40-hex id from the name', async () => {
    const node = freshNode();
    const r = await call(node, 'GET', '/v0/node-id');
    expect(r).toMatchObject({
      status: 500,
      json: { error: 'node_key.json not found — generate-identity may not have run yet' },
    });
    await post(node, { id: uuid(), type: 'generate-identity', params: { chainId: 'c1', moniker: 'm' } });
    const name = node.split('/')[1] as string;
    expect((await call(node, 'GET', '/v0/node-id')).json).toEqual({ nodeId: simulatedNodeId(name) });
    expect(simulatedNodeId(name)).toMatch(/^[0-9a-f]{40}$/);
    expect(simulatedNodeId(name)).not.toBe(simulatedNodeId(`${name}x`));
  });

  it('await-condition completes once the simulated height reaches the target', async () => {
    const node = freshNode();
    const id = uuid();
    await post(node, { id, type: 'await-condition', params: { condition: 'height', targetHeight: 100 } });
    expect(sim.task(node, id)?.status).toBe('running');
    sim.setHeight(node, 99);
    expect(sim.task(node, id)?.status).toBe('running');
    sim.setHeight(node, 100);
    expect(sim.task(node, id)?.status).toBe('completed');
  });
});

describe('SidecarSimulator: genesis ceremony', () => {
  it('configure-genesis and set-genesis-peers wait for assemble-and-upload-genesis', async () => {
    const ns = 'ceremony';
    const nodes = ['v0', 'v1'];
    for (const name of nodes) {
      const node = `${ns}/${name}`;
      await post(node, { id: uuid(), type: 'generate-identity', params: { chainId: 'gc-1', moniker: name } });
      await post(node, {
        id: uuid(),
        type: 'generate-gentx',
        params: { chainId: 'gc-1', stakingAmount: '1usei', accountBalance: '1usei' },
      });
      await post(node, { id: uuid(), type: 'upload-genesis-artifacts', params: { nodeName: name } });
    }
    const cg = uuid();
    await post(`${ns}/v1`, { id: cg, type: 'configure-genesis' });
    expect(sim.task(`${ns}/v1`, cg)).toMatchObject({
      status: 'failed',
      error: 'configure-genesis: genesis.json not found at s3://sei-genesis/gc-1/genesis.json',
    });
    const sp = uuid();
    await post(`${ns}/v1`, { id: sp, type: 'set-genesis-peers' });
    expect(sim.task(`${ns}/v1`, sp)?.status).toBe('failed');
    expect(sim.isGenesisUploaded('gc-1')).toBe(false);

    const asm = uuid();
    await post(`${ns}/v0`, {
      id: asm,
      type: 'assemble-and-upload-genesis',
      params: { accountBalance: '1usei', namespace: ns, nodes: nodes.map((name) => ({ name })) },
    });
    expect(sim.task(`${ns}/v0`, asm)?.status).toBe('completed');
    expect(sim.isGenesisUploaded('gc-1')).toBe(true);
    expect(sim.genesisPeers('gc-1')).toEqual(
      nodes.map((n) => `${simulatedNodeId(n)}@${n}-0.${n}.${ns}.svc.cluster.local:26656`),
    );
    await post(`${ns}/v1`, { id: cg, type: 'configure-genesis' });
    expect(sim.task(`${ns}/v1`, cg)).toMatchObject({ status: 'completed', run: 2 });
    await post(`${ns}/v1`, { id: sp, type: 'set-genesis-peers' });
    expect(sim.task(`${ns}/v1`, sp)?.status).toBe('completed');
  });

  it('gentx needs identity; upload needs gentx; nodes without a chain get configure-genesis at once', async () => {
    const node = freshNode();
    const g = uuid();
    await post(node, {
      id: g,
      type: 'generate-gentx',
      params: { chainId: 'x', stakingAmount: '1usei', accountBalance: '1usei' },
    });
    expect(sim.task(node, g)?.error).toMatch(/generate-identity has not run/);
    const u = uuid();
    await post(node, { id: u, type: 'upload-genesis-artifacts', params: { nodeName: 'n' } });
    expect(sim.task(node, u)?.error).toMatch(/no gentx/);
    const c = uuid();
    const plain = freshNode();
    await post(plain, { id: c, type: 'configure-genesis' });
    expect(sim.task(plain, c)?.status).toBe('completed');
  });
});

describe('SidecarSimulator: faults, auth, recording', () => {
  it('injects statuses (JSON envelope or plain text) a limited number of times', async () => {
    const node = freshNode();
    sim.inject(node, { kind: 'status', status: 500, method: 'POST', times: 1 });
    expect(await post(node, { id: uuid(), type: 'mark-ready' })).toMatchObject({
      status: 500,
      json: { error: 'injected HTTP 500' },
    });
    expect((await post(node, { id: uuid(), type: 'mark-ready' })).status).toBe(201);
    sim.inject(node, { kind: 'status', status: 503, path: '/v0/healthz' });
    expect((await call(node, 'GET', '/v0/healthz')).status).toBe(503);
    expect((await call(node, 'GET', '/v0/healthz')).status).toBe(503);
    sim.clearFaults(node);
    expect((await call(node, 'GET', '/v0/healthz')).status).toBe(200);
    sim.inject(node, { kind: 'status', status: 403, body: 'Forbidden', times: 1 });
    expect(await call(node, 'GET', '/v0/status')).toMatchObject({ status: 403, text: 'Forbidden' });
  });

  it('malformed bodies, dropped connections, slow answers', async () => {
    const node = freshNode();
    sim.inject(node, { kind: 'malformed', times: 1 });
    const m = await post(node, { id: uuid(), type: 'mark-ready' });
    expect(m.status).toBe(201);
    expect(m.json).toBeUndefined();
    sim.inject(node, { kind: 'drop', times: 1 });
    await expect(call(node, 'GET', '/v0/status')).rejects.toThrow();
    sim.inject(node, { kind: 'delay', ms: 60, times: 1 });
    const t0 = Date.now();
    await call(node, 'GET', '/v0/status');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
  });

  it('a lost row answers 404 and a re-POST recreates it (run 1)', async () => {
    const node = freshNode();
    const id = uuid();
    sim.script(node, 'snapshot-restore', { hang: true });
    await post(node, { id, type: 'snapshot-restore' });
    sim.loseTask(node, id);
    expect((await get(node, id)).status).toBe(404);
    await post(node, { id, type: 'snapshot-restore' });
    expect(sim.task(node, id)).toMatchObject({ status: 'running', run: 1 });
  });

  it('stopListening refuses connections; resumeListening serves the same state again', async () => {
    const node = freshNode();
    const id = uuid();
    await post(node, { id, type: 'configure-genesis' });
    await sim.stopListening();
    try {
      // a pooled keep-alive socket may first report the close, then connecting is refused
      await expect(call(node, 'GET', `/v0/tasks/${id}`)).rejects.toThrow();
      await expect(call(node, 'GET', `/v0/tasks/${id}`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await sim.resumeListening();
    }
    expect((await get(node, id)).status).toBe(200);
  });

  it('bearer token (kube-rbac-proxy): 401 plain text without or with a wrong token; bypass paths open', async () => {
    const node = freshNode();
    sim.setToken('t1');
    try {
      expect(await call(node, 'GET', '/v0/status')).toMatchObject({ status: 401, text: 'Unauthorized\n' });
      expect((await call(node, 'GET', '/v0/status', undefined, { authorization: 'Bearer t0' })).status).toBe(
        401,
      );
      expect((await call(node, 'GET', '/v0/status', undefined, { authorization: 'Bearer t1' })).status).toBe(
        200,
      );
      for (const p of ['/v0/healthz', '/v0/startupz', '/v0/livez', '/v0/metrics']) {
        expect((await call(node, 'GET', p)).status).not.toBe(401);
      }
      sim.setToken('t2');
      expect((await call(node, 'GET', '/v0/status', undefined, { authorization: 'Bearer t1' })).status).toBe(
        401,
      );
    } finally {
      sim.setToken(undefined);
    }
  });

  it('records every request with method, paths, headers and body', async () => {
    const node = freshNode();
    const id = uuid();
    await call(node, 'POST', '/v0/tasks', { id, type: 'mark-ready' }, { 'content-type': 'application/json' });
    await call(node, 'GET', `/v0/tasks/${id}?x=1`);
    const [p, g] = sim.requests(node);
    expect(p).toMatchObject({
      node,
      method: 'POST',
      path: '/v0/tasks',
      rawPath: `/nodes/${node}/v0/tasks`,
      body: `{"id":"${id}","type":"mark-ready"}`,
      json: { id, type: 'mark-ready' },
    });
    expect(p?.headers['content-type']).toBe('application/json');
    expect(g).toMatchObject({ method: 'GET', path: `/v0/tasks/${id}?x=1`, body: '', json: undefined });
    expect(sim.submissions(node)).toEqual([{ id, type: 'mark-ready' }]);
    sim.clearRequests(node);
    expect(sim.requests(node)).toEqual([]);
  });

  it('caps the recorded requests, dropping the oldest', async () => {
    const local = new SidecarSimulator({ maxRecordedRequests: 10 });
    const h = await local.start();
    try {
      for (let i = 0; i < 25; i++) {
        await request(`http://127.0.0.1:${h.port}/nodes/a/b/v0/status?i=${i}`).then((r) => r.body.text());
      }
      const paths = local.requests().map((r) => r.path);
      expect(paths.length).toBeLessThanOrEqual(10);
      expect(paths.at(-1)).toBe('/v0/status?i=24');
    } finally {
      await h.stop();
    }
  });

  it('accepts the 19 v0.0.50 types by default, and a configurable set', async () => {
    expect(V0_0_50_TASK_TYPES).toHaveLength(19);
    const local = new SidecarSimulator({ acceptedTypes: ['mark-ready'] });
    const h = await local.start();
    try {
      const r = await request(`http://127.0.0.1:${h.port}/nodes/a/b/v0/tasks`, {
        method: 'POST',
        body: JSON.stringify({ type: 'discover-peers' }),
      });
      expect(r.statusCode).toBe(400);
      expect(await r.body.json()).toEqual({ error: 'unknown task type: discover-peers' });
    } finally {
      await h.stop();
    }
  });
});
