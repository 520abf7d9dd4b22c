import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiNode, SeiNodeDeployment } from '../../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG } from '../../../constructs/platform-config';
import type { RunningController } from '../../../controller/app';
import type { KubeClient } from '../../../controller/kube/client';
import { Resources } from '../../../controller/kube/resources';
import type { KubeObject } from '../../../controller/kube/types';
import {
  adminClient,
  ensureNamespace,
  eventually,
  startTestController,
  waitSettled,
} from '../../support/controller-harness';
import { exampleDeployment, exampleNodeNamed } from '../../support/examples';
import { type KubeletStandIn, startKubeletStandIn } from '../../support/kubelet-stand-in';
import { LoadBalancerStandIn } from '../../support/load-balancer-stand-in';
import { SidecarSimulator } from '../../support/sidecar-simulator';

const NS = 'p2p-it';
let admin: KubeClient;
let controller: RunningController;
let kubelet: KubeletStandIn;
let simulator: SidecarSimulator;
let urlTemplate: string;
let lb: LoadBalancerStandIn;

type Svc = KubeObject & {
  spec: {
    type: string;
    externalTrafficPolicy: string;
    ports: { port: number; protocol: string }[];
    selector: Record<string, string>;
  };
};

const getNode = (name: string) => admin.get<SeiNode>(Resources.SeiNode, { namespace: NS, name });
const getSvc = (name: string) => admin.get<Svc>(Resources.Service, { namespace: NS, name });
const cond = (n: SeiNode | null, type: string) => n?.status?.conditions?.find((c) => c.type === type);
const HOST = (name: string) => `${name}-p2p-${NS}.elb.us-east-2.amazonaws.com`;

const stateSync = (name: string, mutate?: (n: SeiNode) => void) =>
  exampleNodeNamed('state-sync-full-node.yaml', NS, name, mutate);
const settled = (name: string, timeoutMs?: number) => waitSettled(admin, NS, name, timeoutMs);

const configApplies = (name: string) =>
  simulator
    .submissions({ namespace: NS, name })
    .filter((b) => (b as { type: string }).type === 'config-apply') as {
    params: { overrides: Record<string, string> };
  }[];

beforeAll(async () => {
  admin = adminClient();
  await ensureNamespace(admin, NS);
  kubelet = await startKubeletStandIn(admin.kubeConfig, {
    namespace: NS,
    // Nodes named `outside-*` get a pod IP outside SEI_VPC_CIDR (10.0.0.0/8).
    allocatePodIp: (pod) =>
      pod.metadata?.name?.startsWith('outside')
        ? '192.168.7.7'
        : `10.1.0.${Math.floor(Math.random() * 200) + 2}`,
  });
  lb = new LoadBalancerStandIn(admin, { namespace: NS, delayMs: 1_500 }).start();
  simulator = new SidecarSimulator();
  urlTemplate = (await simulator.start()).urlTemplate;
  // A long probe interval: consumers must be woken by the peer-source watches, not by polling.
  controller = await startTestController({
    namespace: NS,
    sidecarUrlTemplate: urlTemplate,
    probeIntervalMs: 600_000,
  });
});

afterAll(async () => {
  await controller?.stop(5_000);
  lb?.stop();
  await kubelet?.stop();
  await simulator?.stop();
});

