/**
 * The write floor of a convergence run: the same writes the controller issued (same count, same
 * verb and resource mix, same kind of bodies — the rendered workload, a real converged SeiNode
 * status, Events), issued directly by a tight client loop with the controller's concurrency, in a
 * namespace nobody watches. It is what converging costs the API server with zero reconcile logic,
 * zero sidecar round trips and zero waiting: `convergence time / floor time` is the controller's
 * overhead factor.
 */
import type { SeiNode, SeiNodeStatus } from '../../constructs/api/types';
import { EXAMPLE_PLATFORM_CONFIG } from '../../constructs/platform-config';
import type { KubeObject as Manifest } from '../../constructs/render';
import { renderSeiNodeWorkload } from '../../constructs/render';
import type { KubeClient } from '../../controller/kube/client';
import { ConflictError } from '../../controller/kube/errors';
import { type ResourceDescriptor, Resources } from '../../controller/kube/resources';
import type { KubeObject } from '../../controller/kube/types';
import { ensureNamespace } from '../../test/support/controller-process';
import { fleetNode } from '../lib/fleet';

/** Result of one floor run. */
export interface WriteFloorResult {
  /** Writes issued (equals the controller's count). */
  readonly writes: number;
  readonly concurrency: number;
  /** Wall time of the timed writes (ms). */
  readonly ms: number;
  /** Writes by `"<verb> <resource>"` as issued. */
  readonly mix: Record<string, number>;
  /** Controller write kinds the floor has no template for, issued as ConfigMap creates instead. */
  readonly substituted: number;
  /** Status updates that hit a conflict and were re-read (should be 0). */
  readonly conflicts: number;
}

type Op = () => Promise<unknown>;

/** A floor "node": the SeiNode created untimed and what the controller would write for it. */
interface FloorNode {
  node: SeiNode;
  manifests: Map<string, Manifest>;
  rv: string;
}

const WORKLOAD_KINDS: Record<string, { resource: ResourceDescriptor; kind: string }> = {
  configmaps: { resource: Resources.ConfigMap, kind: 'ConfigMap' },
  statefulsets: { resource: Resources.StatefulSet, kind: 'StatefulSet' },
  services: { resource: Resources.Service, kind: 'Service' },
  persistentvolumeclaims: { resource: Resources.PersistentVolumeClaim, kind: 'PersistentVolumeClaim' },
};

/**
 * Issues `writes` (the controller's write counts by `"<verb> <resource> <code>"`) against
 * `nodeCount` fresh SeiNodes in `namespace`.
 *
 * @param statusTemplate - a converged SeiNode status (the bodies of `update seinodes/status`)
 */
