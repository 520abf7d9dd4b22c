/**
 * `apply-rbac-proxy-config`, `apply-statefulset`, `apply-service` (reference-seinode.md §3.1,
 * §4.2–§4.4): server-side apply of one object of the node's rendered workload.
 */
import type { SeiNodeStatus } from '../../constructs/api/types';
import type { ResourceDescriptor } from '../kube/resources';
import { Resources } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import type { TaskContext, TaskDefinition, TaskOutcome } from '../planner/task';
import {
  type NodeTaskParams,
  nodeRef,
  rejectedOrThrow,
  renderWorkloadObject,
  terminal,
  validateNodeParams,
} from './common';

type WorkloadKind = 'ConfigMap' | 'StatefulSet' | 'Service';

/**
 * Renders the node's workload with `renderSeiNodeWorkload(ctx.node, ctx.platform)` — the same
 * constructs `cdk8s synth` previews, with the controller owner reference to the SeiNode — and
 * applies the object of `kind` through `ctx.applier` (SSA, field manager `seinode-controller`,
 * force; skipped when provably unchanged against the cached live object).
 */
async function applyWorkloadObject(
  ctx: TaskContext<NodeTaskParams>,
  kind: WorkloadKind,
  resource: ResourceDescriptor,
): Promise<{ object: KubeObject } | { outcome: TaskOutcome }> {
  const rendered = renderWorkloadObject(ctx.node, ctx.platform, kind);
  if ('error' in rendered) return { outcome: terminal(rendered.error) };
  const desired = rendered.manifest as KubeObject;
  const name = rendered.manifest.metadata.name;
  const live = ctx.cache.get(resource, nodeRef(ctx.node).namespace, name);
  try {
    const { object, outcome } = await ctx.applier.apply(resource, desired, live, ctx.signal);
    if (outcome === 'applied') ctx.log.debug({ object: `${kind}/${name}` }, 'applied');
    return { object };
  } catch (err) {
    return { outcome: rejectedOrThrow(err, `${kind} ${name}`) };
  }
}

function applyTask(
  type: string,
  kind: WorkloadKind,
  resource: ResourceDescriptor,
  preflight: (ctx: TaskContext<NodeTaskParams>) => string | undefined = () => undefined,
  status: (object: KubeObject) => Partial<SeiNodeStatus> | undefined = () => undefined,
): TaskDefinition<NodeTaskParams> {
  return {
    type,
    maxRetries: 0,
    validate: validateNodeParams,
    async execute(ctx) {
      const problem = preflight(ctx);
      if (problem) return terminal(problem);
      const result = await applyWorkloadObject(ctx, kind, resource);
      if ('outcome' in result) return result.outcome;
      const fields = status(result.object);
      return fields ? { kind: 'complete', status: fields } : { kind: 'complete' };
    },
  };
}

/**
 * `apply-rbac-proxy-config`, params `{nodeName, namespace}`: applies the ConfigMap
 * `<name>-rbac-proxy-config` (kube-rbac-proxy's authorization config) → `complete`.
 * A render error or a 422 → `terminal` (with the server's message); other API errors are thrown
 * (transient).
 */
export const applyRbacProxyConfigTask = applyTask(
  'apply-rbac-proxy-config',
  'ConfigMap',
  Resources.ConfigMap,
);

/**
 * `apply-statefulset`, params `{nodeName, namespace}`: applies the StatefulSet `<name>` →
 * `complete` with `status.statefulSet = {name, uid}`. With the `OnDelete` strategy a template
 * change does not touch the running pod; replace-pod cycles it.
 * `terminal` when the platform lacks the kube-rbac-proxy or cosmos-exporter image, on a render
 * error (e.g. a key Secret guard) or on a 422 (with the server's message); other API errors are
 * thrown (transient).
 */
export const applyStatefulSetTask = applyTask(
  'apply-statefulset',
  'StatefulSet',
  Resources.StatefulSet,
  (ctx) => {
    if (!ctx.platform.kubeRbacProxyImage?.trim())
      return 'SEI_KUBE_RBAC_PROXY_IMAGE is not configured on the controller';
    if (!ctx.platform.cosmosExporterImage?.trim())
      return 'SEI_COSMOS_EXPORTER_IMAGE is not configured on the controller';
    return undefined;
  },
  (sts) => {
    const name = sts.metadata?.name;
    const uid = sts.metadata?.uid;
    return name && uid ? { statefulSet: { name, uid } } : undefined;
  },
);

/**
 * `apply-service`, params `{nodeName, namespace}`: applies the headless Service `<name>` (seven
 * seid ports and `api` 8443, publishNotReadyAddresses) → `complete`. In a bootstrap plan it runs
 * after teardown-bootstrap has removed the bootstrap Service of the same name. Errors as
 * {@link applyRbacProxyConfigTask}.
 */
export const applyServiceTask = applyTask('apply-service', 'Service', Resources.Service);
