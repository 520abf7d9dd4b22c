import { beforeAll, describe, expect, it } from 'vitest';
import type { SeiNode } from '../../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG as platform } from '../../../constructs/platform-config';
import { Resources } from '../../../controller/kube/resources';
import type { KubeObject } from '../../../controller/kube/types';
import {
  awaitBootstrapCompleteTask,
  deployBootstrapJobTask,
  deployBootstrapServiceTask,
  renderBootstrapJob,
  renderBootstrapService,
  teardownBootstrapTask,
} from '../../../controller/tasks/bootstrap';
import { subsetDiff } from '../../support/controller-harness';
import { createNode, fieldManagers, runTask, type TaskEnv, taskEnv } from './helpers';

let env: TaskEnv;
beforeAll(async () => {
  env = await taskEnv('task-boot');
});

/** A replayer that bootstraps from S3 with a dedicated image. */
function bootstrapNode(name: string): Promise<SeiNode> {
  return createNode(env, 'shadow-replayer.yaml', (n) => {
    n.metadata.name = name;
    if (n.spec.replayer) n.spec.replayer.snapshot.bootstrapImage = 'ghcr.io/sei-protocol/sei:v6.0.0';
  });
}

const jobParams = (n: SeiNode) => ({ jobName: `${n.metadata.name}-bootstrap`, namespace: env.namespace });
const svcParams = (n: SeiNode) => ({ serviceName: n.metadata.name as string, namespace: env.namespace });
const teardownParams = (n: SeiNode) => ({ ...jobParams(n), serviceName: n.metadata.name as string });

async function getJob(name: string): Promise<KubeObject | null> {
  return env.admin.get(Resources.Job, { namespace: env.namespace, name });
}

/**
 * Plays the Job controller's final status write (none runs in the test control plane): the
 * condition pair the API server requires (SuccessCriteriaMet+Complete or FailureTarget+Failed).
 */
