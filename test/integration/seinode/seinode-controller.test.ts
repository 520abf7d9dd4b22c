import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import { renderSeiNodeWorkload } from '../../../constructs/render';
import type { RunningController } from '../../../controller/app';
import type { KubeClient } from '../../../controller/kube/client';
import { findResource, Resources } from '../../../controller/kube/resources';
import type { KubeObject } from '../../../controller/kube/types';
import {
  adminClient,
  ensureNamespace,
  eventually,
  startTestController,
  subsetDiff,
} from '../../support/controller-harness';
import { exampleDocuments, exampleNode } from '../../support/examples';
import { type KubeletStandIn, startKubeletStandIn } from '../../support/kubelet-stand-in';
import { SidecarSimulator } from '../../support/sidecar-simulator';
import { createBoundClaim } from '../../support/volumes';

const NS = 'seinode-it';
let admin: KubeClient;
let controller: RunningController;
let kubelet: KubeletStandIn;
let simulator: SidecarSimulator;

async function createNode(file: string, mutate: (n: SeiNode) => void = () => {}): Promise<SeiNode> {
  for (const doc of exampleDocuments(file).filter((d) => d.kind === 'Secret')) {
    const secret = { ...doc, metadata: { ...(doc.metadata as object), namespace: NS } } as KubeObject;
    await admin.apply(Resources.Secret, secret, { force: true });
  }
  const node = exampleNode(file);
  node.metadata.namespace = NS;
  mutate(node);
  return admin.create<SeiNode>(Resources.SeiNode, node);
}

async function getNode(name: string): Promise<SeiNode | null> {
  return admin.get<SeiNode>(Resources.SeiNode, { namespace: NS, name });
}

/** Waits until the controller has converged the node's current generation. */
async function converged(name: string): Promise<SeiNode> {
  return eventually(`SeiNode ${name} converged`, async () => {
    const n = await getNode(name);
    return n?.status?.observedGeneration === n?.metadata.generation &&
      n?.status?.phase === 'Running' &&
      n?.status?.plan?.phase === 'Complete' &&
      n?.status?.currentImage === n?.spec.image
      ? n
      : undefined;
  });
}

beforeAll(async () => {
  admin = adminClient();
  await ensureNamespace(admin, NS);
  kubelet = await startKubeletStandIn(admin.kubeConfig, { namespace: NS });
  simulator = new SidecarSimulator();
  const sim = await simulator.start();
  controller = await startTestController({ namespace: NS, sidecarUrlTemplate: sim.urlTemplate });
});

afterAll(async () => {
  await controller?.stop(5_000);
  await kubelet?.stop();
  await simulator?.stop();
});

