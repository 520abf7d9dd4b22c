/**
 * What replace-pod and observe-image read about a node's StatefulSet rollout. With the `OnDelete`
 * strategy the StatefulSet controller never advances `status.currentRevision` after a template
 * change, so a pod is judged by its `controller-revision-hash` label against
 * `status.updateRevision`, never by `currentRevision`.
 */
import { createHash } from 'node:crypto';
import { CONTAINER } from '../../constructs/seinode/names';
import type { KubeClient } from '../kube/client';
import type { LabelSelector } from '../kube/label-selector';
import { Resources } from '../kube/resources';
import type { KubeObject } from '../kube/types';
import { compareQuantities } from './quantity';

/** Label the StatefulSet controller puts on each pod: the name of the pod's revision. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

interface PodTemplate {
  metadata?: Record<string, unknown>;
  spec?: { containers?: { name: string; image?: string }[] } & Record<string, unknown>;
}

/** The StatefulSet fields the rollout tasks read. */
export interface StatefulSet extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplate };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

/** The pod fields the rollout tasks read. */
export interface Pod extends KubeObject {
  spec?: { containers?: { name: string; image?: string }[] };
}

/** Why the rollout cannot be judged yet (a wait), or the StatefulSet and its revision. */
export type RolloutRead =
  | { kind: 'wait'; message: string }
  | { kind: 'ready'; sts: StatefulSet; updateRevision: string; replicas: number };

/**
 * Reads the StatefulSet from the API server (not the cache: apply-statefulset may have changed it
 * in this very reconcile) and checks that its controller has observed the current generation and
 * published an update revision.
 */
export async function readRollout(
  client: KubeClient,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<RolloutRead> {
  const sts = await client.get<StatefulSet>(Resources.StatefulSet, { namespace, name }, signal);
  if (!sts) return { kind: 'wait', message: `waiting for StatefulSet ${name}` };
  const generation = sts.metadata?.generation ?? 0;
  const observed = sts.status?.observedGeneration ?? 0;
  if (observed < generation)
    return {
      kind: 'wait',
      message: `waiting for the StatefulSet controller to observe generation ${generation} of ${name} (observed ${observed})`,
    };
  const updateRevision = sts.status?.updateRevision;
  if (!updateRevision)
    return { kind: 'wait', message: `waiting for StatefulSet ${name} to report its update revision` };
  return { kind: 'ready', sts, updateRevision, replicas: sts.spec?.replicas ?? 1 };
}

/**
 * The pods of a StatefulSet: matching its selector **and** controlled by it (a pod that merely
 * shares the labels is not ours to judge or delete).
 */
export async function ownedPods(client: KubeClient, sts: StatefulSet, signal?: AbortSignal): Promise<Pod[]> {
  const uid = sts.metadata?.uid;
  const { items } = await client.list<Pod>(Resources.Pod, {
    namespace: sts.metadata?.namespace,
    labelSelector: sts.spec?.selector,
    signal,
  });
  return items.filter((p) =>
    p.metadata?.ownerReferences?.some(
      (r) => r.controller === true && r.kind === 'StatefulSet' && r.uid === uid,
    ),
  );
}

/** The pod's revision (`controller-revision-hash`), if labelled. */
export function revisionOf(pod: KubeObject): string | undefined {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

/** Whether the StatefulSet has a usable selector (matchLabels or matchExpressions). */
export function hasSelector(sts: StatefulSet): boolean {
  const s = sts.spec?.selector;
  return !!s && (Object.keys(s.matchLabels ?? {}).length > 0 || (s.matchExpressions ?? []).length > 0);
}

/** The image of the `seid` container in a pod spec, if any. */
export function seidImage(
  spec: { containers?: { name: string; image?: string }[] } | undefined,
): string | undefined {
  return spec?.containers?.find((c) => c.name === CONTAINER.seid)?.image;
}

/**
 * A stable hash of a rendered pod template: SHA-256 (hex) of its canonical JSON (keys sorted,
 * undefined members dropped). Two renders of the same spec and platform give the same hash, so the
 * planner can compare `status.currentPodTemplateHash` with the hash of a fresh render.
 */
export function podTemplateHash(template: unknown): string {
  return createHash('sha256').update(canonicalJson(template)).digest('hex');
}

/**
 * Whether every field of `desired` (a rendered object) is present with an equal value in `live`
 * (the stored object, which adds server defaults): arrays must have the same length; strings that
 * are both quantities compare by value (the server canonicalises `0.5` to `500m`); a number equals
 * its decimal string.
 */
export function isSubset(desired: unknown, live: unknown): boolean {
  if (desired === null || typeof desired !== 'object') {
    if (desired === live) return true;
    if (typeof desired === 'number' && typeof live === 'string') return String(desired) === live;
    if (typeof desired === 'string' && typeof live === 'string') {
      try {
        return compareQuantities(desired, live) === 0;
      } catch {
        return false;
      }
    }
    return false;
  }
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) && live.length === desired.length && desired.every((d, i) => isSubset(d, live[i]))
    );
  }
  if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
  return Object.entries(desired as Record<string, unknown>).every(
    ([k, v]) => v === undefined || isSubset(v, (live as Record<string, unknown>)[k]),
  );
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