describe('publishable P2P (seed #360)', () => {
  it('gate open: exact Service, no StatefulSet before the hostname, then externalAddress and config-apply carry it', async () => {
    await admin.create(
      Resources.SeiNode,
      stateSync('pub', (n) => {
        n.spec.networking = { tcp: {} };
      }),
    );
    const svc = await eventually('P2P Service', async () => (await getSvc('pub-p2p')) ?? undefined);
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.externalTrafficPolicy).toBe('Local');
    expect(svc.spec.ports).toEqual([expect.objectContaining({ port: 26656, protocol: 'TCP', name: 'p2p' })]);
    expect(svc.spec.selector).toEqual({ 'sei.io/node': 'pub' });
    expect(svc.metadata?.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
    });
    expect(svc.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'SeiNode', name: 'pub' });
    // Service-ready gate: no StatefulSet while the NLB has no hostname.
    expect(await admin.get(Resources.StatefulSet, { namespace: NS, name: 'pub' })).toBeNull();
    expect(cond(await getNode('pub'), 'P2PPublishable')).toMatchObject({
      status: 'False',
      reason: 'AwaitingLoadBalancer',
    });
    const n = await settled('pub');
    expect(n.status?.externalAddress).toBe(`${HOST('pub')}:26656`);
    expect(cond(n, 'P2PPublishable')).toMatchObject({ status: 'True', reason: 'Published' });
    const applies = configApplies('pub');
    expect(applies[0]?.params.overrides['network.p2p.external_address']).toBe(`${HOST('pub')}:26656`);
    expect(n.status?.plan?.tasks.map((t) => t.type).slice(0, 5)).toEqual([
      'ensure-data-pvc',
      'apply-rbac-proxy-config',
      'apply-p2p-service',
      'await-external-address',
      'apply-statefulset',
    ]);
  });

  it('keeps the address while the ingress is transiently empty', async () => {
    await lb.blank('pub-p2p');
    await new Promise((r) => setTimeout(r, 3_000));
    const n = await getNode('pub');
    expect(n?.status?.externalAddress).toBe(`${HOST('pub')}:26656`);
    expect(n?.status?.plan?.type).toBe('Init');
    lb.restore('pub-p2p');
  });

  it('opt-out on a Running node: Service deleted, address cleared, config re-applied, one pod cycle', async () => {
    const pod1 = (await admin.get<KubeObject>(Resources.Pod, { namespace: NS, name: 'pub-0' }))?.metadata
      ?.uid;
    await admin.patch(Resources.SeiNode, { namespace: NS, name: 'pub' }, { spec: { networking: null } });
    const n = await eventually('unpublished and updated', async () => {
      const x = await getNode('pub');
      return x?.status?.plan?.type === 'NodeUpdate' &&
        x.status.plan.phase === 'Complete' &&
        !x.status.externalAddress
        ? x
        : undefined;
    });
    expect(await getSvc('pub-p2p')).toBeNull();
    expect(n.status?.plan?.drift).toContain('config');
    expect(n.status?.plan?.tasks.filter((t) => t.type === 'replace-pod')).toHaveLength(1);
    expect(configApplies('pub').at(-1)?.params.overrides['network.p2p.external_address']).toBeUndefined();
    const pod2 = (await admin.get<KubeObject>(Resources.Pod, { namespace: NS, name: 'pub-0' }))?.metadata
      ?.uid;
    expect(pod2).not.toBe(pod1);
  });

  it('runtime add on a Running node: Service, address and config rolled out without a manual pod delete', async () => {
    await admin.create(Resources.SeiNode, stateSync('late'));
    await settled('late');
    await admin.patch(
      Resources.SeiNode,
      { namespace: NS, name: 'late' },
      { spec: { networking: { tcp: {} } } },
    );
    const n = await eventually(
      'published and rolled',
      async () => {
        const x = await getNode('late');
        return x?.status?.externalAddress &&
          x.status.plan?.type === 'NodeUpdate' &&
          x.status.plan.phase === 'Complete' &&
          x.status.observedGeneration === x.metadata.generation
          ? x
          : undefined;
      },
      60_000,
    );
    expect(n.status?.externalAddress).toBe(`${HOST('late')}:26656`);
    expect(configApplies('late').at(-1)?.params.overrides['network.p2p.external_address']).toBe(
      `${HOST('late')}:26656`,
    );
  });

  it('gate closed: a pod IP outside SEI_VPC_CIDR gets no Service and still reaches Running unpublished', async () => {
    await admin.create(
      Resources.SeiNode,
      stateSync('outside', (n) => {
        n.spec.networking = { tcp: {} };
      }),
    );
    // Before the pod exists the controller's own IP (inside the CIDR) is judged; once the pod has
    // an outside IP the gate closes and the node proceeds unpublished.
    const n = await eventually(
      'PodIPNotRoutable and Running',
      async () => {
        const x = await getNode('outside');
        return cond(x, 'P2PPublishable')?.reason === 'PodIPNotRoutable' &&
          x?.status?.phase === 'Running' &&
          x.status.plan?.phase === 'Complete'
          ? x
          : undefined;
      },
      60_000,
    );
    expect(n.status?.externalAddress).toBeUndefined();
    await eventually('no P2P Service', async () =>
      (await getSvc('outside-p2p')) === null ? true : undefined,
    );
  });

  it('a SeiNodeDeployment with networking.tcp gives every child its own <child>-p2p', async () => {
    const d = exampleDeployment('rpc-pool-deployment.yaml');
    d.metadata = { name: 'producer', namespace: NS };
    d.spec.replicas = 2;
    d.spec.networking = { tcp: {} };
    d.spec.template.spec.fullNode = { snapshot: { stateSync: {}, trustPeriod: '168h0m0s' } };
    await admin.create<SeiNodeDeployment>(Resources.SeiNodeDeployment, d);
    for (const child of ['producer-0', 'producer-1']) {
      const n = await settled(child);
      expect(n.spec.networking).toEqual({ tcp: {} });
      expect(n.status?.externalAddress).toBe(`${HOST(child)}:26656`);
      expect(await getSvc(`${child}-p2p`)).not.toBeNull();
    }
  });

  it('seinodeDeployment peers resolve the producer addresses, including one published later', async () => {
    lb.pause();
    await admin.patch(
      Resources.SeiNodeDeployment,
      { namespace: NS, name: 'producer' },
      { spec: { replicas: 3 } },
    );
    await admin.create(
      Resources.SeiNode,
      stateSync('consumer', (n) => {
        n.spec.peers = [{ seinodeDeployment: { name: 'producer' } }];
      }),
    );
    const first = await eventually('two producers resolved', async () => {
      const x = await getNode('consumer');
      return x?.status?.resolvedPeers?.length === 2 ? x : undefined;
    });
    expect(first.status?.resolvedPeers).toEqual([
      `${HOST('producer-0')}:26656`,
      `${HOST('producer-1')}:26656`,
    ]);
    lb.resume();
    const later = await eventually(
      'third producer resolved',
      async () => {
        const x = await getNode('consumer');
        return x?.status?.resolvedPeers?.length === 3 ? x : undefined;
      },
      60_000,
    );
    expect(later.status?.resolvedPeers).toContain(`${HOST('producer-2')}:26656`);
    await eventually(
      'consumer rolled with 3 peers',
      async () => {
        const last = simulator
          .submissions({ namespace: NS, name: 'consumer' })
          .filter((b) => (b as { type: string }).type === 'discover-peers')
          .at(-1) as { params: { sources: { type: string; endpoints?: string[] }[] } } | undefined;
        const endpoints = last?.params.sources.find((s) => s.type === 'dnsEndpoints')?.endpoints ?? [];
        return endpoints.length === 3 ? endpoints : undefined;
      },
      60_000,
    );
  });

  it('gate closed: SEI_VPC_CIDR not configured', async () => {
    await controller.stop(2_000);
    controller = await startTestController({
      namespace: NS,
      sidecarUrlTemplate: urlTemplate,
      platform: { ...EXAMPLE_PLATFORM_CONFIG, vpcCidrs: [] },
    });
    await admin.create(
      Resources.SeiNode,
      stateSync('nocidr', (n) => {
        n.spec.networking = { tcp: {} };
      }),
    );
    const n = await eventually(
      'VPCCIDRNotConfigured and Running',
      async () => {
        const x = await getNode('nocidr');
        return cond(x, 'P2PPublishable')?.reason === 'VPCCIDRNotConfigured' && x?.status?.phase === 'Running'
          ? x
          : undefined;
      },
      60_000,
    );
    expect(n.status?.externalAddress).toBeUndefined();
    expect(await getSvc('nocidr-p2p')).toBeNull();
  });
});
