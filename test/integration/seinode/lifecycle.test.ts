import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import type { RunningController } from '../../../controller/app';
import type { KubeClient } from '../../../controller/kube/client';
import { Resources } from '../../../controller/kube/resources';
import type { KubeObject } from '../../../controller/kube/types';
import {
  adminClient,
  ensureNamespace,
  eventually,
  startTestController,
} from '../../support/controller-harness';
import { exampleDocuments, exampleNode } from '../../support/examples';
import { type KubeletStandIn, startKubeletStandIn } from '../../support/kubelet-stand-in';
import { SidecarSimulator } from '../../support/sidecar-simulator';

const NS = 'lifecycle-it';
let admin: KubeClient;
let controller: RunningController;
let kubelet: KubeletStandIn;
let simulator: SidecarSimulator;
let urlTemplate: string;

const INFRA = ['ensure-data-pvc', 'apply-rbac-proxy-config', 'apply-statefulset', 'apply-service'];

async function applySecrets(file: string): Promise<void> {
  for (const doc of exampleDocuments(file).filter((d) => d.kind === 'Secret')) {
    await admin.apply(
      Resources.Secret,
      { ...doc, metadata: { ...(doc.metadata as object), namespace: NS } } as KubeObject,
      { force: true },
    );
  }
}

async function create(file: string, name: string, mutate: (n: SeiNode) => void = () => {}): Promise<SeiNode> {
  const node = exampleNode(file);
  node.metadata.name = name;
  node.metadata.namespace = NS;
  mutate(node);
  return admin.create<SeiNode>(Resources.SeiNode, node);
}

const get = (name: string) => admin.get<SeiNode>(Resources.SeiNode, { namespace: NS, name });

async function waitPhase(name: string, phase: string, timeoutMs = 60_000): Promise<SeiNode> {
  return eventually(
    `SeiNode ${name} ${phase}`,
    async () => {
      const n = await get(name);
      return n?.status?.phase === phase && n.status.plan?.phase !== 'Active' ? n : undefined;
    },
    timeoutMs,
  );
}

/** Waits until a Running node has converged its current spec (no plan active, hashes stamped). */
async function settled(name: string, timeoutMs = 60_000): Promise<SeiNode> {
  return eventually(
    `SeiNode ${name} settled`,
    async () => {
      const n = await get(name);
      return n?.status?.phase === 'Running' &&
        n.status.plan?.phase === 'Complete' &&
        n.status.observedGeneration === n.metadata.generation &&
        n.status.currentImage === n.spec.image
        ? n
        : undefined;
    },
    timeoutMs,
  );
}

const taskTypes = (n: SeiNode) => n.status?.plan?.tasks.map((t) => t.type);
const podUid = async (name: string) =>
  (await admin.get<KubeObject>(Resources.Pod, { namespace: NS, name: `${name}-0` }))?.metadata?.uid;

beforeAll(async () => {
  admin = adminClient();
  await ensureNamespace(admin, NS);
  kubelet = await startKubeletStandIn(admin.kubeConfig, { namespace: NS });
  simulator = new SidecarSimulator();
  urlTemplate = (await simulator.start()).urlTemplate;
  controller = await startTestController({ namespace: NS, sidecarUrlTemplate: urlTemplate });
});

afterAll(async () => {
  await controller?.stop(5_000);
  await kubelet?.stop();
  await simulator?.stop();
});