export async function writeFloor(
  admin: KubeClient,
  opts: {
    namespace: string;
    nodeCount: number;
    writes: Record<string, number>;
    statusTemplate: SeiNodeStatus;
    concurrency: number;
  },
): Promise<WriteFloorResult> {
  const { namespace } = opts;
  await ensureNamespace(admin, namespace);
  // Untimed setup: the SeiNodes exist before the controller writes anything in a real run too.
  const nodes: FloorNode[] = [];
  const setup = Array.from({ length: opts.nodeCount }, (_, i) => i);
  await runPool(
    setup.map((i) => async () => {
      const created = await admin.create<SeiNode>(Resources.SeiNode, fleetNode(namespace, i));
      const rendered = renderSeiNodeWorkload(created, EXAMPLE_PLATFORM_CONFIG);
      nodes[i] = {
        node: created,
        manifests: new Map(rendered.map((m) => [m.kind, m])),
        rv: created.metadata.resourceVersion ?? '',
      };
    }),
    8,
  );

  // The per-node operation lists, then interleaved node by node (as a fleet converges).
  const perNode: Op[][] = nodes.map(() => []);
  const mix: Record<string, number> = {};
  let substituted = 0;
  let conflicts = 0;
  let eventSeq = 0;
  let spare = 0;
  const spread = (count: number, make: (n: FloorNode, i: number, k: number) => Op) => {
    for (let k = 0; k < count; k++) {
      const i = k % nodes.length;
      (perNode[i] as Op[]).push(make(nodes[i] as FloorNode, i, k));
    }
  };
  for (const [key, count] of Object.entries(opts.writes)) {
    const [verb, resource] = key.split(' ') as [string, string];
    const label = `${verb} ${resource}`;
    const workload = WORKLOAD_KINDS[resource];
    let make: ((n: FloorNode, i: number, k: number) => Op) | undefined;
    if (verb === 'apply' && workload) {
      make = (n) => () =>
        admin.apply(workload.resource, n.manifests.get(workload.kind) as KubeObject, { force: true });
    } else if (verb === 'create' && workload) {
      make = (n, _i, k) => () => {
        const m = n.manifests.get(workload.kind) as KubeObject;
        const name = k < nodes.length ? m.metadata?.name : `${m.metadata?.name}-${k}`;
        return admin.create(workload.resource, { ...m, metadata: { ...m.metadata, name } });
      };
    } else if (verb === 'create' && resource === 'events') {
      make = (n) => () => admin.create(Resources.Event, floorEvent(n.node, eventSeq++));
    } else if (verb === 'patch' && resource === 'seinodes') {
      make = (n, _i, k) => async () => {
        const patched = await admin.patch<SeiNode>(
          Resources.SeiNode,
          { namespace, name: n.node.metadata.name as string },
          { metadata: { annotations: { [`bench.sei.io/floor-${k}`]: 'x' } } },
          { resourceVersion: n.rv },
        );
        n.rv = patched.metadata.resourceVersion ?? '';
      };
    } else if (verb === 'update' && resource === 'seinodes/status') {
      make = (n, _i, k) => async () => {
        for (;;) {
          try {
            const status = { ...opts.statusTemplate, observedGeneration: k };
            const updated = await admin.replaceStatus<SeiNode>(Resources.SeiNode, {
              ...n.node,
              metadata: { ...n.node.metadata, resourceVersion: n.rv },
              status,
            });
            n.rv = updated.metadata.resourceVersion ?? '';
            return;
          } catch (err) {
            if (!(err instanceof ConflictError)) throw err;
            conflicts++;
            const fresh = await admin.get<SeiNode>(Resources.SeiNode, {
              namespace,
              name: n.node.metadata.name as string,
            });
            n.rv = fresh?.metadata.resourceVersion ?? n.rv;
          }
        }
      };
    } else if (verb === 'delete' && workload) {
      // Not seen in convergence; issued as (404) ConfigMap deletes so the count still matches.
      make = () => () => admin.delete(Resources.ConfigMap, { namespace, name: `floor-spare-${spare++}` });
    }
    if (!WRITE_VERB.has(verb)) continue;
    if (!make) {
      substituted += count;
      make = () => () =>
        admin.create(Resources.ConfigMap, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `floor-substitute-${spare++}`, namespace },
          data: { k: 'v' },
        });
    }
    mix[label] = (mix[label] ?? 0) + count;
    spread(count, make);
  }
  const ops: Op[] = [];
  const depth = Math.max(...perNode.map((l) => l.length), 0);
  for (let d = 0; d < depth; d++) for (const list of perNode) if (d < list.length) ops.push(list[d] as Op);

  const started = performance.now();
  await runPool(ops, opts.concurrency);
  const ms = performance.now() - started;
  return { writes: ops.length, concurrency: opts.concurrency, ms, mix, substituted, conflicts };
}

const WRITE_VERB = new Set(['create', 'update', 'patch', 'apply', 'delete']);

/** Runs the operations with at most `concurrency` in flight, in order. */
export async function runPool(ops: readonly Op[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < ops.length) {
      const op = ops[next++] as Op;
      await op();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

function floorEvent(node: SeiNode, seq: number): KubeObject {
  const meta = node.metadata;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: `${meta.name}.floor${seq.toString(16)}`, namespace: meta.namespace },
    eventTime: new Date().toISOString().replace('Z', '000Z'),
    reportingController: 'sei.io/seinode-controller',
    reportingInstance: 'bench-floor',
    action: 'Plan',
    reason: 'PlanStarted',
    type: 'Normal',
    note: 'Init plan started: ensure-data-pvc, apply-rbac-proxy-config, apply-statefulset, apply-service, …',
    regarding: {
      apiVersion: node.apiVersion,
      kind: node.kind,
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
    },
  };
}
