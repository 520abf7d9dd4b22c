import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlannedTask, SeiNode } from '../../../constructs/api/types.js';
import type { TaskContext, TaskDefinition } from '../../../controller/planner/task.js';
import { SidecarError } from '../../../controller/sidecar/client.js';
import { HttpSidecarClient } from '../../../controller/sidecar/http-client.js';
import { NO_TOKEN } from '../../../controller/sidecar/token.js';
import { resolveSidecarUrl } from '../../../controller/sidecar/url.js';
import {
  createSidecarTasks,
  SIDECAR_TASKS,
  sidecarTaskTypes,
} from '../../../controller/tasks/sidecar-tasks.js';
import {
  SidecarSimulator,
  type SimulatorHandle,
  V0_0_50_TASK_TYPES,
} from '../../support/sidecar-simulator.js';

const NS = 'tasks';
const log = pino({ level: 'silent' });
const defs = new Map(SIDECAR_TASKS.map((d) => [d.type, d]));
const def = (type: string) => defs.get(type) as TaskDefinition;

let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

describe('sidecar task definitions', () => {
  const sim = new SidecarSimulator();
  let handle: SimulatorHandle;
  beforeAll(async () => {
    handle = await sim.start();
  });
  afterAll(() => handle.stop());

  let nodeSeq = 0;
  /** A fresh node and an executor-like driver for one planned task on it. */
  function setup(type: string, params?: Record<string, unknown>) {
    const name = `t${++nodeSeq}`;
    const node = `${NS}/${name}`;
    const client = new HttpSidecarClient({
      baseUrl: resolveSidecarUrl({ name, namespace: NS }, handle.urlTemplate),
      tokenSource: NO_TOKEN,
    });
    const task: PlannedTask = {
      type,
      id: uuid(),
      status: 'Pending',
      maxRetries: def(type).maxRetries,
      retryCount: 0,
      ...(params ? { params } : {}),
    };
    const run = () =>
      def(type).execute({
        node: { metadata: { name, namespace: NS } } as SeiNode,
        task,
        params: task.params ?? {},
        sidecar: () => client,
        log,
        now: () => new Date(),
      } as unknown as TaskContext);
    return { name, node, task, run, client };
  }

  it('defines every sidecar task of the plans with its retry budget', () => {
    expect(SIDECAR_TASKS.map((d) => [d.type, d.maxRetries])).toEqual([
      ['snapshot-restore', 0],
      ['configure-genesis', 180],
      ['config-apply', 0],
      ['discover-peers', 20],
      ['configure-state-sync', 0],
      ['config-validate', 0],
      ['mark-ready', 0],
      ['snapshot-upload', 0],
      ['result-export', 0],
      ['generate-identity', 0],
      ['generate-gentx', 0],
      ['upload-genesis-artifacts', 0],
      ['set-genesis-peers', 0],
      ['assemble-and-upload-genesis', 180],
    ]);
    expect([...sidecarTaskTypes]).toEqual(SIDECAR_TASKS.map((d) => d.type));
    for (const t of sidecarTaskTypes) expect(V0_0_50_TASK_TYPES).toContain(t);
    expect(SIDECAR_TASKS.every((d) => d.pollIntervalMs === 5000)).toBe(true);
    expect(createSidecarTasks({ pollIntervalMs: 50 })[0]?.pollIntervalMs).toBe(50);
  });

  const wire: [string, Record<string, unknown> | undefined][] = [
    ['snapshot-restore', { targetHeight: 123456 }],
    ['snapshot-restore', undefined],
    ['configure-genesis', undefined],
    [
      'config-apply',
      { mode: 'full', incremental: false, targetVersion: 0, overrides: { 'logging.level': 'info' } },
    ],
    ['config-apply', { mode: 'validator', incremental: false, targetVersion: 0 }],
    [
      'discover-peers',
      {
        sources: [
          { type: 'ec2Tags', region: 'us-east-2', tags: { ChainIdentifier: 'pacific-1' } },
          { type: 'static', addresses: ['abc@1.2.3.4:26656'] },
          { type: 'dnsEndpoints', endpoints: ['p-0.p.ns.svc.cluster.local'] },
        ],
      },
    ],
    ['configure-state-sync', { useLocalSnapshot: true, trustPeriod: '9999h0m0s', backfillBlocks: 100 }],
    ['configure-state-sync', undefined],
    ['config-validate', undefined],
    ['mark-ready', undefined],
    ['snapshot-upload', undefined],
    [
      'result-export',
      { bucket: 'results', region: 'us-east-2', prefix: 'replay/', canonicalRpc: 'http://rpc:26657' },
    ],
    ['generate-identity', { chainId: 'sei-test', moniker: 'v0' }],
    ['generate-gentx', { chainId: 'sei-test', stakingAmount: '1000000usei', accountBalance: '10000000usei' }],
    ['upload-genesis-artifacts', { nodeName: 'v0' }],
    ['set-genesis-peers', undefined],
    [
      'assemble-and-upload-genesis',
      {
        accountBalance: '10000000usei',
        namespace: 'ns',
        nodes: [{ name: 'v0' }, { name: 'v1' }],
        accounts: [{ address: 'sei1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu', balance: '5usei' }],
        overrides: { 'staking.params.unbonding_time': '"60s"' },
      },
    ],
  ];

  it.each(wire)('%s POSTs exactly {id, type, params?} under the planned task id', async (type, params) => {
    const { node, task, run } = setup(type, params);
    await run();
    const posts = sim.requests(node).filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.path).toBe('/v0/tasks');
    expect(posts[0]?.body).toBe(
      JSON.stringify(params ? { id: task.id, type, params } : { id: task.id, type }),
    );
  });

  it('omits params when the planned params are an empty object', async () => {
    const { node, task, run } = setup('configure-genesis', {});
    await run();
    expect(sim.submissions(node)).toEqual([{ id: task.id, type: 'configure-genesis' }]);
  });

  it.each([
    'config-validate',
    'mark-ready',
    'snapshot-upload',
  ])('%s is fire-and-forget: complete after the POST', async (type) => {
    const { node, run } = setup(type);
    expect(await run()).toEqual({ kind: 'complete' });
    expect(sim.requests(node).map((r) => r.method)).toEqual(['POST']);
  });

  it('mark-ready makes healthz answer 200; snapshot-upload stays running on the sidecar', async () => {
    const m = setup('mark-ready');
    await m.run();
    expect(await m.client.healthz()).toBe(true);
    const s = setup('snapshot-upload');
    await s.run();
    expect(sim.task(s.node, s.task.id)?.status).toBe('running');
  });

  it('Pending → POST and a GET at once: a task already finished is complete in the same call', async () => {
    const { node, task, run } = setup('configure-genesis');
    expect(await run()).toEqual({ kind: 'complete' });
    expect(sim.requests(node).map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v0/tasks',
      `GET /v0/tasks/${task.id}`,
    ]);
  });

  it('Pending → POST → still running (first poll after 1 s); Running + completed → complete with a GET only', async () => {
    const { node, task, run } = setup('configure-genesis');
    sim.script(node, 'configure-genesis', { afterPolls: 1 });
    expect(await run()).toEqual({ kind: 'running', pollAfterMs: 1000 });
    task.status = 'Running';
    expect(await run()).toEqual({ kind: 'complete' });
    expect(sim.requests(node).map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v0/tasks',
      `GET /v0/tasks/${task.id}`,
      `GET /v0/tasks/${task.id}`,
    ]);
  });

  it('a failed GET right after an accepted POST is not the task failing: running, polled later', async () => {
    const { node, task, run } = setup('configure-genesis');
    sim.inject(node, { kind: 'status', status: 503, method: 'GET', times: 1 });
    expect(await run()).toEqual({ kind: 'running', pollAfterMs: 1000 });
    task.status = 'Running';
    expect(await run()).toEqual({ kind: 'complete' });
    expect(sim.requests(node).map((r) => r.method)).toEqual(['POST', 'GET', 'GET']);
    expect(sim.task(node, task.id)?.run).toBe(1);
  });

  it('does not re-POST while the task runs (the reference quirk, fixed)', async () => {
    const { node, task, run } = setup('snapshot-restore', { targetHeight: 10 });
    sim.script(node, 'snapshot-restore', {
      afterPolls: 3,
      fail: 'snapshot-restore: no snapshot at or below height 10',
    });
    expect(await run()).toEqual({ kind: 'running', pollAfterMs: 1000 });
    task.status = 'Running';
    expect(await run()).toEqual({ kind: 'running' });
    expect(await run()).toEqual({ kind: 'running' });
    // the slow failure is observed (the Go controller's re-POST would have restarted it instead)
    expect(await run()).toEqual({
      kind: 'failed',
      error: 'snapshot-restore: no snapshot at or below height 10',
    });
    const methods = sim.requests(node).map((r) => r.method);
    expect(methods).toEqual(['POST', 'GET', 'GET', 'GET', 'GET']);
    expect(sim.task(node, task.id)?.run).toBe(1);
  });

  it('a retry (reset to Pending, same id) re-POSTs and the sidecar re-runs the failed row', async () => {
    const { node, task, run } = setup('discover-peers', {
      sources: [{ type: 'static', addresses: ['a@b:1'] }],
    });
    sim.script(node, 'discover-peers', { fail: 'discover-peers: no peers found', failTimes: 1 });
    // fails at once: seen by the GET right after the POST
    expect(await run()).toEqual({ kind: 'failed', error: 'discover-peers: no peers found' });
    task.status = 'Pending';
    task.retryCount = 1;
    expect(await run()).toEqual({ kind: 'complete' });
    expect(sim.requests(node).map((r) => r.method)).toEqual(['POST', 'GET', 'POST', 'GET']);
    expect(sim.task(node, task.id)).toMatchObject({ status: 'completed', run: 2 });
  });

  it('a failed task without an error message gets the reference wording', async () => {
    const { node, task, run } = setup('config-apply', { mode: 'full', incremental: false, targetVersion: 0 });
    sim.script(node, 'config-apply', { fail: '', afterPolls: 1 });
    await run();
    task.status = 'Running';
    expect(await run()).toEqual({ kind: 'failed', error: `task ${task.id} failed with unknown error` });
  });

  it('Running + 404 (row lost) → re-POST and running', async () => {
    const { node, task, run } = setup('set-genesis-peers');
    sim.setChain(node, 'lost-chain');
    sim.setGenesisUploaded('lost-chain');
    sim.script(node, 'set-genesis-peers', { afterPolls: 1 });
    expect(await run()).toEqual({ kind: 'running', pollAfterMs: 1000 });
    sim.loseTask(node, task.id);
    task.status = 'Running';
    expect(await run()).toEqual({ kind: 'running', pollAfterMs: 1000 });
    expect(sim.requests(node).map((r) => r.method)).toEqual(['POST', 'GET', 'GET', 'POST', 'GET']);
    expect(sim.task(node, task.id)).toMatchObject({ status: 'running', run: 1 });
    expect(await run()).toEqual({ kind: 'complete' });
  });

  it('invalid params are terminal before any request (also through validate())', async () => {
    const cases: [string, Record<string, unknown> | undefined, RegExp][] = [
      ['discover-peers', { sources: [] }, /at least one peer source/],
      ['discover-peers', undefined, /at least one peer source/],
      ['config-apply', { mode: 'full', overrides: { NotAKey: 'x' } }, /not a dotted sei-config key/],
      ['generate-identity', { chainId: 'c' }, /moniker is required/],
      ['result-export', { bucket: 'b' }, /region is required/],
      [
        'assemble-and-upload-genesis',
        { accountBalance: '1usei', namespace: 'n', nodes: [] },
        /at least one node/,
      ],
    ];
    for (const [type, params, msg] of cases) {
      const { node, run } = setup(type, params);
      const out = await run();
      expect(out.kind).toBe('terminal');
      expect(out.kind === 'terminal' && out.error).toMatch(msg);
      expect(def(type).validate?.(params ?? {}, {} as SeiNode)).toMatch(msg);
      expect(sim.requests(node)).toHaveLength(0);
    }
    expect(def('config-apply').validate?.({ mode: 'full' }, {} as SeiNode)).toBeUndefined();
  });

  it('a POST the sidecar rejects (400) is terminal with its message', async () => {
    const { node, run } = setup('discover-peers', { sources: [{ type: 'static', addresses: ['a@b:1'] }] });
    sim.setAcceptedTypes(V0_0_50_TASK_TYPES.filter((t) => t !== 'discover-peers'));
    try {
      expect(await run()).toEqual({
        kind: 'terminal',
        error: 'sidecar rejected the request: unknown task type: discover-peers',
      });
      expect(sim.requests(node)).toHaveLength(1);
    } finally {
      sim.setAcceptedTypes(V0_0_50_TASK_TYPES);
    }
  });

  it('transient errors are thrown: 5xx, malformed, unreachable (POST and GET)', async () => {
    const a = setup('configure-genesis');
    sim.inject(a.node, { kind: 'status', status: 500, method: 'POST', times: 1 });
    await expect(a.run()).rejects.toMatchObject({ kind: 'http', statusCode: 500 });
    expect(a.task.status).toBe('Pending');
    await a.run();
    a.task.status = 'Running';
    sim.inject(a.node, { kind: 'status', status: 503, method: 'GET', times: 1 });
    await expect(a.run()).rejects.toBeInstanceOf(SidecarError);
    sim.inject(a.node, { kind: 'malformed', times: 1 });
    await expect(a.run()).rejects.toMatchObject({ kind: 'malformed' });
    const b = setup('mark-ready');
    await sim.stopListening();
    try {
      await expect(b.run()).rejects.toMatchObject({ kind: 'unreachable' });
      await expect(a.run()).rejects.toMatchObject({ kind: 'unreachable' });
    } finally {
      await sim.resumeListening();
    }
    expect(await a.run()).toEqual({ kind: 'complete' });
  });

  it('an unauthorized sidecar is transient too', async () => {
    const { run } = setup('configure-genesis');
    sim.setToken('secret');
    try {
      await expect(run()).rejects.toMatchObject({ kind: 'unauthorized' });
    } finally {
      sim.setToken(undefined);
    }
  });

  it('drives a genesis-ceremony validator and its assembler through the simulator', async () => {
    const v0 = 'g0';
    const v1 = 'g1';
    const drive = async (name: string, type: string, params?: Record<string, unknown>) => {
      const client = new HttpSidecarClient({
        baseUrl: resolveSidecarUrl({ name, namespace: NS }, handle.urlTemplate),
        tokenSource: NO_TOKEN,
      });
      const task: PlannedTask = { type, id: uuid(), status: 'Pending', ...(params ? { params } : {}) };
      const ctx = () =>
        ({ task, params: task.params ?? {}, sidecar: () => client, log }) as unknown as TaskContext;
      const first = await def(type).execute(ctx());
      if (first.kind !== 'running') return first;
      task.status = 'Running';
      return def(type).execute(ctx());
    };
    for (const name of [v0, v1]) {
      expect(await drive(name, 'generate-identity', { chainId: 'ceremony-1', moniker: name })).toEqual({
        kind: 'complete',
      });
      expect(
        await drive(name, 'generate-gentx', {
          chainId: 'ceremony-1',
          stakingAmount: '1usei',
          accountBalance: '2usei',
        }),
      ).toEqual({ kind: 'complete' });
    }
    expect(await drive(v0, 'upload-genesis-artifacts', { nodeName: v0 })).toEqual({ kind: 'complete' });
    expect(await drive(v0, 'configure-genesis')).toMatchObject({
      kind: 'failed',
      error: /genesis.json not found/,
    });
    const assemble = { accountBalance: '5usei', namespace: NS, nodes: [{ name: v0 }, { name: v1 }] };
    expect(await drive(v0, 'assemble-and-upload-genesis', assemble)).toMatchObject({
      kind: 'failed',
      error: /g1\/gentx.json/,
    });
    expect(await drive(v1, 'upload-genesis-artifacts', { nodeName: v1 })).toEqual({ kind: 'complete' });
    expect(await drive(v0, 'assemble-and-upload-genesis', assemble)).toEqual({ kind: 'complete' });
    expect(await drive(v1, 'configure-genesis')).toEqual({ kind: 'complete' });
    expect(await drive(v1, 'set-genesis-peers')).toEqual({ kind: 'complete' });
  });
});