describe('SeiNode lifecycle: every mode reaches Running with the expected task order', () => {
  it('full node from an S3 snapshot', async () => {
    await create('pacific-1-rpc-node.yaml', 'full-s3');
    const n = await waitPhase('full-s3', 'Running');
    expect(taskTypes(n)).toEqual([
      ...INFRA,
      'snapshot-restore',
      'configure-genesis',
      'config-apply',
      'discover-peers',
      'configure-state-sync',
      'config-validate',
      'mark-ready',
    ]);
    expect(n.status?.plan?.type).toBe('Init');
    expect(n.status?.currentImage).toBe(n.spec.image);
    const restore = simulator
      .submissions({ namespace: NS, name: 'full-s3' })
      .find((b) => (b as { type: string }).type === 'snapshot-restore');
    expect(restore).toMatchObject({ type: 'snapshot-restore', params: { targetHeight: 152000000 } });
    const apply = simulator
      .submissions({ namespace: NS, name: 'full-s3' })
      .find((b) => (b as { type: string }).type === 'config-apply') as {
      params: { mode: string; overrides: Record<string, string> };
    };
    expect(apply.params.mode).toBe('full');
    expect(apply.params.overrides).toMatchObject({ 'logging.level': 'info', 'evm.http_port': '8545' });
  });

  it('state-sync full node', async () => {
    await create('state-sync-full-node.yaml', 'full-ss');
    const n = await waitPhase('full-ss', 'Running');
    expect(taskTypes(n)).toEqual([
      ...INFRA,
      'configure-genesis',
      'config-apply',
      'discover-peers',
      'configure-state-sync',
      'config-validate',
      'mark-ready',
    ]);
  });

  it('full node from genesis (no snapshot, no peers)', async () => {
    await create('state-sync-full-node.yaml', 'full-gen', (n) => {
      n.spec.fullNode = {};
      delete n.spec.peers;
    });
    const n = await waitPhase('full-gen', 'Running');
    expect(taskTypes(n)).toEqual([
      ...INFRA,
      'configure-genesis',
      'config-apply',
      'config-validate',
      'mark-ready',
    ]);
  });

  it('archive', async () => {
    await create('archive-node.yaml', 'archive');
    const n = await waitPhase('archive', 'Running');
    expect(taskTypes(n)).toEqual([
      ...INFRA,
      'configure-genesis',
      'config-apply',
      'discover-peers',
      'config-validate',
      'mark-ready',
    ]);
    const apply = simulator
      .submissions({ namespace: NS, name: 'archive' })
      .find((b) => (b as { type: string }).type === 'config-apply') as {
      params: { mode: string; overrides: Record<string, string> };
    };
    expect(apply.params).toMatchObject({
      mode: 'archive',
      overrides: { 'storage.snapshot_interval': '2000', 'storage.snapshot_keep_recent': '5' },
    });
  });

  it('replayer with result export', async () => {
    await create('shadow-replayer.yaml', 'replayer');
    const n = await waitPhase('replayer', 'Running');
    expect(taskTypes(n)).toEqual([
      ...INFRA,
      'snapshot-restore',
      'configure-genesis',
      'config-apply',
      'discover-peers',
      'configure-state-sync',
      'config-validate',
      'result-export',
      'mark-ready',
    ]);
  });

  it('validator with signing key, node key and operator keyring', async () => {
    await applySecrets('validator-with-keys.yaml');
    await create('validator-with-keys.yaml', 'validator');
    const n = await waitPhase('validator', 'Running');
    expect(taskTypes(n)).toEqual([
      'ensure-data-pvc',
      'validate-signing-key',
      'validate-node-key',
      'validate-operator-keyring',
      'apply-rbac-proxy-config',
      'apply-statefulset',
      'apply-service',
      'configure-genesis',
      'config-apply',
      'configure-state-sync',
      'config-validate',
      'mark-ready',
    ]);
    const reasons = Object.fromEntries(
      (n.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]),
    );
    expect(reasons).toMatchObject({
      SigningKeyReady: 'True/SigningKeyValidated',
      NodeKeyReady: 'True/NodeKeyValidated',
      OperatorKeyringReady: 'True/OperatorKeyringValidated',
      // The label selector matches no SeiNode: reported, and the plan was not wedged.
      PeersResolved: 'False/NoPeersMatched',
    });
  });

  it('bootstrap-Job variant', async () => {
    await create('pacific-1-rpc-node.yaml', 'boot', (n) => {
      if (n.spec.fullNode?.snapshot)
        n.spec.fullNode.snapshot.bootstrapImage = 'ghcr.io/sei-protocol/sei:v6.0.0';
    });
    // No Job controller runs: complete the Job once it exists, like a finished halt-height run.
    const job = await eventually(
      'bootstrap Job',
      async () =>
        (await admin.get<KubeObject>(Resources.Job, { namespace: NS, name: 'boot-bootstrap' })) ?? undefined,
    );
    await eventually('bootstrap progression submitted', async () =>
      simulator
        .submissions({ namespace: NS, name: 'boot' })
        .some((b) => (b as { type: string }).type === 'mark-ready')
        ? true
        : undefined,
    );
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await admin.patch(
      Resources.Job,
      { namespace: NS, name: 'boot-bootstrap' },
      {
        status: {
          startTime: now,
          completionTime: now,
          succeeded: 1,
          conditions: [
            { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: now },
            { type: 'Complete', status: 'True', lastTransitionTime: now },
          ],
        },
      },
      { subresource: 'status' },
    );
    expect(job.metadata?.ownerReferences?.[0]?.kind).toBe('SeiNode');
    // No garbage collector runs: finish the foreground deletion teardown-bootstrap requested.
    await eventually('bootstrap Job deletion requested', async () => {
      const j = await admin.get<KubeObject>(Resources.Job, { namespace: NS, name: 'boot-bootstrap' });
      return j?.metadata?.deletionTimestamp ? j : undefined;
    });
    await admin.patch(
      Resources.Job,
      { namespace: NS, name: 'boot-bootstrap' },
      { metadata: { finalizers: null } },
    );
    const n = await waitPhase('boot', 'Running', 60_000);
    expect(taskTypes(n)).toEqual([
      'ensure-data-pvc',
      'apply-rbac-proxy-config',
      'deploy-bootstrap-service',
      'deploy-bootstrap-job',
      'snapshot-restore',
      'configure-genesis',
      'config-apply',
      'discover-peers',
      'configure-state-sync',
      'config-validate',
      'mark-ready',
      'await-bootstrap-complete',
      'teardown-bootstrap',
      'apply-statefulset',
      'apply-service',
      'configure-genesis',
      'config-apply',
      'discover-peers',
      'config-validate',
      'mark-ready',
    ]);
    expect(await admin.get(Resources.Job, { namespace: NS, name: 'boot-bootstrap' })).toBeNull();
  });
});

