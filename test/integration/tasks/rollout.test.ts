import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import { Resources } from '../../../controller/kube/resources';
import type { KubeObject, WatchEvent } from '../../../controller/kube/types';
import { applyServiceTask, applyStatefulSetTask } from '../../../controller/tasks/apply-workload';
import { desiredPodTemplateHash, observeImageTask } from '../../../controller/tasks/observe-image';
import { replacePodTask } from '../../../controller/tasks/replace-pod';
import { eventually } from '../../support/controller-harness';
import { type KubeletStandIn, startKubeletStandIn } from '../../support/kubelet-stand-in';
import { createNode, getNode, nodeParams, runTask, runUntilSettled, type TaskEnv, taskEnv } from './helpers';

let env: TaskEnv;
let kubelet: KubeletStandIn;
beforeAll(async () => {
  env = await taskEnv('task-rollout');
  kubelet = await startKubeletStandIn(env.admin.kubeConfig, {
    namespace: env.namespace,
    resyncIntervalMs: 500,
  });
});
afterAll(async () => {
  await kubelet?.stop();
});

interface Sts extends KubeObject {
  status?: { updateRevision?: string; currentRevision?: string; observedGeneration?: number };
}
const REV = 'controller-revision-hash';

async function pod(name: string): Promise<KubeObject | null> {
  return env.admin.get(Resources.Pod, { namespace: env.namespace, name: `${name}-0` });
}

/** Applies the node's StatefulSet and Service and waits until its pod runs at the update revision. */
async function deploy(node: SeiNode): Promise<string> {
  expect((await runTask(env, applyServiceTask, node, nodeParams(node))).kind).toBe('complete');
  expect((await runTask(env, applyStatefulSetTask, node, nodeParams(node))).kind).toBe('complete');
  return rolledOut(node);
}

/** Waits until the stand-in has observed the StatefulSet's generation; returns its update revision. */
async function rolledOut(node: SeiNode): Promise<string> {
  const name = node.metadata.name as string;
  return eventually(`StatefulSet ${name} observed`, async () => {
    const sts = await env.admin.get<Sts>(Resources.StatefulSet, { namespace: env.namespace, name });
    return sts?.status?.observedGeneration === sts?.metadata?.generation
      ? sts?.status?.updateRevision
      : undefined;
  });
}

async function setImage(node: SeiNode, image: string): Promise<SeiNode> {
  const name = node.metadata.name as string;
  await env.admin.patch(Resources.SeiNode, { namespace: env.namespace, name }, { spec: { image } });
  return getNode(env, name);
}

