import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import { ForbiddenError } from '../../../controller/kube/errors';
import { Resources } from '../../../controller/kube/resources';
import type { KubeObject } from '../../../controller/kube/types';
import type { TaskOutcome } from '../../../controller/planner/task';
import { ensureDataPvcTask } from '../../../controller/tasks/ensure-data-pvc';
import { createNode, fieldManagers, nodeParams, runTask, type TaskEnv, taskEnv } from './helpers';

let env: TaskEnv;
beforeAll(async () => {
  env = await taskEnv('task-pvc');
});

interface Pvc extends KubeObject {
  spec: { accessModes: string[]; storageClassName?: string; resources: { requests: { storage: string } } };
}

const condition = (o: TaskOutcome) => o.conditions?.find((c) => c.type === 'ImportPVCReady');

async function importingNode(name: string, pvcName: string): Promise<SeiNode> {
  return createNode(env, 'pacific-1-rpc-node.yaml', (n) => {
    n.metadata.name = name;
    n.spec.dataVolume = { import: { pvcName } };
  });
}

/** Creates a PVC and sets its status (no PV controller runs: the status stays as written). */
async function createClaim(
  name: string,
  opts: { accessModes?: string[]; phase?: string; capacity?: string; volumeName?: string } = {},
): Promise<KubeObject> {
  await env.admin.create(Resources.PersistentVolumeClaim, {
    metadata: { name, namespace: env.namespace },
    spec: {
      accessModes: opts.accessModes ?? ['ReadWriteOnce'],
      storageClassName: '',
      resources: { requests: { storage: '1Gi' } },
      ...(opts.volumeName ? { volumeName: opts.volumeName } : {}),
    },
  });
  return setClaimStatus(name, opts);
}

async function setClaimStatus(
  name: string,
  opts: { accessModes?: string[]; phase?: string; capacity?: string },
): Promise<KubeObject> {
  return env.admin.patch(
    Resources.PersistentVolumeClaim,
    { namespace: env.namespace, name },
    {
      status: {
        phase: opts.phase ?? 'Pending',
        ...(opts.capacity
          ? { capacity: { storage: opts.capacity }, accessModes: opts.accessModes ?? ['ReadWriteOnce'] }
          : {}),
      },
    },
    { subresource: 'status' },
  );
}

async function createVolume(name: string, capacity: string, phase = 'Bound'): Promise<void> {
  await env.admin.create(Resources.PersistentVolume, {
    metadata: { name },
    spec: {
      capacity: { storage: capacity },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      hostPath: { path: `/tmp/${name}` },
    },
  });
  await env.admin.patch(
    Resources.PersistentVolume,
    { name },
    { status: { phase } },
    { subresource: 'status' },
  );
}

describe('ensure-data-pvc: create path', () => {
  it('creates data-<name> once, owned by the node, class and size by mode, and never updates it', async () => {
    const node = await createNode(env, 'archive-node.yaml');
    const first = await runTask(env, ensureDataPvcTask, node, nodeParams(node));
    expect(first).toEqual({ kind: 'complete' });
    const pvc = await env.admin.get<Pvc>(Resources.PersistentVolumeClaim, {
      namespace: env.namespace,
      name: `data-${node.metadata.name}`,
    });
    expect(pvc?.spec.storageClassName).toBe('gp3-archive');
    expect(pvc?.spec.resources.requests.storage).toBe('40Ti');
    expect(pvc?.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(pvc?.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'SeiNode', uid: node.metadata.uid, controller: true }),
    ]);
    expect(fieldManagers(pvc)).toContain('seinode-controller');

    // Idempotent: a second run completes without writing.
    const again = await runTask(env, ensureDataPvcTask, node, nodeParams(node));
    expect(again).toEqual({ kind: 'complete' });
    const after = await env.admin.get(Resources.PersistentVolumeClaim, {
      namespace: env.namespace,
      name: `data-${node.metadata.name}`,
    });
    expect(after?.metadata?.resourceVersion).toBe(pvc?.metadata?.resourceVersion);
  });

  it('is terminal when data-<name> exists but another object owns it', async () => {
    const node = await createNode(env, 'pacific-1-rpc-node.yaml', (n) => {
      n.metadata.name = 'squatted';
    });
    await env.admin.create(Resources.PersistentVolumeClaim, {
      metadata: { name: 'data-squatted', namespace: env.namespace },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    const outcome = await runTask(env, ensureDataPvcTask, node, nodeParams(node));
    expect(outcome.kind).toBe('terminal');
    expect(outcome.kind === 'terminal' && outcome.error).toContain(
      'set spec.dataVolume.import.pvcName to adopt, or delete the PVC',
    );
  });
});