describe('validator keys', () => {
  it('waits with NotReady while the Secret is missing and converges once it exists', async () => {
    await create('validator-with-keys.yaml', 'late-keys', (n) => {
      if (n.spec.validator) {
        n.spec.validator.signingKey = { secret: { secretName: 'late-signing-key' } };
        delete n.spec.validator.operatorKeyring;
      }
    });
    await eventually('SigningKeyNotReady', async () => {
      const c = (await get('late-keys'))?.status?.conditions?.find((x) => x.type === 'SigningKeyReady');
      return c?.reason === 'SigningKeyNotReady' ? c : undefined;
    });
    expect((await get('late-keys'))?.status?.phase).toBe('Initializing');
    const signing = exampleDocuments('validator-with-keys.yaml').find(
      (d) => (d.metadata as { name: string }).name === 'arctic-1-validator-0-signing-key',
    ) as KubeObject;
    await admin.apply(
      Resources.Secret,
      { ...signing, metadata: { name: 'late-signing-key', namespace: NS } },
      { force: true },
    );
    await applySecrets('validator-with-keys.yaml');
    await waitPhase('late-keys', 'Running');
  });

  it('fails with SigningKeyInvalid on a malformed key', async () => {
    await admin.apply(
      Resources.Secret,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'bad-key', namespace: NS },
        stringData: { 'priv_validator_key.json': '{"address":' },
      },
      { force: true },
    );
    await create('validator-with-keys.yaml', 'bad-keys', (n) => {
      if (n.spec.validator) {
        n.spec.validator.signingKey = { secret: { secretName: 'bad-key' } };
        delete n.spec.validator.operatorKeyring;
      }
    });
    const n = await waitPhase('bad-keys', 'Failed');
    expect(n.status?.plan?.failedTaskDetail?.type).toBe('validate-signing-key');
    expect(n.status?.conditions?.find((c) => c.type === 'SigningKeyReady')).toMatchObject({
      status: 'False',
      reason: 'SigningKeyInvalid',
    });
    expect(JSON.stringify(n.status)).not.toContain('{"address":');
  });
});

