import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiNode, SeiNodeDeployment } from '../../../constructs/api/types';
import type { RunningController } from '../../../controller/app';
import type { KubeClient } from '../../../controller/kube/client';
import { Resources } from '../../../controller/kube/resources';
import type { KubeObject } from '../../../controller/kube/types';
import { HttpRouteResource } from '../../../controller/seinodedeployment/reconciler';
import { installCrds } from '../../support/control-plane/index';
import {
  adminClient,
  ensureNamespace,
  eventually,
  startTestController,
} from '../../support/controller-harness';
import { exampleDeployment } from '../../support/examples';
import { HTTPROUTE_CRD } from '../../support/gateway-api-crd';
import { type KubeletStandIn, startKubeletStandIn } from '../../support/kubelet-stand-in';
import { LoadBalancerStandIn } from '../../support/load-balancer-stand-in';
import { SidecarSimulator } from '../../support/sidecar-simulator';

const NS = 'snd-it';
let admin: KubeClient;
let controller: RunningController;
let kubelet: KubeletStandIn;
let simulator: SidecarSimulator;
let loadBalancers: LoadBalancerStandIn;

const getSnd = (name: string) =>
  admin.get<SeiNodeDeployment>(Resources.SeiNodeDeployment, { namespace: NS, name });
const getNode = (name: string) => admin.get<SeiNode>(Resources.SeiNode, { namespace: NS, name });
const children = async (snd: string) =>
  (
    await admin.list<SeiNode>(Resources.SeiNode, {
      namespace: NS,
      labelSelector: { 'sei.io/nodedeployment': snd },
    })
  ).items.sort((a, b) =>
    (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '', undefined, { numeric: true }),
  );
const cond = (d: SeiNodeDeployment | null, type: string) =>
  d?.status?.conditions?.find((c) => c.type === type);

/** A small full-node deployment (state sync, static peers) in the test namespace. */
function rpcPool(
  name: string,
  replicas: number,
  mutate: (d: SeiNodeDeployment) => void = () => {},
): SeiNodeDeployment {
  const d = exampleDeployment('rpc-pool-deployment.yaml');
  d.metadata = { name, namespace: NS };
  d.spec.replicas = replicas;
  d.spec.template.spec.fullNode = { snapshot: { stateSync: {}, trustPeriod: '168h0m0s' } };
  mutate(d);
  return d;
}

async function create(d: SeiNodeDeployment): Promise<SeiNodeDeployment> {
  return admin.create<SeiNodeDeployment>(Resources.SeiNodeDeployment, d);
}

async function waitPhase(name: string, phase: string, timeoutMs = 90_000): Promise<SeiNodeDeployment> {
  return eventually(
    `SeiNodeDeployment ${name} ${phase}`,
    async () => {
      const d = await getSnd(name);
      return d?.status?.phase === phase && d.status.observedGeneration === d.metadata.generation
        ? d
        : undefined;
    },
    timeoutMs,
  );
}

beforeAll(async () => {
  admin = adminClient();
  await ensureNamespace(admin, NS);
  await installCrds(admin.kubeConfig, [HTTPROUTE_CRD]);
  kubelet = await startKubeletStandIn(admin.kubeConfig, { namespace: NS });
  loadBalancers = new LoadBalancerStandIn(admin, { namespace: NS }).start();
  simulator = new SidecarSimulator();
  const sim = await simulator.start();
  controller = await startTestController({
    namespace: NS,
    sidecarUrlTemplate: sim.urlTemplate,
    rolloutDeadlineMs: 8_000,
  });
});

afterAll(async () => {
  await controller?.stop(5_000);
  loadBalancers?.stop();
  kubelet?.resume();
  await kubelet?.stop();
  await simulator?.stop();
});

