/**
 * The bootstrap-Job tasks (reference-seinode.md §2.4, §3.1, §4.6): `deploy-bootstrap-service`,
 * `deploy-bootstrap-job`, `await-bootstrap-complete`, `teardown-bootstrap`. A node whose snapshot
 * source sets `bootstrapImage` and `s3.targetHeight` first fills its data volume with a one-shot
 * Job (the sidecar tasks of the plan run against that Job's pod), then the Job and its Service are
 * removed and the StatefulSet takes over the volume.
 */
import type { SeiNode } from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import { type KubeObject as Manifest, synthInMemory } from '../../constructs/render';
import { SeiNodeBootstrapJob } from '../../constructs/seinode/bootstrap-job';
import { SeiNodeBootstrapService } from '../../constructs/seinode/bootstrap-service';
import {
  bootstrapJobName,
  bootstrapServiceName,
  SEINODE_FIELD_MANAGER,
} from '../../constructs/seinode/names';
import { AlreadyExistsError, ConflictError } from '../kube/errors';
import type { ResourceDescriptor } from '../kube/resources';
import { Resources } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import type { TaskContext, TaskDefinition, TaskOutcome } from '../planner/task';
import {
  checkNamespace,
  checkStringFields,
  errorMessage,
  isControlledBy,
  nodeRef,
  rejectedOrThrow,
  terminal,
} from './common';

/** Params of deploy-bootstrap-service. */
export interface BootstrapServiceParams {
  /** Must be `<node>` when set. */
  readonly serviceName?: string;
  readonly namespace?: string;
}
/** Params of deploy-bootstrap-job and await-bootstrap-complete. */
export interface BootstrapJobParams {
  /** Must be `<node>-bootstrap` when set. */
  readonly jobName?: string;
  readonly namespace?: string;
}
/** Params of teardown-bootstrap. */
export interface TeardownBootstrapParams {
  readonly jobName?: string;
  readonly serviceName?: string;
  readonly namespace?: string;
}