describe('failures and retries', () => {
  it('a sidecar task failure fails the plan with failedTaskDetail', async () => {
    simulator.script({ namespace: NS, name: 'ss-fails' }, 'configure-state-sync', {
      fail: 'no trust height from peers',
    });
    await create('state-sync-full-node.yaml', 'ss-fails');
    const n = await waitPhase('ss-fails', 'Failed');
    expect(n.status?.plan?.failedTaskDetail).toMatchObject({
      type: 'configure-state-sync',
      retryCount: 0,
      maxRetries: 0,
    });
    expect(n.status?.plan?.failedTaskDetail?.error).toContain('no trust height from peers');
    expect(n.status?.plan?.tasks.find((t) => t.type === 'mark-ready')?.status).toBe('Pending');
  });

  it('retries within the budget with backoff, then succeeds', async () => {
    simulator.script({ namespace: NS, name: 'peers-flaky' }, 'discover-peers', {
      fail: 'ec2 throttled',
      failTimes: 2,
    });
    await create('state-sync-full-node.yaml', 'peers-flaky');
    const n = await waitPhase('peers-flaky', 'Running');
    const t = n.status?.plan?.tasks.find((x) => x.type === 'discover-peers');
    expect(t).toMatchObject({ status: 'Complete', retryCount: 2, maxRetries: 20 });
    const posts = simulator
      .requests({ namespace: NS, name: 'peers-flaky' })
      .filter((r) => r.method === 'POST' && (r.json as { type?: string })?.type === 'discover-peers');
    expect(posts).toHaveLength(3);
  });

  it('an invalid override key fails fast instead of retrying forever', async () => {
    await create('state-sync-full-node.yaml', 'bad-override', (n) => {
      n.spec.overrides = { 'Not A Key': 'x' };
    });
    const n = await waitPhase('bad-override', 'Failed');
    expect(n.status?.plan?.failedTaskDetail?.type).toBe('config-apply');
    expect(
      simulator
        .submissions({ namespace: NS, name: 'bad-override' })
        .some((b) => (b as { type: string }).type === 'config-apply'),
    ).toBe(false);
  });

  it('a Failed node recovers when its spec is edited (fresh plan, no delete-and-recreate)', async () => {
    simulator.script({ namespace: NS, name: 'recover' }, 'configure-state-sync', {
      fail: 'boom',
      failTimes: 1,
    });
    await create('state-sync-full-node.yaml', 'recover');
    const failed = await waitPhase('recover', 'Failed');
    await admin.patch(
      Resources.SeiNode,
      { namespace: NS, name: 'recover' },
      { spec: { overrides: { 'evm.http_port': '8545' } } },
    );
    const n = await waitPhase('recover', 'Running');
    expect(n.status?.plan?.id).not.toBe(failed.status?.plan?.id);
    expect(n.status?.plan?.type).toBe('Init');
  });
});

describe('restart mid-plan', () => {
  it('resumes exactly where it was: no completed task is submitted again, no task gets a new id', async () => {
    simulator.script({ namespace: NS, name: 'resume' }, 'snapshot-restore', { delayMs: 4_000 });
    await create('pacific-1-rpc-node.yaml', 'resume');
    const mid = await eventually('snapshot-restore running', async () => {
      const n = await get('resume');
      return n?.status?.plan?.tasks.find((t) => t.type === 'snapshot-restore')?.status === 'Running'
        ? n
        : undefined;
    });
    await controller.stop(2_000);
    await new Promise((r) => setTimeout(r, 500));
    const requestsBeforeRestart = simulator.requests({ namespace: NS, name: 'resume' }).length;
    controller = await startTestController({ namespace: NS, sidecarUrlTemplate: urlTemplate });
    const n = await waitPhase('resume', 'Running');
    expect(n.status?.plan?.id).toBe(mid.status?.plan?.id);
    expect(n.status?.plan?.tasks.map((t) => t.id)).toEqual(mid.status?.plan?.tasks.map((t) => t.id));
    const completedBefore = new Set(
      mid.status?.plan?.tasks.filter((t) => t.status === 'Complete').map((t) => t.id),
    );
    expect(completedBefore.size).toBeGreaterThanOrEqual(4);
    const postsAfter = simulator
      .requests({ namespace: NS, name: 'resume' })
      .slice(requestsBeforeRestart)
      .filter((r) => r.method === 'POST')
      .map((r) => (r.json as { id: string }).id);
    expect(postsAfter.filter((id) => completedBefore.has(id))).toEqual([]);
    // The task that was running when the controller stopped was polled, not submitted again.
    const running = mid.status?.plan?.tasks.find((t) => t.status === 'Running')?.id;
    expect(postsAfter).not.toContain(running);
  });
});

