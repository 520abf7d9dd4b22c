import { randomBytes } from 'node:crypto';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Pod, type V1StatefulSet } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pollUntil } from '../support/control-plane/index.js';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  type KubeletStandIn,
  POD_NAME_LABEL,
  startKubeletStandIn,
  statefulSetRevision,
} from '../support/kubelet-stand-in.js';

const kc = new KubeConfig();
kc.loadFromFile(inject('kubeconfigPath'));
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);

let ns: string;
let standIn: KubeletStandIn;

beforeAll(async () => {
  ns = `standin-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  standIn = await startKubeletStandIn(kc, { namespace: ns, resyncIntervalMs: 1000 });
});

afterAll(async () => {
  await standIn?.stop();
});

function statefulSet(
  name: string,
  opts: { replicas?: number; image?: string; strategy?: string } = {},
): V1StatefulSet {
  return {
    metadata: { name, namespace: ns },
    spec: {
      replicas: opts.replicas ?? 1,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: opts.strategy ?? 'OnDelete' },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'seid', image: opts.image ?? 'sei:v1' }] },
      },
    },
  };
}

const readSts = (name: string) => apps.readNamespacedStatefulSet({ name, namespace: ns });
const readPod = (name: string) =>
  core.readNamespacedPod({ name, namespace: ns }).catch((err: { code?: number }) => {
    if (err.code === 404) return undefined;
    throw err;
  });
const podNames = async (app: string) =>
  (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items
    .map((p) => p.metadata?.name ?? '')
    .sort();

/** Waits until the StatefulSet's status satisfies `ok`. */
async function waitForStatus(
  name: string,
  what: string,
  ok: (sts: V1StatefulSet) => boolean,
): Promise<V1StatefulSet> {
  return pollUntil(
    `${name}: ${what}`,
    async () => {
      const sts = await readSts(name);
      return ok(sts) ? sts : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100, context: () => `${name} never reached: ${what}` },
  );
}

const isReady = (pod: V1Pod | undefined) =>
  pod?.status?.phase === 'Running' &&
  pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

describe('kubelet stand-in', () => {
  it('rolls a new StatefulSet out: Pod created from the template, Running and Ready, status written', async () => {
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('create', { replicas: 2 }) });
    const sts = await waitForStatus('create', 'readyReplicas=2', (s) => s.status?.readyReplicas === 2);
    const revision = statefulSetRevision(sts);
    expect(revision).toMatch(/^create-[0-9a-f]{10}$/);
    expect(sts.status).toMatchObject({
      observedGeneration: sts.metadata?.generation,
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      currentReplicas: 2,
      updatedReplicas: 2,
      currentRevision: revision,
      updateRevision: revision,
    });

    const pod = await readPod('create-1');
    expect(pod?.metadata?.labels).toMatchObject({
      app: 'create',
      [CONTROLLER_REVISION_HASH_LABEL]: revision,
      [POD_NAME_LABEL]: 'create-1',
    });
    expect(pod?.metadata?.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'StatefulSet',
        name: 'create',
        uid: sts.metadata?.uid,
        controller: true,
      }),
    ]);
    expect(pod?.spec?.containers[0]?.image).toBe('sei:v1');
    expect(pod?.spec?.hostname).toBe('create-1');
    expect(pod?.spec?.subdomain).toBe('create');
    expect(isReady(pod)).toBe(true);
    expect(pod?.status?.podIP).toMatch(/^10\.1\.\d+\.\d+$/);
    const other = await readPod('create-0');
    expect(other?.status?.podIP).not.toBe(pod?.status?.podIP);
    expect(await podNames('create')).toEqual(['create-0', 'create-1']);
  });

  it('OnDelete: a template change moves updateRevision, but the Pod is only replaced once deleted', async () => {
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('ondelete') });
    const v1 = await waitForStatus('ondelete', 'ready', (s) => s.status?.readyReplicas === 1);
    const oldRevision = v1.status?.updateRevision;
    const oldUid = (await readPod('ondelete-0'))?.metadata?.uid;

    await apps.patchNamespacedStatefulSet({
      name: 'ondelete',
      namespace: ns,
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'sei:v2' }],
    });
    const v2 = await waitForStatus(
      'ondelete',
      'a new updateRevision observed',
      (s) =>
        s.status?.observedGeneration === s.metadata?.generation && s.status?.updateRevision !== oldRevision,
    );
    const newRevision = v2.status?.updateRevision;
    expect(newRevision).toBe(statefulSetRevision(v2));
    expect(v2.status).toMatchObject({ currentRevision: oldRevision, currentReplicas: 1, readyReplicas: 1 });
    expect(v2.status?.updatedReplicas ?? 0).toBe(0); // zero counts are omitted by the API server

    // Give the stand-in a few resyncs: OnDelete must leave the old Pod alone.
    await standIn.syncAll();
    await new Promise((r) => setTimeout(r, 2500));
    const untouched = await readPod('ondelete-0');
    expect(untouched?.metadata?.uid).toBe(oldUid);
    expect(untouched?.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).toBe(oldRevision);
    expect(untouched?.spec?.containers[0]?.image).toBe('sei:v1');

    await core.deleteNamespacedPod({ name: 'ondelete-0', namespace: ns });
    const replaced = await pollUntil(
      'ondelete-0 to come back at the new revision',
      async () => {
        const pod = await readPod('ondelete-0');
        return pod && pod.metadata?.uid !== oldUid && isReady(pod) ? pod : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(replaced.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).toBe(newRevision);
    expect(replaced.spec?.containers[0]?.image).toBe('sei:v2');
    const done = await waitForStatus('ondelete', 'updatedReplicas=1', (s) => s.status?.updatedReplicas === 1);
    // As upstream, OnDelete never advances currentRevision.
    expect(done.status).toMatchObject({
      updateRevision: newRevision,
      currentRevision: oldRevision,
      readyReplicas: 1,
    });
    expect(done.status?.currentReplicas ?? 0).toBe(0);
  });

  it('a deleted Pod goes through Terminating and is finished by the stand-in', async () => {
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('graceful') });
    await waitForStatus('graceful', 'ready', (s) => s.status?.readyReplicas === 1);
    const before = await readPod('graceful-0');
    await standIn.pause();
    try {
      await core.deleteNamespacedPod({ name: 'graceful-0', namespace: ns });
      // The Pod has a nodeName, so the API server waits for "the kubelet" to confirm.
      const terminating = await readPod('graceful-0');
      expect(terminating?.metadata?.uid).toBe(before?.metadata?.uid);
      expect(terminating?.metadata?.deletionTimestamp).toBeDefined();
    } finally {
      standIn.resume();
    }
    await pollUntil(
      'graceful-0 to be replaced',
      async () => {
        const pod = await readPod('graceful-0');
        return pod && pod.metadata?.uid !== before?.metadata?.uid && isReady(pod) ? true : undefined;
      },
      { timeoutMs: 20_000 },
    );
  });

  it('scaling to 0 deletes the Pods and reports 0 replicas', async () => {
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('scale', { replicas: 3 }) });
    await waitForStatus('scale', 'readyReplicas=3', (s) => s.status?.readyReplicas === 3);
    expect(await podNames('scale')).toEqual(['scale-0', 'scale-1', 'scale-2']);

    await apps.patchNamespacedStatefulSet({
      name: 'scale',
      namespace: ns,
      body: [{ op: 'replace', path: '/spec/replicas', value: 1 }],
    });
    await waitForStatus(
      'scale',
      'replicas=1',
      (s) => s.status?.replicas === 1 && s.status.readyReplicas === 1,
    );
    expect(await podNames('scale')).toEqual(['scale-0']);

    await apps.patchNamespacedStatefulSet({
      name: 'scale',
      namespace: ns,
      body: [{ op: 'replace', path: '/spec/replicas', value: 0 }],
    });
    const zero = await waitForStatus(
      'scale',
      'replicas=0',
      (s) => s.status?.observedGeneration === s.metadata?.generation && s.status?.replicas === 0,
    );
    expect(zero.status?.replicas).toBe(0);
    expect(zero.status?.readyReplicas ?? 0).toBe(0);
    expect(zero.status?.updatedReplicas ?? 0).toBe(0);
    expect(await podNames('scale')).toEqual([]);
  });

  it('pause() freezes all progress and resume() continues', async () => {
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('paused') });
    await waitForStatus('paused', 'ready', (s) => s.status?.readyReplicas === 1);

    await standIn.pause();
    expect(standIn.paused).toBe(true);
    try {
      await apps.patchNamespacedStatefulSet({
        name: 'paused',
        namespace: ns,
        body: [{ op: 'replace', path: '/spec/replicas', value: 2 }],
      });
      await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('born-paused') });
      // Longer than several resync periods and watch deliveries.
      await new Promise((r) => setTimeout(r, 4000));
      expect(await readPod('paused-1')).toBeUndefined();
      expect(await readPod('born-paused-0')).toBeUndefined();
      const frozen = await readSts('paused');
      expect(frozen.status?.observedGeneration).toBeLessThan(frozen.metadata?.generation ?? 0);
      expect(frozen.status?.replicas).toBe(1);
    } finally {
      standIn.resume();
    }
    expect(standIn.paused).toBe(false);
    await waitForStatus('paused', 'readyReplicas=2 after resume', (s) => s.status?.readyReplicas === 2);
    await waitForStatus('born-paused', 'ready after resume', (s) => s.status?.readyReplicas === 1);
  });

  it('RollingUpdate: replaces stale Pods one at a time and then advances currentRevision', async () => {
    await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: statefulSet('rolling', { replicas: 2, strategy: 'RollingUpdate' }),
    });
    const v1 = await waitForStatus('rolling', 'readyReplicas=2', (s) => s.status?.readyReplicas === 2);
    await apps.patchNamespacedStatefulSet({
      name: 'rolling',
      namespace: ns,
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'sei:v2' }],
    });
    const done = await waitForStatus(
      'rolling',
      'rolled out to the new revision',
      (s) =>
        s.status?.updateRevision !== v1.status?.updateRevision &&
        s.status?.currentRevision === s.status?.updateRevision &&
        s.status?.updatedReplicas === 2 &&
        s.status.readyReplicas === 2,
    );
    for (const name of ['rolling-0', 'rolling-1']) {
      const pod = await readPod(name);
      expect(pod?.spec?.containers[0]?.image).toBe('sei:v2');
      expect(pod?.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).toBe(done.status?.updateRevision);
    }
  });

  it('deletes the Pods of a deleted StatefulSet (garbage collector stand-in)', async () => {
    await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('gc', { replicas: 2 }) });
    await waitForStatus('gc', 'readyReplicas=2', (s) => s.status?.readyReplicas === 2);
    await apps.deleteNamespacedStatefulSet({ name: 'gc', namespace: ns });
    await pollUntil(
      'gc pods to be gone',
      async () => ((await podNames('gc')).length === 0 ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );
  });
});