async function finishJob(name: string, outcome: 'Complete' | 'Failed'): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const cond = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    reason,
    message,
    lastProbeTime: now,
    lastTransitionTime: now,
  });
  const status =
    outcome === 'Complete'
      ? {
          startTime: now,
          completionTime: now,
          succeeded: 1,
          conditions: [
            cond('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'),
            cond('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods'),
          ],
        }
      : {
          startTime: now,
          failed: 1,
          conditions: [
            cond('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
            cond('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
          ],
        };
  await env.admin.patch(
    Resources.Job,
    { namespace: env.namespace, name },
    { status },
    { subresource: 'status' },
  );
}

/** Plays the garbage collector finishing a Foreground deletion (no GC runs in the test control plane). */
async function finishForegroundDeletion(name: string): Promise<void> {
  const job = await getJob(name);
  expect(job?.metadata?.deletionTimestamp, `Job ${name} is being deleted`).toBeTruthy();
  expect(job?.metadata?.finalizers).toContain('foregroundDeletion');
  await env.admin.patch(
    Resources.Job,
    { namespace: env.namespace, name },
    { metadata: { finalizers: (job?.metadata?.finalizers ?? []).filter((f) => f !== 'foregroundDeletion') } },
  );
}

describe('bootstrap tasks', () => {
  it('create → await → Job Complete → teardown waits until the Job and the Service are really gone', async () => {
    const node = await bootstrapNode('boot-happy');
    const svc = await runTask(env, deployBootstrapServiceTask, node, svcParams(node));
    expect(svc).toEqual({ kind: 'complete' });
    const job = await runTask(env, deployBootstrapJobTask, node, jobParams(node));
    expect(job).toEqual({ kind: 'complete' });

    const liveSvc = await env.admin.get(Resources.Service, { namespace: env.namespace, name: 'boot-happy' });
    const liveJob = await getJob('boot-happy-bootstrap');
    expect(subsetDiff(renderBootstrapService(node), liveSvc)).toEqual([]);
    expect(subsetDiff(renderBootstrapJob(node, platform), liveJob)).toEqual([]);
    for (const obj of [liveSvc, liveJob]) {
      expect(obj?.metadata?.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'SeiNode', uid: node.metadata.uid, controller: true }),
      ]);
      expect(fieldManagers(obj)).toContain('seinode-controller');
    }

    // Idempotent: both exist and are ours.
    expect(await runTask(env, deployBootstrapServiceTask, node, svcParams(node))).toEqual({
      kind: 'complete',
    });
    expect(await runTask(env, deployBootstrapJobTask, node, jobParams(node))).toEqual({ kind: 'complete' });
    expect((await getJob('boot-happy-bootstrap'))?.metadata?.uid).toBe(liveJob?.metadata?.uid);

    const running = await runTask(env, awaitBootstrapCompleteTask, node, jobParams(node));
    expect(running.kind).toBe('running');
    await finishJob('boot-happy-bootstrap', 'Complete');
    expect(await runTask(env, awaitBootstrapCompleteTask, node, jobParams(node))).toEqual({
      kind: 'complete',
    });

    // Hold the Service's deletion too, so both removals are observably awaited.
    await env.admin.patch(
      Resources.Service,
      { namespace: env.namespace, name: 'boot-happy' },
      { metadata: { finalizers: ['test.sei.io/hold'] } },
    );
    const t1 = await runTask(env, teardownBootstrapTask, node, teardownParams(node));
    expect(t1).toEqual({
      kind: 'running',
      message: 'waiting for Job boot-happy-bootstrap and Service boot-happy to be deleted',
    });
    const svcGoing = await env.admin.get(Resources.Service, { namespace: env.namespace, name: 'boot-happy' });
    expect(svcGoing?.metadata?.deletionTimestamp).toBeTruthy();
    // A Service on its way out is not reused by a (re)deploy.
    expect(await runTask(env, deployBootstrapServiceTask, node, svcParams(node))).toEqual({
      kind: 'running',
      message: 'waiting for the earlier Service boot-happy to be deleted',
    });
    // The Job lingers until its dependents are gone (Foreground): the GC's part is played below.
    await finishForegroundDeletion('boot-happy-bootstrap');
    expect(await runTask(env, teardownBootstrapTask, node, teardownParams(node))).toEqual({
      kind: 'running',
      message: 'waiting for Service boot-happy to be deleted',
    });
    await env.admin.patch(
      Resources.Service,
      { namespace: env.namespace, name: 'boot-happy' },
      { metadata: { finalizers: null } },
    );
    expect(await runTask(env, teardownBootstrapTask, node, teardownParams(node))).toEqual({
      kind: 'complete',
    });
    expect(
      await env.admin.get(Resources.Service, { namespace: env.namespace, name: 'boot-happy' }),
    ).toBeNull();
    expect(await getJob('boot-happy-bootstrap')).toBeNull();
  });

  it('a failed Job fails await; a fresh plan deletes it and creates a new one', async () => {
    const node = await bootstrapNode('boot-fail');
    expect(await runTask(env, deployBootstrapJobTask, node, jobParams(node))).toEqual({ kind: 'complete' });
    const first = await getJob('boot-fail-bootstrap');
    await finishJob('boot-fail-bootstrap', 'Failed');
    expect(await runTask(env, awaitBootstrapCompleteTask, node, jobParams(node))).toEqual({
      kind: 'failed',
      error: 'bootstrap Job boot-fail-bootstrap failed: Job has reached the specified backoff limit',
    });

    const retry = await runTask(env, deployBootstrapJobTask, node, jobParams(node));
    expect(retry.kind).toBe('running');
    expect(await runTask(env, deployBootstrapJobTask, node, jobParams(node))).toEqual({
      kind: 'running',
      message: 'waiting for the earlier bootstrap Job boot-fail-bootstrap to be deleted',
    });
    await finishForegroundDeletion('boot-fail-bootstrap');
    expect(await runTask(env, deployBootstrapJobTask, node, jobParams(node))).toEqual({ kind: 'complete' });
    const second = await getJob('boot-fail-bootstrap');
    expect(second?.metadata?.uid).toBeTruthy();
    expect(second?.metadata?.uid).not.toBe(first?.metadata?.uid);
    expect(await runTask(env, awaitBootstrapCompleteTask, node, jobParams(node))).toMatchObject({
      kind: 'running',
    });
  });

  it('a missing Job fails await', async () => {
    const node = await bootstrapNode('boot-missing');
    expect(await runTask(env, awaitBootstrapCompleteTask, node, jobParams(node))).toEqual({
      kind: 'failed',
      error: 'bootstrap Job boot-missing-bootstrap not found',
    });
  });

  it('a node that cannot bootstrap (no s3.targetHeight) is terminal, not retried forever', async () => {
    const node = await createNode(env, 'state-sync-full-node.yaml');
    const o = await runTask(env, deployBootstrapJobTask, node, {
      jobName: `${node.metadata.name}-bootstrap`,
      namespace: env.namespace,
    });
    expect(o.kind).toBe('terminal');
    expect(o.kind === 'terminal' && o.error).toMatch(
      /cannot render the bootstrap Job: .*s3.targetHeight > 0/,
    );
    expect(await getJob(`${node.metadata.name}-bootstrap`)).toBeNull();
  });

  it('objects of those names that the node does not control are never adopted or deleted', async () => {
    const node = await bootstrapNode('boot-foreign');
    await env.admin.create(Resources.Service, {
      metadata: { name: 'boot-foreign', namespace: env.namespace },
      spec: { clusterIP: 'None', ports: [{ name: 'x', port: 1 }] },
    });
    const deploy = await runTask(env, deployBootstrapServiceTask, node, svcParams(node));
    expect(deploy.kind).toBe('terminal');
    expect(deploy.kind === 'terminal' && deploy.error).toMatch(
      /Service boot-foreign already exists and is not controlled/,
    );
    const teardown = await runTask(env, teardownBootstrapTask, node, teardownParams(node));
    expect(teardown.kind).toBe('terminal');
    expect(teardown.kind === 'terminal' && teardown.error).toMatch(/refusing to delete it/);
    expect(
      await env.admin.get(Resources.Service, { namespace: env.namespace, name: 'boot-foreign' }),
    ).not.toBeNull();
  });

  it('teardown with nothing left completes at once', async () => {
    const node = await bootstrapNode('boot-none');
    expect(await runTask(env, teardownBootstrapTask, node, teardownParams(node))).toEqual({
      kind: 'complete',
    });
  });
});
