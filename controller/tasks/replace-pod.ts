/**
 * `replace-pod` (reference-seinode.md §3.1): cycles the node's pod onto the StatefulSet's new
 * revision. The StatefulSet uses `OnDelete`, so a template change (apply-statefulset) does nothing
 * until this task deletes the old pod and the StatefulSet controller recreates it.
 */
import { ConflictError } from '../kube/errors';
import { Resources } from '../kube/resources';
import type { TaskDefinition } from '../planner/task';
import { type NodeTaskParams, nodeRef, terminal, validateNodeParams } from './common';
import { hasSelector, ownedPods, readRollout, revisionOf } from './rollout';

/**
 * `replace-pod`, params `{nodeName, namespace}`.
 *
 * Each step reads the StatefulSet `<name>` from the API server (not the cache) and:
 * 1. waits (`running`) while it is missing, its controller has not observed the current
 *    generation (`status.observedGeneration < metadata.generation`) or `status.updateRevision` is
 *    empty;
 * 2. `terminal` when `spec.replicas > 1` (ordinal-aware replacement is not implemented) or the
 *    selector is empty (owned pods cannot be identified);
 * 3. deletes every pod it owns (selector match **and** controller owner reference to this
 *    StatefulSet) whose `controller-revision-hash` differs from `updateRevision` and that is not
 *    already terminating — with a uid precondition, so a pod recreated meanwhile is never deleted.
 *    `currentRevision` is ignored: with OnDelete it never advances. Pods without the label are left
 *    alone;
 * 4. **completes once the cycle is observable**: no owned pod at another revision remains (deleted
 *    ones are gone, not just terminating) and `spec.replicas` pods exist at `updateRevision`.
 *    Completion is readiness-blind — seid may be intentionally unready (halted at an upgrade
 *    height, waiting for mark-ready, which follows in the plan).
 *
 * So each stale pod is deleted exactly once: the replacement carries `updateRevision` and is never
 * judged stale. A pod already at `updateRevision` completes at once with no deletion (nothing to
 * cycle); with `replicas: 0` (paused) it completes once no stale pod remains. While waiting it
 * reports `running` (polled every 2 s). List/delete errors are thrown (transient). It never returns
 * `failed`, so `maxRetries` is 0 (the reference's 3 was inert).
 */
export const replacePodTask: TaskDefinition<NodeTaskParams> = {
  type: 'replace-pod',
  maxRetries: 0,
  pollIntervalMs: 2000,
  validate: validateNodeParams,
  async execute(ctx) {
    const { name, namespace } = nodeRef(ctx.node);
    const rollout = await readRollout(ctx.client, namespace, name, ctx.signal);
    if (rollout.kind === 'wait') return { kind: 'running', message: rollout.message };
    const { sts, updateRevision, replicas } = rollout;
    if (replicas > 1)
      return terminal(
        `replace-pod does not support multi-replica StatefulSets (StatefulSet ${name} has replicas=${replicas})`,
      );
    if (!hasSelector(sts)) return terminal(`StatefulSet ${name} has no selector; cannot identify its pods`);

    const pods = (await ownedPods(ctx.client, sts, ctx.signal)).filter((p) => revisionOf(p) !== undefined);
    const stale = pods.filter((p) => revisionOf(p) !== updateRevision);
    const deleted: string[] = [];
    for (const pod of stale) {
      if (pod.metadata?.deletionTimestamp) continue;
      const podName = pod.metadata?.name ?? '';
      try {
        await ctx.client.delete(
          Resources.Pod,
          { namespace, name: podName },
          { preconditions: { uid: pod.metadata?.uid }, signal: ctx.signal },
        );
      } catch (err) {
        // The uid precondition failed: the pod was already replaced; the next step judges the new one.
        if (!(err instanceof ConflictError)) throw err;
      }
      deleted.push(podName);
      ctx.log.info(
        { pod: podName, from: revisionOf(pod), to: updateRevision },
        'deleted pod for replacement',
      );
    }
    if (deleted.length > 0)
      return {
        kind: 'running',
        message: `deleted pod ${deleted.join(', ')}; waiting for its replacement at revision ${updateRevision}`,
      };
    if (stale.length > 0)
      return {
        kind: 'running',
        message: `waiting for pod ${stale.map((p) => p.metadata?.name).join(', ')} to terminate`,
      };
    const updated = pods.filter((p) => !p.metadata?.deletionTimestamp);
    if (updated.length < replicas)
      return {
        kind: 'running',
        message: `waiting for StatefulSet ${name} to create its pod at revision ${updateRevision}`,
      };
    return { kind: 'complete' };
  },
};
