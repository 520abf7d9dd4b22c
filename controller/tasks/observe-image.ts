/**
 * `observe-image` (reference-seinode.md §3.1, §2.8): records which seid image the node's pod runs
 * once the rollout is complete, which ends image drift for the planner.
 */
import type { SeiNode, SeiNodeStatus } from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import type { TaskDefinition } from '../planner/task';
import { type NodeTaskParams, nodeRef, renderWorkloadObject, validateNodeParams } from './common';
import {
  isSubset,
  ownedPods,
  podTemplateHash,
  readRollout,
  revisionOf,
  type StatefulSet,
  seidImage,
} from './rollout';

/**
 * `observe-image`, params `{nodeName, namespace}`.
 *
 * Reads the StatefulSet `<name>` from the API server and waits (`running`, polled every 2 s) while
 * it is missing, its controller has not observed the current generation or has no
 * `updateRevision`, or the rollout is not complete. Complete means, as suits `OnDelete` (where
 * `currentRevision` never advances): `status.updatedReplicas ≥ spec.replicas`, at least
 * `spec.replicas` live owned pods carry `controller-revision-hash = updateRevision`, and no owned
 * pod is at another revision.
 *
 * Then `complete` with:
 * - `status.currentImage`: the `seid` image of the pod at `updateRevision` (of the StatefulSet
 *   template when no pod runs, i.e. replicas 0). That is `spec.image` once apply-statefulset has
 *   rolled it out; if the spec changed since, the image actually running is recorded and the
 *   planner sees the drift again (the reference stamped `spec.image` blindly);
 * - `status.currentPodTemplateHash`: {@link podTemplateHash} of the pod template rendered from the
 *   current spec, but only when the live StatefulSet template contains that render (so the pods at
 *   `updateRevision` were built from it); otherwise it is left unchanged.
 *
 * Get/list errors are thrown (transient).
 */
export const observeImageTask: TaskDefinition<NodeTaskParams> = {
  type: 'observe-image',
  maxRetries: 0,
  pollIntervalMs: 2000,
  validate: validateNodeParams,
  async execute(ctx) {
    const { name, namespace } = nodeRef(ctx.node);
    const rollout = await readRollout(ctx.client, namespace, name, ctx.signal);
    if (rollout.kind === 'wait') return { kind: 'running', message: rollout.message };
    const { sts, updateRevision, replicas } = rollout;
    if ((sts.status?.updatedReplicas ?? 0) < replicas)
      return {
        kind: 'running',
        message: `waiting for StatefulSet ${name}: ${sts.status?.updatedReplicas ?? 0}/${replicas} replicas at ${updateRevision}`,
      };
    const pods = (await ownedPods(ctx.client, sts, ctx.signal)).filter((p) => !p.metadata?.deletionTimestamp);
    const updated = pods.filter((p) => revisionOf(p) === updateRevision);
    const stale = pods.filter((p) => revisionOf(p) !== updateRevision);
    if (updated.length < replicas || stale.length > 0)
      return {
        kind: 'running',
        message: `waiting for the pods of StatefulSet ${name} to run revision ${updateRevision}`,
      };

    const image = seidImage(updated[0]?.spec) ?? seidImage(sts.spec?.template?.spec);
    const status: Partial<SeiNodeStatus> = {};
    if (image) status.currentImage = image;
    if (image && image !== ctx.node.spec.image)
      ctx.log.info(
        { running: image, spec: ctx.node.spec.image },
        'the rolled-out image differs from spec.image',
      );
    const hash = renderedTemplateHash(ctx.node, ctx.platform, sts);
    if (hash) status.currentPodTemplateHash = hash;
    return { kind: 'complete', status };
  },
};

/**
 * {@link podTemplateHash} of the pod template rendered for `node` — what observe-image stamps as
 * `status.currentPodTemplateHash` — for drift detection. Undefined when the node cannot be rendered.
 */
export function desiredPodTemplateHash(node: SeiNode, platform: PlatformConfig): string | undefined {
  const template = renderedTemplate(node, platform);
  return template ? podTemplateHash(template) : undefined;
}

function renderedTemplate(node: SeiNode, platform: PlatformConfig): unknown {
  const rendered = renderWorkloadObject(node, platform, 'StatefulSet');
  return 'error' in rendered ? undefined : (rendered.manifest as StatefulSet).spec?.template;
}

/** The hash of the current render's pod template, when the live StatefulSet runs that template. */
function renderedTemplateHash(
  node: SeiNode,
  platform: PlatformConfig,
  live: StatefulSet,
): string | undefined {
  const template = renderedTemplate(node, platform);
  return template && isSubset(template, live.spec?.template) ? podTemplateHash(template) : undefined;
}