describe('SeiNodeDeployment controller', () => {
  it('seeds every condition on the first reconcile and brings 3 children to Ready', async () => {
    await create(rpcPool('pool', 3));
    const seeded = await eventually('conditions seeded', async () => {
      const d = await getSnd('pool');
      return (d?.status?.conditions?.length ?? 0) >= 6 ? d : undefined;
    });
    expect(seeded?.status?.conditions?.map((c) => c.type).sort()).toEqual(
      [
        'GenesisCeremonyComplete',
        'NetworkingReady',
        'NodesReady',
        'Paused',
        'PlanInProgress',
        'RolloutInProgress',
      ].sort(),
    );
    const d = await waitPhase('pool', 'Ready');
    expect(d.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      incumbentNodes: ['pool-0', 'pool-1', 'pool-2'],
    });
    expect(cond(d, 'GenesisCeremonyComplete')).toMatchObject({ status: 'False', reason: 'NotApplicable' });
    expect(cond(d, 'NodesReady')).toMatchObject({ status: 'True', reason: 'AllNodesReady' });
    const kids = await children('pool');
    expect(kids.map((k) => k.metadata.name)).toEqual(['pool-0', 'pool-1', 'pool-2']);
    for (const k of kids) {
      expect(k.metadata.labels).toMatchObject({
        'sei.io/nodedeployment': 'pool',
        'sei.io/chain': 'pacific-1',
        team: 'rpc',
      });
      expect(k.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'SeiNodeDeployment',
        name: 'pool',
        controller: true,
      });
      expect(k.spec.networking).toEqual({ http: {}, tcp: {} });
    }
    expect(d.status?.endpoints?.tendermintRpc).toBe(`http://pool-internal.${NS}.svc:26657`);
  });

  it('publishes 4 HTTPRoutes with hostnames, parent, backends and the websocket rule', async () => {
    const routes = await eventually('4 routes', async () => {
      const l = await admin.list<KubeObject & { spec: Record<string, unknown> }>(HttpRouteResource, {
        namespace: NS,
        labelSelector: { 'sei.io/nodedeployment': 'pool' },
      });
      return l.items.length === 4 ? l.items : undefined;
    });
    const byName = Object.fromEntries(
      routes.map((r) => [
        r.metadata?.name,
        r.spec as {
          hostnames: string[];
          parentRefs: unknown[];
          rules: { matches?: unknown[]; backendRefs: { name: string; port: number }[] }[];
        },
      ]),
    );
    expect(Object.keys(byName).sort()).toEqual(['pool-evm', 'pool-grpc', 'pool-rest', 'pool-rpc']);
    expect(byName['pool-evm']?.hostnames).toEqual([
      'pool-evm.sei.internal.example.com',
      `pool-evm.${NS}.sei.example.com`,
    ]);
    expect(byName['pool-rpc']?.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'sei-gateway', namespace: 'gateway' },
    ]);
    expect(byName['pool-rpc']?.rules[0]?.backendRefs).toEqual([{ name: 'pool-external', port: 26657 }]);
    expect(byName['pool-evm']?.rules).toHaveLength(2);
    expect(JSON.stringify(byName['pool-evm']?.rules[1])).toContain('websocket');
    expect(byName['pool-evm']?.rules[1]?.backendRefs).toEqual([{ name: 'pool-external', port: 8546 }]);
    const d = await getSnd('pool');
    expect(cond(d, 'NetworkingReady')).toMatchObject({ status: 'True', reason: 'HTTPRoutesPublished' });
    expect(await admin.get(Resources.Service, { namespace: NS, name: 'pool-internal' })).not.toBeNull();
    expect(await admin.get(Resources.Service, { namespace: NS, name: 'pool-external' })).not.toBeNull();
  });

  it('rolls an override change in the template out to every child (InPlace, one NodeUpdate each)', async () => {
    const before = await getSnd('pool');
    await admin.patch(
      Resources.SeiNodeDeployment,
      { namespace: NS, name: 'pool' },
      { spec: { template: { spec: { overrides: { 'evm.http_port': '9545' } } } } },
    );
    await eventually('rollout started', async () =>
      (await getSnd('pool'))?.status?.rollout ? true : undefined,
    );
    const d = await eventually(
      'rollout complete',
      async () => {
        const x = await getSnd('pool');
        return x?.status?.phase === 'Ready' &&
          !x.status.rollout &&
          x.status.templateHash !== before?.status?.templateHash
          ? x
          : undefined;
      },
      90_000,
    );
    expect(cond(d, 'RolloutInProgress')).toMatchObject({ status: 'False', reason: 'RolloutComplete' });
    for (const k of await children('pool')) {
      expect(k.spec.overrides).toEqual({ 'evm.http_port': '9545' });
      expect(k.status?.plan).toMatchObject({ type: 'NodeUpdate', phase: 'Complete' });
      expect(k.status?.plan?.drift).toContain('config');
    }
  });

  it('reports a stuck rollout (kubelet paused) and completes it once pods roll again', async () => {
    kubelet.pause();
    try {
      await admin.patch(
        Resources.SeiNodeDeployment,
        { namespace: NS, name: 'pool' },
        { spec: { template: { spec: { image: 'ghcr.io/sei-protocol/sei:v6.2.0' } } } },
      );
      const stuck = await eventually(
        'deadline exceeded',
        async () => {
          const x = await getSnd('pool');
          return x && cond(x, 'RolloutInProgress')?.reason === 'ProgressDeadlineExceeded' ? x : undefined;
        },
        60_000,
      );
      expect(stuck.status?.phase).toBe('Upgrading');
    } finally {
      kubelet.resume();
    }
    const d = await eventually(
      'rollout complete',
      async () => {
        const x = await getSnd('pool');
        return x?.status?.phase === 'Ready' && !x.status.rollout ? x : undefined;
      },
      90_000,
    );
    expect(cond(d, 'RolloutInProgress')?.reason).toBe('RolloutComplete');
    for (const k of await children('pool'))
      expect(k.status?.currentImage).toBe('ghcr.io/sei-protocol/sei:v6.2.0');
  });

  it('supersedes an in-flight rollout v2 → v3', async () => {
    kubelet.pause();
    await admin.patch(
      Resources.SeiNodeDeployment,
      { namespace: NS, name: 'pool' },
      { spec: { template: { spec: { image: 'ghcr.io/sei-protocol/sei:v6.3.0' } } } },
    );
    const v2 = await eventually('v2 rollout', async () => (await getSnd('pool'))?.status?.rollout);
    await admin.patch(
      Resources.SeiNodeDeployment,
      { namespace: NS, name: 'pool' },
      { spec: { template: { spec: { image: 'ghcr.io/sei-protocol/sei:v6.4.0' } } } },
    );
    const v3 = await eventually('v3 rollout', async () => {
      const r = (await getSnd('pool'))?.status?.rollout;
      return r && r.targetHash !== v2.targetHash ? r : undefined;
    });
    kubelet.resume();
    await eventually(
      'rollout complete at v3',
      async () => {
        const x = await getSnd('pool');
        return x?.status?.phase === 'Ready' && !x.status.rollout && x.status.templateHash === v3.targetHash
          ? x
          : undefined;
      },
      90_000,
    );
    for (const k of await children('pool'))
      expect(k.status?.currentImage).toBe('ghcr.io/sei-protocol/sei:v6.4.0');
    const events = await admin.list<KubeObject & { reason?: string }>(Resources.Event, { namespace: NS });
    expect(events.items.some((e) => e.reason === 'RolloutSuperseded')).toBe(true);
  });

  it('scales 3 → 5 → 2, highest ordinals removed first', async () => {
    await admin.patch(
      Resources.SeiNodeDeployment,
      { namespace: NS, name: 'pool' },
      { spec: { replicas: 5 } },
    );
    let d = await eventually(
      '5 ready',
      async () => {
        const x = await getSnd('pool');
        return x?.status?.readyReplicas === 5 && x.status.phase === 'Ready' ? x : undefined;
      },
      90_000,
    );
    expect(d.status?.incumbentNodes).toEqual(['pool-0', 'pool-1', 'pool-2', 'pool-3', 'pool-4']);
    await admin.patch(
      Resources.SeiNodeDeployment,
      { namespace: NS, name: 'pool' },
      { spec: { replicas: 2 } },
    );
    d = await eventually(
      '2 ready',
      async () => {
        const x = await getSnd('pool');
        return x?.status?.replicas === 2 &&
          x.status.incumbentNodes?.length === 2 &&
          x.status.phase === 'Ready'
          ? x
          : undefined;
      },
      60_000,
    );
    expect(d.status?.incumbentNodes).toEqual(['pool-0', 'pool-1']);
    await eventually('extra children gone', async () =>
      (await children('pool')).length === 2 ? true : undefined,
    );
  });

  it('paused blocks orchestration; unpause rolls out the deferred change', async () => {
    await admin.patch(
      Resources.SeiNodeDeployment,
      { namespace: NS, name: 'pool' },
      { spec: { paused: true } },
    );
    const p = await waitPhase('pool', 'Paused');
    expect(cond(p, 'Paused')).toMatchObject({ status: 'True', reason: 'Paused' });
    for (const k of await children('pool')) expect(k.spec.paused).toBe(true);
    await eventually('StatefulSets at 0', async () => {
      const sts = await admin.get<KubeObject & { spec: { replicas: number } }>(Resources.StatefulSet, {
        namespace: NS,
        name: 'pool-0',
      });
      return sts?.spec.replicas === 0 ? true : undefined;
    });
    const hash = p.status?.templateHash;
    await admin.patch(
      Resources.SeiNodeDeployment,
      { namespace: NS, name: 'pool' },
      { spec: { template: { spec: { overrides: { 'evm.http_port': '7545' } } } } },
    );
    await new Promise((r) => setTimeout(r, 3_000));
    const still = await getSnd('pool');
    expect(still?.status?.phase).toBe('Paused');
    expect(still?.status?.templateHash).toBe(hash);
    expect(still?.status?.rollout).toBeUndefined();
    await admin.patch(
      Resources.SeiNodeDeployment,
      { namespace: NS, name: 'pool' },
      { spec: { paused: false } },
    );
    const d = await eventually(
      'deferred change rolled out',
      async () => {
        const x = await getSnd('pool');
        return x?.status?.phase === 'Ready' && !x.status.rollout && x.status.templateHash !== hash
          ? x
          : undefined;
      },
      90_000,
    );
    expect(cond(d, 'Paused')).toMatchObject({ status: 'False', reason: 'NotPaused' });
    for (const k of await children('pool')) {
      expect(k.spec.paused).toBeFalsy();
      expect(k.spec.overrides).toEqual({ 'evm.http_port': '7545' });
    }
  });

  it('runs a genesis ceremony of 4 validators end to end', async () => {
    const d0 = exampleDeployment('genesis-validators-deployment.yaml');
    d0.metadata = { name: 'devnet', namespace: NS };
    await create(d0);
    const d = await waitPhase('devnet', 'Ready', 120_000);
    expect(cond(d, 'GenesisCeremonyComplete')).toMatchObject({ status: 'True', reason: 'Complete' });
    expect(d.status?.plan?.tasks.map((t) => t.type)).toEqual([
      'assemble-and-upload-genesis',
      'collect-and-set-peers',
      'await-nodes-running',
    ]);
    expect(simulator.isGenesisUploaded('devnet-1')).toBe(true);
    const kids = await children('devnet');
    expect(kids).toHaveLength(4);
    for (const k of kids) {
      expect(k.spec.validator?.genesisCeremony?.chainId).toBe('devnet-1');
      expect(k.status?.phase).toBe('Running');
      const addresses = k.spec.peers?.[0]?.static?.addresses ?? [];
      expect(addresses).toHaveLength(3);
      expect(
        addresses.every((a) =>
          /^[0-9a-f]{40}@devnet-\d-0\.devnet-\d\.snd-it\.svc\.cluster\.local:26656$/.test(a),
        ),
      ).toBe(true);
      expect(addresses.some((a) => a.includes(`@${k.metadata.name}-0.`))).toBe(false);
    }
    const init = (await getNode('devnet-0'))?.status;
    expect(init?.phase).toBe('Running');
    // validators make no routes
    const routes = await admin.list(HttpRouteResource, {
      namespace: NS,
      labelSelector: { 'sei.io/nodedeployment': 'devnet' },
    });
    expect(routes.items).toHaveLength(0);
  });

  it('unpauses during an active plan and the plan continues', async () => {
    simulator.script('*', 'assemble-and-upload-genesis', { delayMs: 4_000 });
    try {
      const d0 = exampleDeployment('genesis-validators-deployment.yaml');
      d0.metadata = { name: 'pausy', namespace: NS };
      d0.spec.replicas = 2;
      if (d0.spec.genesis) d0.spec.genesis.chainId = 'pausy-1';
      d0.spec.template.spec.chainId = 'pausy-1';
      await create(d0);
      await eventually('genesis plan active', async () =>
        (await getSnd('pausy'))?.status?.plan?.phase === 'Active' ? true : undefined,
      );
      await admin.patch(
        Resources.SeiNodeDeployment,
        { namespace: NS, name: 'pausy' },
        { spec: { paused: true } },
      );
      const p = await waitPhase('pausy', 'Paused');
      expect(p.status?.plan?.phase).toBe('Active');
      await new Promise((r) => setTimeout(r, 5_000));
      expect((await getSnd('pausy'))?.status?.plan?.phase).toBe('Active');
      await admin.patch(
        Resources.SeiNodeDeployment,
        { namespace: NS, name: 'pausy' },
        { spec: { paused: false } },
      );
      const d = await waitPhase('pausy', 'Ready', 120_000);
      expect(cond(d, 'GenesisCeremonyComplete')?.status).toBe('True');
      expect(d.status?.plan?.id).toBe(p.status?.plan?.id);
    } finally {
      simulator.script('*', 'assemble-and-upload-genesis', {});
    }
  });

  it('fails a ceremony that exceeds maxCeremonyDuration with a clear reason', async () => {
    simulator.script('*', 'assemble-and-upload-genesis', { hang: true });
    try {
      const d0 = exampleDeployment('genesis-validators-deployment.yaml');
      d0.metadata = { name: 'slow', namespace: NS };
      d0.spec.replicas = 2;
      if (d0.spec.genesis) {
        d0.spec.genesis.chainId = 'slow-1';
        d0.spec.genesis.maxCeremonyDuration = '6s';
      }
      d0.spec.template.spec.chainId = 'slow-1';
      await create(d0);
      const d = await eventually(
        'ceremony failed',
        async () => {
          const x = await getSnd('slow');
          return x && cond(x, 'GenesisCeremonyComplete')?.reason === 'Failed' ? x : undefined;
        },
        60_000,
      );
      expect(d.status?.plan?.phase).toBe('Failed');
      expect(d.status?.plan?.failedTaskDetail?.error).toContain('maxCeremonyDuration 6s');
      expect(cond(d, 'PlanInProgress')).toMatchObject({ status: 'False', reason: 'PlanFailed' });
    } finally {
      simulator.script('*', 'assemble-and-upload-genesis', {});
    }
  });

  it('reports a missing HTTPRoute CRD as a condition, not a crash', async () => {
    await admin.delete(
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        plural: 'customresourcedefinitions',
        namespaced: false,
      },
      { name: 'httproutes.gateway.networking.k8s.io' },
    );
    await eventually('CRD gone', async () =>
      (await admin.get(
        {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          plural: 'customresourcedefinitions',
          namespaced: false,
        },
        { name: 'httproutes.gateway.networking.k8s.io' },
      )) === null
        ? true
        : undefined,
    );
    try {
      await create(rpcPool('nocrd', 1));
      const d = await eventually('CRDNotInstalled', async () => {
        const x = await getSnd('nocrd');
        return x && cond(x, 'NetworkingReady')?.reason === 'CRDNotInstalled' ? x : undefined;
      });
      expect(cond(d, 'NetworkingReady')?.status).toBe('False');
      await waitPhase('nocrd', 'Ready');
    } finally {
      await installCrds(admin.kubeConfig, [HTTPROUTE_CRD]);
    }
  });

  it('deletionPolicy Retain keeps children and Services without owner; Delete removes them', async () => {
    await create(
      rpcPool('keeper', 2, (d) => {
        d.spec.deletionPolicy = 'Retain';
      }),
    );
    await waitPhase('keeper', 'Ready');
    await admin.delete(Resources.SeiNodeDeployment, { namespace: NS, name: 'keeper' });
    await eventually('keeper gone', async () => ((await getSnd('keeper')) === null ? true : undefined));
    const kept = await children('keeper');
    expect(kept).toHaveLength(2);
    for (const k of kept) expect(k.metadata.ownerReferences ?? []).toEqual([]);
    const svc = await admin.get<KubeObject>(Resources.Service, { namespace: NS, name: 'keeper-internal' });
    expect(svc?.metadata?.ownerReferences ?? []).toEqual([]);

    await create(rpcPool('goner', 2));
    await waitPhase('goner', 'Ready');
    await admin.delete(Resources.SeiNodeDeployment, { namespace: NS, name: 'goner' });
    await eventually('goner gone', async () => ((await getSnd('goner')) === null ? true : undefined));
    await eventually('children gone', async () =>
      (await children('goner')).length === 0 ? true : undefined,
    );
    expect(await admin.get(Resources.Service, { namespace: NS, name: 'goner-internal' })).toBeNull();
    expect(
      (
        await admin.list(HttpRouteResource, {
          namespace: NS,
          labelSelector: { 'sei.io/nodedeployment': 'goner' },
        })
      ).items,
    ).toHaveLength(0);
  });
});
