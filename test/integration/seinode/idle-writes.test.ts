import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import type { RunningController } from '../../../controller/app';
import type { KubeClient } from '../../../controller/kube/client';
import { Resources } from '../../../controller/kube/resources';
import {
  adminClient,
  ensureNamespace,
  eventually,
  startTestController,
} from '../../support/controller-harness';
import { exampleNode } from '../../support/examples';
import { type KubeletStandIn, startKubeletStandIn } from '../../support/kubelet-stand-in';
import { SidecarSimulator } from '../../support/sidecar-simulator';

const NS = 'idle-it';
const IDLE_MS = 125_000;
let admin: KubeClient;
let controller: RunningController;
let kubelet: KubeletStandIn;
let simulator: SidecarSimulator;

beforeAll(async () => {
  admin = adminClient();
  await ensureNamespace(admin, NS);
  kubelet = await startKubeletStandIn(admin.kubeConfig, { namespace: NS });
  simulator = new SidecarSimulator();
  const sim = await simulator.start();
  controller = await startTestController({
    namespace: NS,
    sidecarUrlTemplate: sim.urlTemplate,
    probeIntervalMs: 1_000,
  });
});

afterAll(async () => {
  await controller?.stop(5_000);
  await kubelet?.stop();
  await simulator?.stop();
});

describe('steady state', () => {
  it('issues no API writes for idle Running nodes over two minutes (requests counted)', {
    timeout: IDLE_MS + 120_000,
  }, async () => {
    const files = ['pacific-1-rpc-node.yaml', 'archive-node.yaml', 'state-sync-full-node.yaml'];
    for (const f of files) {
      const n = exampleNode(f);
      n.metadata.namespace = NS;
      await admin.create(Resources.SeiNode, n);
    }
    const names = files.map((f) => exampleNode(f).metadata.name as string);
    for (const name of names) {
      await eventually(`${name} Running and settled`, async () => {
        const n = await admin.get<SeiNode>(Resources.SeiNode, { namespace: NS, name });
        return n?.status?.phase === 'Running' &&
          n.status.plan?.phase === 'Complete' &&
          n.status.conditions?.find((c) => c.type === 'SidecarReady')?.status === 'True'
          ? n
          : undefined;
      });
    }
    await new Promise((r) => setTimeout(r, 3_000));
    const before = await Promise.all(
      names.map((name) => admin.get<SeiNode>(Resources.SeiNode, { namespace: NS, name })),
    );
    controller.requests.reset();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    expect(controller.requests.byVerb()).not.toHaveProperty('create');
    expect(controller.requests.writes()).toBe(0);
    const after = await Promise.all(
      names.map((name) => admin.get<SeiNode>(Resources.SeiNode, { namespace: NS, name })),
    );
    expect(after.map((n) => n?.metadata.resourceVersion)).toEqual(
      before.map((n) => n?.metadata.resourceVersion),
    );
    // The nodes were probed all along (the controller was not simply asleep).
    const probes = names.map(
      (name) =>
        simulator.requests({ namespace: NS, name }).filter((r) => r.path.endsWith('/v0/healthz')).length,
    );
    for (const p of probes) expect(p).toBeGreaterThan(50);
  });
});