/** A batch/v1 Job as far as these tasks read it. */
interface Job extends KubeObject {
  status?: {
    active?: number;
    succeeded?: number;
    failed?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/**
 * The bootstrap Job manifest (construct `SeiNodeBootstrapJob`, with the owner reference to the
 * SeiNode when it has a uid).
 *
 * @throws Error when the node cannot bootstrap (no `s3.targetHeight`) or a Secret guard is violated
 */
export function renderBootstrapJob(node: SeiNode, platform: PlatformConfig): Manifest {
  const [job] = synthInMemory((chart) => new SeiNodeBootstrapJob(chart, 'bootstrap-job', { node, platform }));
  if (!job) throw new Error('SeiNodeBootstrapJob rendered nothing');
  return job;
}

/** The bootstrap Service manifest (construct `SeiNodeBootstrapService`). */
export function renderBootstrapService(node: SeiNode): Manifest {
  const [svc] = synthInMemory((chart) => new SeiNodeBootstrapService(chart, 'bootstrap-service', { node }));
  if (!svc) throw new Error('SeiNodeBootstrapService rendered nothing');
  return svc;
}

function conditionOf(
  job: Job,
  type: string,
): { status: string; message?: string; reason?: string } | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** Checks params: an object of strings whose names, when set, are the node's bootstrap names. */
function validateBootstrapParams(
  params: { jobName?: string; serviceName?: string; namespace?: string },
  node: SeiNode,
  keys: readonly ('jobName' | 'serviceName')[],
): string | undefined {
  const shape = checkStringFields(params, [...keys, 'namespace']);
  if (shape) return shape;
  const { name } = nodeRef(node);
  const expected = { jobName: bootstrapJobName(name), serviceName: bootstrapServiceName(name) };
  for (const k of keys) {
    const v = params[k];
    if (v && v !== expected[k])
      return `params.${k} ${JSON.stringify(v)} is not this SeiNode's bootstrap ${k === 'jobName' ? 'Job' : 'Service'} ${JSON.stringify(expected[k])}`;
  }
  return checkNamespace(params.namespace, node);
}

/**
 * Creates `manifest` once (field manager `seinode-controller`). An existing object controlled by
 * this node counts as created (after `reuse` has had its say); one controlled by anything else is
 * terminal.
 */
async function createOnce(
  ctx: TaskContext<unknown>,
  resource: ResourceDescriptor,
  manifest: Manifest,
  reuse: (existing: KubeObject) => Promise<TaskOutcome>,
): Promise<TaskOutcome> {
  const { name: nodeName, namespace, uid } = nodeRef(ctx.node);
  const what = `${manifest.kind} ${manifest.metadata.name}`;
  try {
    await ctx.client.create(resource, manifest as KubeObject, {
      fieldManager: SEINODE_FIELD_MANAGER,
      signal: ctx.signal,
    });
    ctx.log.info({ object: what }, 'created');
    return { kind: 'complete' };
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) return rejectedOrThrow(err, what);
  }
  const existing = await ctx.client.get(resource, { namespace, name: manifest.metadata.name }, ctx.signal);
  if (!existing) return { kind: 'running', message: `${what} was deleted while being created; retrying` };
  if (!isControlledBy(existing, uid))
    return terminal(`${what} already exists and is not controlled by SeiNode ${JSON.stringify(nodeName)}`);
  return reuse(existing);
}

/**
 * `deploy-bootstrap-service`, params `{serviceName, namespace}` (serviceName, when set, must be
 * `<node>`): creates the headless bootstrap Service `<node>` (selector = bootstrap labels, port
 * `api` 8443, publishNotReadyAddresses) so the bootstrap pod gets the DNS name
 * `<node>-0.<node>.<ns>.svc` → `complete`. Already existing and controlled by this SeiNode →
 * `complete` (that includes the node's headless Service from an earlier attempt, which selects the
 * bootstrap pod too; while such a Service is being deleted: `running`, then it is created anew);
 * controlled by anything else → `terminal`. A render error or 422 → `terminal`;
 * other API errors are thrown (transient).
 */
export const deployBootstrapServiceTask: TaskDefinition<BootstrapServiceParams> = {
  type: 'deploy-bootstrap-service',
  maxRetries: 0,
  validate: (params, node) => validateBootstrapParams(params, node, ['serviceName']),
  async execute(ctx) {
    const { name, namespace, uid } = nodeRef(ctx.node);
    if (!uid)
      return terminal(
        `SeiNode ${namespace}/${name} has no metadata.uid: it cannot own its bootstrap Service`,
      );
    let manifest: Manifest;
    try {
      manifest = renderBootstrapService(ctx.node);
    } catch (err) {
      return terminal(`cannot render the bootstrap Service: ${errorMessage(err)}`);
    }
    return createOnce(ctx, Resources.Service, manifest, async (existing) =>
      existing.metadata?.deletionTimestamp
        ? {
            kind: 'running',
            message: `waiting for the earlier Service ${manifest.metadata.name} to be deleted`,
          }
        : { kind: 'complete' },
    );
  },
};

/**
 * `deploy-bootstrap-job`, params `{jobName, namespace}` (jobName, when set, must be
 * `<node>-bootstrap`): creates the bootstrap Job (construct `SeiNodeBootstrapJob`) → `complete`.
 * - a render error (no `s3.targetHeight`, a Secret guard, no kube-rbac-proxy image) or a 422 →
 *   `terminal` (the reference retried these forever);
 * - already existing and controlled by this SeiNode → `complete`, except a Job that already
 *   **failed** (left by an earlier plan: backoffLimit is 0, it can never succeed): it is deleted
 *   (Foreground) and the task reports `running` until it is gone, then creates a fresh one. This is
 *   what lets a spec edit on a Failed node retry the bootstrap;
 * - controlled by anything else → `terminal`; other API errors are thrown (transient).
 */
export const deployBootstrapJobTask: TaskDefinition<BootstrapJobParams> = {
  type: 'deploy-bootstrap-job',
  maxRetries: 0,
  pollIntervalMs: 2000,
  validate: (params, node) => validateBootstrapParams(params, node, ['jobName']),
  async execute(ctx) {
    const { name, namespace, uid } = nodeRef(ctx.node);
    if (!uid)
      return terminal(`SeiNode ${namespace}/${name} has no metadata.uid: it cannot own its bootstrap Job`);
    if (!ctx.platform.kubeRbacProxyImage?.trim())
      return terminal('SEI_KUBE_RBAC_PROXY_IMAGE is not configured on the controller');
    let manifest: Manifest;
    try {
      manifest = renderBootstrapJob(ctx.node, ctx.platform);
    } catch (err) {
      return terminal(`cannot render the bootstrap Job: ${errorMessage(err)}`);
    }
    const jobName = manifest.metadata.name;
    return createOnce(ctx, Resources.Job, manifest, async (existing) => {
      const job = existing as Job;
      if (job.metadata?.deletionTimestamp)
        return { kind: 'running', message: `waiting for the earlier bootstrap Job ${jobName} to be deleted` };
      if (!conditionOf(job, 'Failed')) return { kind: 'complete' };
      await deleteOnce(ctx, Resources.Job, namespace, job);
      ctx.log.info({ job: jobName }, 'deleted a failed bootstrap Job of an earlier attempt');
      return {
        kind: 'running',
        message: `deleting the failed bootstrap Job ${jobName} of an earlier attempt`,
      };
    });
  },
};

/**
 * `await-bootstrap-complete`, params `{jobName, namespace}`: waits for the bootstrap Job (read from
 * the cache, falling back to the API server when the cache does not have it):
 * - condition `Complete=True` → `complete`;
 * - condition `Failed=True` → `failed` ("bootstrap Job <name> failed: <message>"); with
 *   maxRetries 0 the plan fails;
 * - not found, or being deleted before finishing → `failed`;
 * - otherwise `running` (polled every 10 s; the Job's status changes also wake the reconciler).
 */
export const awaitBootstrapCompleteTask: TaskDefinition<BootstrapJobParams> = {
  type: 'await-bootstrap-complete',
  maxRetries: 0,
  pollIntervalMs: 10_000,
  validate: (params, node) => validateBootstrapParams(params, node, ['jobName']),
  async execute(ctx) {
    const { name, namespace } = nodeRef(ctx.node);
    const jobName = bootstrapJobName(name);
    const job =
      ctx.cache.get<Job>(Resources.Job, namespace, jobName) ??
      (await ctx.client.get<Job>(Resources.Job, { namespace, name: jobName }, ctx.signal)) ??
      undefined;
    if (!job) return { kind: 'failed', error: `bootstrap Job ${jobName} not found` };
    if (conditionOf(job, 'Complete')) return { kind: 'complete' };
    const failed = conditionOf(job, 'Failed');
    if (failed)
      return {
        kind: 'failed',
        error: `bootstrap Job ${jobName} failed: ${failed.message || failed.reason || 'no reason given'}`,
      };
    if (job.metadata?.deletionTimestamp)
      return { kind: 'failed', error: `bootstrap Job ${jobName} was deleted before it finished` };
    const s = job.status ?? {};
    return {
      kind: 'running',
      message: `bootstrap Job ${jobName} running (active ${s.active ?? 0}, succeeded ${s.succeeded ?? 0}, failed ${s.failed ?? 0})`,
    };
  },
};

/**
 * `teardown-bootstrap`, params `{jobName, serviceName, namespace}`: deletes the bootstrap Job
 * (Foreground propagation, so it disappears only after its pod — and the pod's hold on the
 * ReadWriteOnce volume — is gone) and the bootstrap Service `<node>` (default propagation), each
 * once (uid precondition), and reports `running` (polled every 2 s) until **both are really gone** from the
 * API server; only then `complete`. (The reference completed right after issuing the deletes, so
 * apply-service could collide with a still-present bootstrap Service and the StatefulSet pod with
 * the bootstrap pod's volume.) An object of those names that this SeiNode does not control is never
 * deleted: `terminal`. API errors are thrown (transient).
 */
export const teardownBootstrapTask: TaskDefinition<TeardownBootstrapParams> = {
  type: 'teardown-bootstrap',
  maxRetries: 0,
  pollIntervalMs: 2000,
  validate: (params, node) => validateBootstrapParams(params, node, ['jobName', 'serviceName']),
  async execute(ctx) {
    const { name, namespace, uid } = nodeRef(ctx.node);
    const targets: [ResourceDescriptor, string][] = [
      [Resources.Job, bootstrapJobName(name)],
      [Resources.Service, bootstrapServiceName(name)],
    ];
    const remaining: string[] = [];
    for (const [resource, objectName] of targets) {
      const obj = await ctx.client.get(resource, { namespace, name: objectName }, ctx.signal);
      if (!obj) continue;
      const what = `${resource.kind} ${objectName}`;
      if (!isControlledBy(obj, uid))
        return terminal(
          `${what} is not controlled by SeiNode ${JSON.stringify(name)}; refusing to delete it`,
        );
      remaining.push(what);
      if (obj.metadata?.deletionTimestamp) continue;
      await deleteOnce(ctx, resource, namespace, obj);
      ctx.applier.forget(resource, namespace, objectName);
      ctx.log.info({ object: what }, 'deleting bootstrap object');
    }
    return remaining.length > 0
      ? { kind: 'running', message: `waiting for ${remaining.join(' and ')} to be deleted` }
      : { kind: 'complete' };
  },
};

/**
 * Deletes `obj` (Foreground propagation for a Job, so it goes only after its pod; the default for
 * anything else), only if it still has the uid that was read.
 */
async function deleteOnce(
  ctx: TaskContext<unknown>,
  resource: ResourceDescriptor,
  namespace: string,
  obj: KubeObject,
): Promise<void> {
  try {
    await ctx.client.delete(
      resource,
      { namespace, name: obj.metadata?.name ?? '' },
      {
        ...(resource === Resources.Job ? { propagationPolicy: 'Foreground' as const } : {}),
        preconditions: { uid: obj.metadata?.uid },
        signal: ctx.signal,
      },
    );
  } catch (err) {
    // The uid precondition failed: the object was replaced meanwhile; the next step looks again.
    if (!(err instanceof ConflictError)) throw err;
  }
}
