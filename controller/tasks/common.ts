/**
 * Helpers shared by the controller-side tasks (reference-seinode.md §3.1): params checks, the
 * node's identity, ownership tests, rendering one kind of the node's workload, and the mapping of
 * API errors to outcomes.
 */
import type { SeiNode } from '../../constructs/api/types';
import type { PlatformConfig } from '../../constructs/platform-config';
import type { KubeObject as Manifest } from '../../constructs/render';
import { InvalidError } from '../kube/errors';
import type { KubeObject } from '../kube/types';
import type { ConditionUpdate, TaskOutcome } from '../planner/task';
import { renderWorkload } from '../seinode/workload-render-cache';

/**
 * Params of the tasks that act on the node itself (`ensure-data-pvc`, `apply-*`, `replace-pod`,
 * `observe-image`). As in the reference they are for observability: the task reads the node from
 * its context. When present they must name the node being reconciled.
 */
export interface NodeTaskParams {
  readonly nodeName?: string;
  readonly namespace?: string;
}

/** The name, namespace and uid of a node (namespace `default` when unset). */
export function nodeRef(node: SeiNode): { name: string; namespace: string; uid: string | undefined } {
  return {
    name: node.metadata.name ?? '',
    namespace: node.metadata.namespace ?? 'default',
    uid: node.metadata.uid,
  };
}

/** Checks that `params` is an object whose string fields `keys` are strings when present. */
export function checkStringFields(params: unknown, keys: readonly string[]): string | undefined {
  if (params === null || typeof params !== 'object' || Array.isArray(params))
    return 'params must be an object';
  for (const k of keys) {
    const v = (params as Record<string, unknown>)[k];
    if (v !== undefined && typeof v !== 'string') return `params.${k} must be a string`;
  }
  return undefined;
}

/**
 * `validate` of the node tasks: params is an object, and `nodeName` / `namespace`, when set, name
 * this node (a plan built for another node is a bug that must not touch this one).
 */
export function validateNodeParams(params: NodeTaskParams, node: SeiNode): string | undefined {
  const shape = checkStringFields(params, ['nodeName', 'namespace']);
  if (shape) return shape;
  return checkNamespace(params.namespace, node) ?? checkNodeName(params.nodeName, node);
}

/** A message when `namespace` is set and is not the node's namespace. */
export function checkNamespace(namespace: string | undefined, node: SeiNode): string | undefined {
  const ref = nodeRef(node);
  return namespace && namespace !== ref.namespace
    ? `params.namespace ${JSON.stringify(namespace)} is not the SeiNode's namespace ${JSON.stringify(ref.namespace)}`
    : undefined;
}

function checkNodeName(nodeName: string | undefined, node: SeiNode): string | undefined {
  const ref = nodeRef(node);
  return nodeName && nodeName !== ref.name
    ? `params.nodeName ${JSON.stringify(nodeName)} does not name this SeiNode (${JSON.stringify(ref.name)})`
    : undefined;
}

/** Whether `obj` has a controller owner reference to the object with `uid`. */
export function isControlledBy(obj: KubeObject | null | undefined, uid: string | undefined): boolean {
  return !!uid && !!obj?.metadata?.ownerReferences?.some((r) => r.controller === true && r.uid === uid);
}

/** The message of an error (or its string form). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A `terminal` outcome, with optional conditions. */
export function terminal(error: string, conditions?: readonly ConditionUpdate[]): TaskOutcome {
  return conditions ? { kind: 'terminal', error, conditions } : { kind: 'terminal', error };
}

/** The outcome for a failed write: a 422 (the server rejected the object) is terminal; anything else is rethrown (transient). */
export function rejectedOrThrow(err: unknown, what: string): TaskOutcome {
  if (err instanceof InvalidError) return terminal(`${what} was rejected by the API server: ${err.message}`);
  throw err;
}

/**
 * Renders the node's workload (the same constructs `cdk8s synth` previews) and returns the one
 * object of `kind`. A render error (a Secret guard, a node without a name) can only be fixed by a
 * spec or platform edit, so it is reported, never thrown.
 *
 * @returns the manifest, or an error message
 */
export function renderWorkloadObject(
  node: SeiNode,
  platform: PlatformConfig,
  kind: 'ConfigMap' | 'PersistentVolumeClaim' | 'Service' | 'StatefulSet',
): { manifest: Manifest } | { error: string } {
  let manifests: readonly Manifest[];
  try {
    manifests = renderWorkload(node, platform);
  } catch (err) {
    return { error: `cannot render the workload of SeiNode ${nodeRef(node).name}: ${errorMessage(err)}` };
  }
  // The headless Service is named after the node (other Services, e.g. `<node>-p2p`, are not).
  const manifest = manifests.find(
    (m) => m.kind === kind && (kind !== 'Service' || m.metadata.name === node.metadata.name),
  );
  return manifest ? { manifest } : { error: `the rendered workload has no ${kind}` };
}