describe('running nodes', () => {
  it('image edit → NodeUpdate → one pod cycle → currentImage stamped', async () => {
    await create('state-sync-full-node.yaml', 'upd-image');
    await settled('upd-image');
    const pod1 = await podUid('upd-image');
    await admin.patch(
      Resources.SeiNode,
      { namespace: NS, name: 'upd-image' },
      { spec: { image: 'ghcr.io/sei-protocol/sei:v6.2.0' } },
    );
    const n = await settled('upd-image');
    expect(n.status?.plan).toMatchObject({ type: 'NodeUpdate', drift: ['image'] });
    expect(taskTypes(n)).toEqual([
      'apply-rbac-proxy-config',
      'apply-statefulset',
      'apply-service',
      'replace-pod',
      'observe-image',
      'mark-ready',
    ]);
    expect(n.status?.currentImage).toBe('ghcr.io/sei-protocol/sei:v6.2.0');
    expect(n.status?.conditions?.find((c) => c.type === 'NodeUpdateInProgress')).toMatchObject({
      status: 'False',
      reason: 'UpdateComplete',
    });
    const pod2 = await podUid('upd-image');
    expect(pod2).toBeDefined();
    expect(pod2).not.toBe(pod1);
  });

  it('override edit → config re-applied and the pod cycled; image + override in one edit → one plan, one pod cycle', async () => {
    await create('state-sync-full-node.yaml', 'upd-cfg');
    await settled('upd-cfg');
    const pod1 = await podUid('upd-cfg');
    await admin.patch(
      Resources.SeiNode,
      { namespace: NS, name: 'upd-cfg' },
      { spec: { overrides: { 'evm.http_port': '9545' } } },
    );
    const a = await settled('upd-cfg');
    expect(a.status?.plan?.drift).toEqual(['config']);
    expect(taskTypes(a)).toEqual([
      'apply-rbac-proxy-config',
      'apply-statefulset',
      'apply-service',
      'replace-pod',
      'observe-image',
      'config-apply',
      'discover-peers',
      'config-validate',
      'mark-ready',
    ]);
    const lastApply = simulator
      .submissions({ namespace: NS, name: 'upd-cfg' })
      .filter((b) => (b as { type: string }).type === 'config-apply')
      .at(-1) as { params: { overrides: Record<string, string> } };
    expect(lastApply.params.overrides['evm.http_port']).toBe('9545');
    const pod2 = await podUid('upd-cfg');
    expect(pod2).not.toBe(pod1);

    const plansBefore = a.status?.plan?.id;
    await admin.patch(
      Resources.SeiNode,
      { namespace: NS, name: 'upd-cfg' },
      { spec: { image: 'ghcr.io/sei-protocol/sei:v6.3.0', overrides: { 'evm.http_port': '10545' } } },
    );
    const b = await settled('upd-cfg');
    expect(b.status?.plan?.id).not.toBe(plansBefore);
    expect(b.status?.plan?.drift).toEqual(['image', 'config']);
    expect(taskTypes(b)?.filter((t) => t === 'replace-pod')).toHaveLength(1);
    const pod3 = await podUid('upd-cfg');
    expect(pod3).not.toBe(pod2);
  });

  it('sidecar restart (ready flag lost) → mark-ready re-issued → SidecarReady True', async () => {
    await create('state-sync-full-node.yaml', 'restarty');
    await settled('restarty');
    await eventually('SidecarReady True', async () =>
      (await get('restarty'))?.status?.conditions?.find((c) => c.type === 'SidecarReady')?.status === 'True'
        ? true
        : undefined,
    );
    simulator.restart({ namespace: NS, name: 'restarty' });
    const n = await eventually('mark-ready plan complete', async () => {
      const x = await get('restarty');
      return x?.status?.plan?.type === 'MarkReady' && x.status.plan.phase === 'Complete' ? x : undefined;
    });
    expect(taskTypes(n)).toEqual(['mark-ready']);
    await eventually('SidecarReady True again', async () =>
      (await get('restarty'))?.status?.conditions?.find((c) => c.type === 'SidecarReady')?.status === 'True'
        ? true
        : undefined,
    );
    expect(simulator.isReady({ namespace: NS, name: 'restarty' })).toBe(true);
  });
});