/** Records pod watch events of one pod name while `fn` runs. */
async function watchingPod<T>(
  podName: string,
  fn: () => Promise<T>,
): Promise<{ result: T; events: WatchEvent[] }> {
  const { resourceVersion } = await env.admin.list(Resources.Pod, { namespace: env.namespace });
  const abort = new AbortController();
  const events: WatchEvent[] = [];
  const done = (async () => {
    try {
      for await (const e of env.admin.watch(Resources.Pod, {
        namespace: env.namespace,
        resourceVersion,
        fieldSelector: `metadata.name=${podName}`,
        allowWatchBookmarks: false,
        signal: abort.signal,
      }))
        events.push(e);
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  try {
    const result = await fn();
    await new Promise((r) => setTimeout(r, 1500)); // let late events (a second delete) arrive
    return { result, events };
  } finally {
    abort.abort();
    await done;
  }
}

describe('replace-pod and observe-image (kubelet stand-in plays the StatefulSet controller)', () => {
  it('a pod already at the update revision completes at once, without a deletion', async () => {
    const node = await createNode(env, 'archive-node.yaml');
    const rev = await deploy(node);
    const p = await eventually('pod', () => pod(node.metadata.name as string).then((x) => x ?? undefined));
    expect(p.metadata?.labels?.[REV]).toBe(rev);
    expect(await runTask(env, replacePodTask, node, nodeParams(node))).toEqual({ kind: 'complete' });
    expect((await pod(node.metadata.name as string))?.metadata?.uid).toBe(p.metadata?.uid);
  });

  it('an image change: the stale pod is deleted once and recreated at the new revision; observe-image stamps it', async () => {
    let node = await createNode(env, 'pacific-1-rpc-node.yaml');
    const name = node.metadata.name as string;
    const oldRev = await deploy(node);
    const oldPod = await eventually('first pod', () => pod(name).then((x) => x ?? undefined));
    expect(oldPod.metadata?.labels?.[REV]).toBe(oldRev);

    node = await setImage(node, 'ghcr.io/sei-protocol/sei:v6.2.0');
    expect((await runTask(env, applyStatefulSetTask, node, nodeParams(node))).kind).toBe('complete');
    const newRev = await rolledOut(node);
    expect(newRev).not.toBe(oldRev);
    // OnDelete: the StatefulSet controller leaves the pod alone and currentRevision stays put.
    const sts = await env.admin.get<Sts>(Resources.StatefulSet, { namespace: env.namespace, name });
    expect(sts?.status?.currentRevision).toBe(oldRev);
    expect((await pod(name))?.metadata?.uid).toBe(oldPod.metadata?.uid);
    const early = await runTask(env, observeImageTask, node, nodeParams(node));
    expect(early.kind).toBe('running');

    const { result: outcomes, events } = await watchingPod(`${name}-0`, () =>
      runUntilSettled(env, replacePodTask, node, nodeParams(node), { intervalMs: 100 }),
    );
    expect(outcomes.at(-1)).toEqual({ kind: 'complete' });
    expect(outcomes[0]?.kind === 'running' && outcomes[0].message).toMatch(
      /^deleted pod .*-0; waiting for its replacement/,
    );

    const deletions = events.filter((e) => e.type === 'DELETED');
    expect(deletions.map((e) => (e.object as KubeObject).metadata?.uid)).toEqual([oldPod.metadata?.uid]);
    const created = new Set(
      events.filter((e) => e.type === 'ADDED').map((e) => (e.object as KubeObject).metadata?.uid),
    );
    expect(created.size).toBe(1);
    const newPod = await pod(name);
    expect(created.has(newPod?.metadata?.uid)).toBe(true);
    expect(newPod?.metadata?.labels?.[REV]).toBe(newRev);

    // Completed means the cycle is over: running again deletes nothing.
    expect(await runTask(env, replacePodTask, node, nodeParams(node))).toEqual({ kind: 'complete' });
    expect((await pod(name))?.metadata?.uid).toBe(newPod?.metadata?.uid);

    const observed = await runUntilSettled(env, observeImageTask, node, nodeParams(node));
    expect(observed.at(-1)).toEqual({
      kind: 'complete',
      status: {
        currentImage: 'ghcr.io/sei-protocol/sei:v6.2.0',
        currentPodTemplateHash: desiredPodTemplateHash(node, platform),
      },
    });
  });

  it('observe-image records the image that runs, not a spec edit that was never rolled out', async () => {
    let node = await createNode(env, 'shadow-replayer.yaml');
    await deploy(node);
    await eventually('pod', () => pod(node.metadata.name as string).then((x) => x ?? undefined));
    node = await setImage(node, 'ghcr.io/sei-protocol/sei-shadow:v9');
    const o = await runUntilSettled(env, observeImageTask, node, nodeParams(node));
    expect(o.at(-1)).toEqual({
      kind: 'complete',
      status: { currentImage: 'ghcr.io/sei-protocol/sei-shadow:v6.1.0-skip-apphash' },
    });
  });

  it('waits while the StatefulSet controller has not observed the new generation', async () => {
    let node = await createNode(env, 'state-sync-full-node.yaml');
    const name = node.metadata.name as string;
    await deploy(node);
    const first = await eventually('pod', () => pod(name).then((x) => x ?? undefined));
    await kubelet.pause();
    try {
      node = await setImage(node, 'ghcr.io/sei-protocol/sei:v7.0.0');
      expect((await runTask(env, applyStatefulSetTask, node, nodeParams(node))).kind).toBe('complete');
      const o = await runTask(env, replacePodTask, node, nodeParams(node));
      expect(o.kind).toBe('running');
      expect(o.kind === 'running' && o.message).toMatch(/observe generation/);
      expect(await runTask(env, observeImageTask, node, nodeParams(node))).toMatchObject({ kind: 'running' });
      expect((await pod(name))?.metadata?.uid).toBe(first.metadata?.uid);
    } finally {
      kubelet.resume();
    }
    const done = await runUntilSettled(env, replacePodTask, node, nodeParams(node));
    expect(done.at(-1)).toEqual({ kind: 'complete' });
    expect((await pod(name))?.metadata?.uid).not.toBe(first.metadata?.uid);
  });

  it('more than one replica is terminal', async () => {
    const node = await createNode(env, 'archive-node.yaml', (n) => {
      n.metadata.name = 'two-replicas';
    });
    await deploy(node);
    await env.admin.patch(
      Resources.StatefulSet,
      { namespace: env.namespace, name: 'two-replicas' },
      { spec: { replicas: 2 } },
      { fieldManager: 'kubectl-scale' },
    );
    await rolledOut(node);
    const o = await runTask(env, replacePodTask, node, nodeParams(node));
    expect(o.kind).toBe('terminal');
    expect(o.kind === 'terminal' && o.error).toMatch(
      /does not support multi-replica StatefulSets .*replicas=2/,
    );
  });

  it('a missing StatefulSet is a wait, not an error', async () => {
    const node = await createNode(env, 'archive-node.yaml', (n) => {
      n.metadata.name = 'not-yet';
    });
    expect(await runTask(env, replacePodTask, node, nodeParams(node))).toEqual({
      kind: 'running',
      message: 'waiting for StatefulSet not-yet',
    });
  });
});
