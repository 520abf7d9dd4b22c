/**
 * Controller-side tasks of the SeiNodeDeployment genesis plan (reference-seinodedeployment.md §2.6):
 * `collect-and-set-peers` and `await-nodes-running`. They run with a TaskContext whose `deployment`
 * is set and whose `sidecarOf(name)` reaches any child's sidecar.
 */
import type { SeiNode } from '../../constructs/api/types';
import { Resources } from '../kube/resources';
import type { TaskContext, TaskDefinition, TaskOutcome } from '../planner/task';
import { SidecarError } from '../sidecar/client';

/** Params of {@link collectAndSetPeersTask}. */
export interface CollectPeersParams {
  readonly groupName: string;
  readonly namespace: string;
  readonly nodeNames: readonly string[];
  [k: string]: unknown;
}

/** Params of {@link awaitNodesRunningTask}. */
export interface AwaitNodesParams {
  readonly groupName: string;
  readonly namespace: string;
  readonly expected: number;
  readonly nodeNames: readonly string[];
  [k: string]: unknown;
}

/** Field manager of the peers the genesis plan sets on the children. */
export const GENESIS_PEERS_FIELD_MANAGER = 'seinodedeployment-genesis';

const nodesValid = (p: {
  groupName?: unknown;
  namespace?: unknown;
  nodeNames?: unknown;
}): string | undefined =>
  typeof p.groupName !== 'string' || typeof p.namespace !== 'string'
    ? 'groupName and namespace are required'
    : !Array.isArray(p.nodeNames) ||
        p.nodeNames.length === 0 ||
        p.nodeNames.some((n) => typeof n !== 'string')
      ? 'nodeNames must be a non-empty list of names'
      : undefined;

/**
 * Asks every child's sidecar for its CometBFT node id and sets, by server-side apply with its own
 * field manager, `spec.peers = [{static: {addresses}}]` on every child with every *other* child's
 * `<nodeId>@<child>-0.<child>.<ns>.svc.cluster.local:26656` (the reference included self; a node
 * dialing itself is pointless). A sidecar that cannot answer yet (identity not generated, not
 * reachable) is transient.
 */
export const collectAndSetPeersTask: TaskDefinition<CollectPeersParams> = {
  type: 'collect-and-set-peers',
  maxRetries: 0,
  pollIntervalMs: 2_000,
  validate: (p) => nodesValid(p),
  async execute(ctx: TaskContext<CollectPeersParams>): Promise<TaskOutcome> {
    if (!ctx.sidecarOf)
      return { kind: 'terminal', error: 'collect-and-set-peers runs only in SeiNodeDeployment plans' };
    const { namespace, nodeNames } = ctx.params;
    const addresses = new Map<string, string>();
    for (const name of nodeNames) {
      try {
        const id = await ctx.sidecarOf(name).getNodeId(ctx.signal);
        addresses.set(name, `${id}@${name}-0.${name}.${namespace}.svc.cluster.local:26656`);
      } catch (err) {
        if (err instanceof SidecarError)
          return { kind: 'running', message: `node id of ${name} not available yet: ${err.message}` };
        throw err;
      }
    }
    for (const name of nodeNames) {
      const others = nodeNames.filter((n) => n !== name).map((n) => addresses.get(n) as string);
      if (others.length === 0) continue;
      await ctx.client.apply(
        Resources.SeiNode,
        {
          apiVersion: 'sei.io/v1alpha1',
          kind: 'SeiNode',
          metadata: { name, namespace },
          spec: { peers: [{ static: { addresses: others } }] },
        },
        { fieldManager: GENESIS_PEERS_FIELD_MANAGER, force: true, signal: ctx.signal },
      );
    }
    return { kind: 'complete' };
  },
};

/**
 * Waits until `expected` of the named children are Running with no active plan; a Failed child fails
 * the task (and the plan).
 */
export const awaitNodesRunningTask: TaskDefinition<AwaitNodesParams> = {
  type: 'await-nodes-running',
  maxRetries: 0,
  pollIntervalMs: 2_000,
  validate: (p) =>
    nodesValid(p) ??
    (Number.isInteger(p.expected) && p.expected >= 1 ? undefined : 'expected must be a positive integer'),
  async execute(ctx: TaskContext<AwaitNodesParams>): Promise<TaskOutcome> {
    const { namespace, nodeNames, expected } = ctx.params;
    let running = 0;
    for (const name of nodeNames) {
      const n = ctx.cache.get<SeiNode>(Resources.SeiNode, namespace, name);
      if (n?.status?.phase === 'Failed') {
        const d = n.status.plan?.failedTaskDetail;
        return { kind: 'failed', error: `node ${name} failed${d ? `: task ${d.type}: ${d.error}` : ''}` };
      }
      if (n?.status?.phase === 'Running' && n.status.plan?.phase !== 'Active') running++;
    }
    return running >= expected
      ? { kind: 'complete' }
      : { kind: 'running', message: `${running}/${expected} nodes running` };
  },
};

/** The SeiNodeDeployment's controller-side tasks. */
export const GENESIS_TASKS: readonly TaskDefinition[] = [
  collectAndSetPeersTask as unknown as TaskDefinition,
  awaitNodesRunningTask as unknown as TaskDefinition,
];