describe('SeiNode controller (real kube-apiserver, controller impersonating its ServiceAccount)', () => {
  const modes: Record<string, string> = {
    'full node from S3': 'pacific-1-rpc-node.yaml',
    'state-sync full node': 'state-sync-full-node.yaml',
    archive: 'archive-node.yaml',
    replayer: 'shadow-replayer.yaml',
    'validator with keys': 'validator-with-keys.yaml',
  };

  for (const [mode, file] of Object.entries(modes)) {
    it(`creates the workload of a ${mode} equal to the in-memory synth, owned, with finalizer and status`, async () => {
      const created = await createNode(file);
      const name = created.metadata.name as string;
      const node = await converged(name);

      expect(node.metadata.finalizers).toContain('sei.io/seinode-finalizer');
      expect(node.status?.phase).toBe('Running');
      expect(node.status?.mode).toBe(
        Object.keys(node.spec).find((k) => ['fullNode', 'archive', 'replayer', 'validator'].includes(k)),
      );

      const desired = renderSeiNodeWorkload(node, platform);
      expect(desired.map((o) => o.kind).sort()).toEqual([
        'ConfigMap',
        'PersistentVolumeClaim',
        'Service',
        'StatefulSet',
      ]);
      for (const d of desired) {
        const resource = findResource(d.apiVersion, d.kind);
        if (!resource) throw new Error(d.kind);
        const live = await admin.get<KubeObject>(resource, { namespace: NS, name: d.metadata.name });
        expect(live, `${d.kind} ${d.metadata.name}`).not.toBeNull();
        expect(subsetDiff(d, live), `${d.kind} ${d.metadata.name} differs from the synth`).toEqual([]);
        expect(live?.metadata?.ownerReferences).toEqual([
          {
            apiVersion: 'sei.io/v1alpha1',
            kind: 'SeiNode',
            name,
            uid: node.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ]);
      }
      const sts = await admin.get<KubeObject>(Resources.StatefulSet, { namespace: NS, name });
      expect(node.status?.statefulSet).toEqual({ name, uid: sts?.metadata?.uid });
    });
  }

  it('re-applies on edit: a new image reaches the StatefulSet template', async () => {
    await createNode('pacific-1-rpc-node.yaml', (n) => {
      n.metadata.name = 'edit-me';
    });
    await converged('edit-me');
    const node = (await getNode('edit-me')) as SeiNode;
    await admin.patch(
      Resources.SeiNode,
      { namespace: NS, name: 'edit-me' },
      { spec: { image: 'ghcr.io/sei-protocol/sei:v6.2.0', overrides: { 'evm.http_port': '9545' } } },
    );
    await eventually('new image applied', async () => {
      const sts = await admin.get<
        { spec: { template: { spec: { containers: { name: string; image: string }[] } } } } & KubeObject
      >(Resources.StatefulSet, { namespace: NS, name: 'edit-me' });
      return sts?.spec.template.spec.containers.find((c) => c.name === 'seid')?.image ===
        'ghcr.io/sei-protocol/sei:v6.2.0'
        ? sts
        : undefined;
    });
    const after = await converged('edit-me');
    expect(after.metadata.generation).toBeGreaterThan(node.metadata.generation as number);
    expect(after.status?.observedGeneration).toBe(after.metadata.generation);
  });

  it('reverts a manual edit of an owned StatefulSet', async () => {
    await createNode('archive-node.yaml', (n) => {
      n.metadata.name = 'drifty';
    });
    await converged('drifty');
    await admin.patch(
      Resources.StatefulSet,
      { namespace: NS, name: 'drifty' },
      { spec: { template: { spec: { terminationGracePeriodSeconds: 5 } } } },
      { fieldManager: 'kubectl-edit' },
    );
    await eventually('drift reverted', async () => {
      const sts = await admin.get<
        { spec: { template: { spec: { terminationGracePeriodSeconds: number } } } } & KubeObject
      >(Resources.StatefulSet, { namespace: NS, name: 'drifty' });
      return sts?.spec.template.spec.terminationGracePeriodSeconds === 30 ? true : undefined;
    });
  });

  it('deletes its data PVC on deletion, then releases the finalizer', async () => {
    await createNode('state-sync-full-node.yaml', (n) => {
      n.metadata.name = 'goner';
    });
    const node = await converged('goner');
    await admin.delete(Resources.SeiNode, { namespace: NS, name: 'goner' });
    await eventually('SeiNode gone', async () => ((await getNode('goner')) === null ? true : undefined));
    // No kube-controller-manager runs, so the pvc-protection finalizer keeps the claim visible as
    // Terminating: what matters is that the controller requested its deletion.
    const pvc = await admin.get<KubeObject>(Resources.PersistentVolumeClaim, {
      namespace: NS,
      name: 'data-goner',
    });
    expect(pvc === null || pvc.metadata?.deletionTimestamp !== undefined).toBe(true);
    expect(node.metadata.uid).toBeDefined();
  });

  it('never creates, owns or deletes an imported PVC', async () => {
    await createBoundClaim(admin, NS, 'restored-chain-data', '2000Gi');
    await createNode('pacific-1-rpc-node.yaml', (n) => {
      n.metadata.name = 'importer';
      n.spec.dataVolume = { import: { pvcName: 'restored-chain-data' } };
    });
    await converged('importer');
    expect(
      await admin.get(Resources.PersistentVolumeClaim, { namespace: NS, name: 'data-importer' }),
    ).toBeNull();
    const sts = await admin.get<
      {
        spec: {
          template: { spec: { volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] } };
        };
      } & KubeObject
    >(Resources.StatefulSet, { namespace: NS, name: 'importer' });
    expect(
      sts?.spec.template.spec.volumes.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName,
    ).toBe('restored-chain-data');

    await admin.delete(Resources.SeiNode, { namespace: NS, name: 'importer' });
    await eventually('SeiNode gone', async () => ((await getNode('importer')) === null ? true : undefined));
    const pvc = await admin.get<KubeObject>(Resources.PersistentVolumeClaim, {
      namespace: NS,
      name: 'restored-chain-data',
    });
    expect(pvc?.metadata?.deletionTimestamp).toBeUndefined();
    expect(pvc?.metadata?.ownerReferences).toBeUndefined();
  });

  it('fails fast on a pre-existing data-<name> PVC it does not control, and leaves it alone on deletion', async () => {
    await admin.create(Resources.PersistentVolumeClaim, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-squatter', namespace: NS },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
    });
    await createNode('pacific-1-rpc-node.yaml', (n) => {
      n.metadata.name = 'squatter';
    });
    const failed = await eventually('SeiNode squatter Failed', async () => {
      const n = await getNode('squatter');
      return n?.status?.phase === 'Failed' ? n : undefined;
    });
    expect(failed.status?.plan?.failedTaskDetail).toMatchObject({ type: 'ensure-data-pvc' });
    expect(failed.status?.plan?.failedTaskDetail?.error).toMatch(/dataVolume\.import\.pvcName/);
    await admin.delete(Resources.SeiNode, { namespace: NS, name: 'squatter' });
    await eventually('SeiNode gone', async () => ((await getNode('squatter')) === null ? true : undefined));
    const pvc = await admin.get<KubeObject>(Resources.PersistentVolumeClaim, {
      namespace: NS,
      name: 'data-squatter',
    });
    expect(pvc?.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('writes nothing for a converged node when owned objects change status', async () => {
    await createNode('shadow-replayer.yaml', (n) => {
      n.metadata.name = 'quiet';
    });
    const node = await converged('quiet');
    await eventually('StatefulSet rolled out', async () => {
      const sts = await admin.get<{ status?: { readyReplicas?: number } } & KubeObject>(
        Resources.StatefulSet,
        { namespace: NS, name: 'quiet' },
      );
      return sts?.status?.readyReplicas === 1 ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500));
    const before = await getNode('quiet');
    const sts1 = await admin.get<KubeObject>(Resources.StatefulSet, { namespace: NS, name: 'quiet' });
    // Wake the reconciler through an owned object without changing anything it renders.
    await admin.patch(
      Resources.StatefulSet,
      { namespace: NS, name: 'quiet' },
      { status: { observedGeneration: sts1?.metadata?.generation } },
      { subresource: 'status' },
    );
    await new Promise((r) => setTimeout(r, 1500));
    const after = await getNode('quiet');
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(node.metadata.uid).toBe(after?.metadata.uid);
  });
});
