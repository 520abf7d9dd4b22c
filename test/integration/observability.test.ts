import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiNode } from '../../constructs/api/types';
import type { RunningController } from '../../controller/app';
import type { KubeClient } from '../../controller/kube/client';
import { Resources } from '../../controller/kube/resources';
import type { KubeObject } from '../../controller/kube/types';
import { adminClient, ensureNamespace, eventually, startTestController } from '../support/controller-harness';
import { exampleDocuments, exampleNode } from '../support/examples';
import { type KubeletStandIn, startKubeletStandIn } from '../support/kubelet-stand-in';
import { SidecarSimulator } from '../support/sidecar-simulator';

const NS = 'obs-it';
let admin: KubeClient;
let controller: RunningController;
let kubelet: KubeletStandIn;
let simulator: SidecarSimulator;
const logs: string[] = [];

beforeAll(async () => {
  admin = adminClient();
  await ensureNamespace(admin, NS);
  kubelet = await startKubeletStandIn(admin.kubeConfig, { namespace: NS });
  simulator = new SidecarSimulator();
  const sim = await simulator.start();
  const stream = new PassThrough();
  stream.on('data', (chunk) => logs.push(String(chunk)));
  controller = await startTestController({
    namespace: NS,
    sidecarUrlTemplate: sim.urlTemplate,
    logLevel: 'debug',
    logStream: stream,
  });
});

afterAll(async () => {
  await controller?.stop(5_000);
  await kubelet?.stop();
  await simulator?.stop();
});

describe('observability', () => {
  it('a validator lifecycle logs structured JSON with kind/namespace/name/plan/task and never a Secret value', async () => {
    const secrets = exampleDocuments('validator-with-keys.yaml').filter((d) => d.kind === 'Secret');
    for (const s of secrets)
      await admin.apply(
        Resources.Secret,
        { ...s, metadata: { ...(s.metadata as object), namespace: NS } } as KubeObject,
        { force: true },
      );
    const node = exampleNode('validator-with-keys.yaml');
    node.metadata = { name: 'val', namespace: NS };
    await admin.create(Resources.SeiNode, node);
    await eventually(
      'Running',
      async () =>
        (await admin.get<SeiNode>(Resources.SeiNode, { namespace: NS, name: 'val' }))?.status?.phase ===
        'Running'
          ? true
          : undefined,
      60_000,
    );
    const lines = logs
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(10);
    const taskLines = lines.filter((l) => l.task && l.kind === 'SeiNode');
    expect(taskLines.length).toBeGreaterThan(0);
    expect(taskLines.every((l) => l.namespace === NS && l.name === 'val' && typeof l.plan === 'string')).toBe(
      true,
    );
    const all = logs.join('');
    for (const s of secrets) {
      for (const value of Object.values((s.stringData ?? {}) as Record<string, string>)) {
        for (const fragment of value.split(/[",:{}\s]+/).filter((f) => f.length >= 12))
          expect(all).not.toContain(fragment);
      }
    }
    expect(all).not.toMatch(/Bearer\s+\S/);
  });

  it('exposes the listed series with sane values after a node reaches Running', async () => {
    const text = await controller.registry.metrics();
    const value = (re: RegExp) => Number(text.match(re)?.[1] ?? Number.NaN);
    expect(value(/sei_controller_seinode_phase\{namespace="obs-it",name="val",phase="Running"\} (\d+)/)).toBe(
      1,
    );
    expect(
      value(/sei_controller_seinode_phase\{namespace="obs-it",name="val",phase="Initializing"\} (\d+)/),
    ).toBe(0);
    expect(
      value(
        /sei_controller_plan_duration_seconds_count\{controller="seinode",namespace="obs-it",plan_type="init",outcome="complete"\} (\d+)/,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(value(/sei_controller_plan_active\{controller="seinode",namespace="obs-it"\} (\d+)/) || 0).toBe(0);
    expect(
      value(
        /sei_controller_seinode_phase_transitions_total\{controller="seinode",namespace="obs-it",from_phase="Initializing",to_phase="Running"\} (\d+)/,
      ),
    ).toBe(1);
    const inInit = value(
      /sei_controller_seinode_phase_duration_seconds_sum\{namespace="obs-it",chain_id="arctic-1",phase="Initializing"\} ([\d.]+)/,
    );
    expect(inInit).toBeGreaterThan(0);
    expect(
      value(/controller_runtime_reconcile_total\{controller="seinode",result="requeue_after"\} (\d+)/),
    ).toBeGreaterThan(0);
    expect(
      value(/rest_client_requests_total\{verb="apply",resource="statefulsets",code="20[01]"\} (\d+)/),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toContain('workqueue_depth{name="seinode"}');
    expect(text).toContain('sei_controller_leader 1');
    await eventually('a sidecar probe', async () => {
      const t = await controller.registry.metrics();
      return /sei_controller_seinode_sidecar_health_probes_total\{controller="seinode",namespace="obs-it",outcome="ready"\} [1-9]/.test(
        t,
      )
        ? true
        : undefined;
    });
  });
});

describe('health endpoints', () => {
  it('a started controller (caches synced) answers /readyz and /healthz with 200', async () => {
    const sim = await new SidecarSimulator().start();
    const running = await startTestController({
      namespace: 'obs-health',
      sidecarUrlTemplate: sim.urlTemplate,
      healthBindAddress: '127.0.0.1:0',
    });
    try {
      const port = running.healthPort as number;
      expect(port).toBeGreaterThan(0);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
    } finally {
      await running.stop(1_000);
      await sim.stop();
    }
  });
});