describe('ensure-data-pvc: create refused by admission', () => {
  const ResourceQuota = {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    plural: 'resourcequotas',
    namespaced: true,
  };

  it('an existing claim is still judged when a ResourceQuota refuses the create (Forbidden)', async () => {
    const quotaEnv = await taskEnv('task-pvc-quota');
    const node = await createNode(quotaEnv, 'pacific-1-rpc-node.yaml');
    // The node's claim from an earlier plan, then an exhausted quota (no quota controller runs
    // here: its status is written by hand), so admission refuses every PVC create with 403.
    expect(await runTask(quotaEnv, ensureDataPvcTask, node, nodeParams(node))).toEqual({ kind: 'complete' });
    await quotaEnv.admin.create(ResourceQuota, {
      metadata: { name: 'pvcs', namespace: quotaEnv.namespace },
      spec: { hard: { persistentvolumeclaims: '1' } },
    });
    await quotaEnv.admin.patch(
      ResourceQuota,
      { namespace: quotaEnv.namespace, name: 'pvcs' },
      { status: { hard: { persistentvolumeclaims: '1' }, used: { persistentvolumeclaims: '1' } } },
      { subresource: 'status' },
    );
    // Admission reads quotas from its informer: wait until it refuses.
    await vi.waitFor(
      () =>
        expect(
          quotaEnv.admin.create(Resources.PersistentVolumeClaim, {
            metadata: { name: 'probe', namespace: quotaEnv.namespace },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          }),
        ).rejects.toBeInstanceOf(ForbiddenError),
      { timeout: 10_000, interval: 200 },
    );
    expect(await runTask(quotaEnv, ensureDataPvcTask, node, nodeParams(node))).toEqual({ kind: 'complete' });

    // No claim yet: the refusal is transient (thrown), nothing is created.
    const fresh = await createNode(quotaEnv, 'archive-node.yaml');
    await expect(runTask(quotaEnv, ensureDataPvcTask, fresh, nodeParams(fresh))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });
});

describe('ensure-data-pvc: import path', () => {
  it('happy: a Bound RWO claim of sufficient size on a matching PV is validated, never modified', async () => {
    await createVolume(`${env.namespace}-happy`, '2Ti');
    const claim = await createClaim('happy-claim', {
      phase: 'Bound',
      capacity: '2048Gi',
      volumeName: `${env.namespace}-happy`,
    });
    const node = await importingNode('imports-happy', 'happy-claim');
    const outcome = await runTask(env, ensureDataPvcTask, node, nodeParams(node));
    expect(outcome.kind).toBe('complete');
    expect(condition(outcome)).toEqual({
      type: 'ImportPVCReady',
      status: 'True',
      reason: 'PVCValidated',
      message: 'PVC "happy-claim" passes all import requirements',
    });
    const after = await env.admin.get(Resources.PersistentVolumeClaim, {
      namespace: env.namespace,
      name: 'happy-claim',
    });
    expect(after?.metadata?.resourceVersion).toBe(claim.metadata?.resourceVersion);
    // No data-<name> claim is created for an importing node.
    expect(
      await env.admin.get(Resources.PersistentVolumeClaim, {
        namespace: env.namespace,
        name: 'data-imports-happy',
      }),
    ).toBeNull();
  });

  it('late: NotReady while the claim is missing, Pending, unbound or its PV is missing, then converges', async () => {
    const node = await importingNode('imports-late', 'late-claim');
    const pvName = `${env.namespace}-late`;
    const step = async () => runTask(env, ensureDataPvcTask, node, nodeParams(node));
    const expectWaiting = async (message: RegExp) => {
      const o = await step();
      expect(o.kind).toBe('running');
      expect(condition(o)).toMatchObject({
        status: 'False',
        reason: 'PVCNotReady',
        message: expect.stringMatching(message),
      });
    };

    await expectWaiting(/PVC "late-claim" not found in namespace/);
    await createClaim('late-claim', { phase: 'Pending' });
    await expectWaiting(/phase is "Pending", waiting for Bound/);
    await setClaimStatus('late-claim', { phase: 'Bound' });
    await expectWaiting(/no status.capacity.storage reported yet/);
    await setClaimStatus('late-claim', { phase: 'Bound', capacity: '3000Gi' });
    await expectWaiting(/Bound but has no spec.volumeName/);

    // volumeName can be set on an unbound claim once (no binder runs here).
    await env.admin.patch(
      Resources.PersistentVolumeClaim,
      { namespace: env.namespace, name: 'late-claim' },
      { spec: { volumeName: pvName } },
    );
    await expectWaiting(new RegExp(`underlying PV "${pvName}" for PVC "late-claim" not found`));
    await createVolume(pvName, '3000Gi');
    const done = await step();
    expect(done.kind).toBe('complete');
    expect(condition(done)?.reason).toBe('PVCValidated');
  });

  it('a claim being deleted is NotReady', async () => {
    await env.admin.create(Resources.PersistentVolumeClaim, {
      metadata: { name: 'going-claim', namespace: env.namespace, finalizers: ['test.sei.io/hold'] },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    await env.admin.delete(Resources.PersistentVolumeClaim, {
      namespace: env.namespace,
      name: 'going-claim',
    });
    const node = await importingNode('imports-going', 'going-claim');
    const o = await runTask(env, ensureDataPvcTask, node, nodeParams(node));
    expect(o.kind).toBe('running');
    expect(condition(o)?.message).toMatch(/is being deleted/);
    await env.admin.patch(
      Resources.PersistentVolumeClaim,
      { namespace: env.namespace, name: 'going-claim' },
      { metadata: { finalizers: null } },
    );
  });

  const invalidCases: {
    name: string;
    claim: { accessModes?: string[]; phase?: string; capacity?: string };
    pv?: { capacity: string; phase?: string };
    error: RegExp;
  }[] = [
    { name: 'lost', claim: { phase: 'Lost' }, error: /phase is Lost; underlying PV is gone/ },
    {
      name: 'rox',
      claim: { accessModes: ['ReadOnlyMany'], phase: 'Bound', capacity: '2000Gi' },
      error: /accessModes \[ReadOnlyMany\] must include ReadWriteOnce or ReadWriteOncePod/,
    },
    {
      name: 'small',
      claim: { phase: 'Bound', capacity: '1999Gi' },
      pv: { capacity: '1999Gi' },
      error: /capacity 1999Gi is less than required 2000Gi/,
    },
    {
      name: 'pv-failed',
      claim: { phase: 'Bound', capacity: '2000Gi' },
      pv: { capacity: '2000Gi', phase: 'Failed' },
      error: /is in phase Failed/,
    },
    {
      name: 'pv-mismatch',
      claim: { phase: 'Bound', capacity: '2000Gi' },
      pv: { capacity: '2100Gi' },
      error: /capacity 2100Gi does not match PVC "pv-mismatch-claim" capacity 2000Gi/,
    },
  ];
  for (const c of invalidCases) {
    it(`invalid (${c.name}) → terminal with PVCInvalid`, async () => {
      const pvName = `${env.namespace}-${c.name}`;
      if (c.pv) await createVolume(pvName, c.pv.capacity, c.pv.phase);
      await createClaim(`${c.name}-claim`, { ...c.claim, ...(c.pv ? { volumeName: pvName } : {}) });
      const node = await importingNode(`imports-${c.name}`, `${c.name}-claim`);
      const o = await runTask(env, ensureDataPvcTask, node, nodeParams(node));
      expect(o.kind).toBe('terminal');
      expect(o.kind === 'terminal' && o.error).toMatch(c.error);
      expect(condition(o)).toMatchObject({
        status: 'False',
        reason: 'PVCInvalid',
        message: expect.stringMatching(c.error),
      });
    });
  }

  it('ReadWriteOncePod is accepted', async () => {
    const pvName = `${env.namespace}-rwop`;
    await createVolume(pvName, '2000Gi');
    await createClaim('rwop-claim', {
      accessModes: ['ReadWriteOncePod'],
      phase: 'Bound',
      capacity: '2000Gi',
      volumeName: pvName,
    });
    const node = await importingNode('imports-rwop', 'rwop-claim');
    expect((await runTask(env, ensureDataPvcTask, node, nodeParams(node))).kind).toBe('complete');
  });
});
